"""What a clinic publishes: handouts drawn with nbconvert, the publish gate, PDFs with the system's
Chromium, and the templates every page is drawn from."""
