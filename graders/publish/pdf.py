"""Print an HTML page to PDF with the system's Chromium (Debian's `chromium` package).
Nothing is downloaded at run time; without Chromium, callers get a clear error."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# Chromium on a closed network: no sandbox (root in CI), no GPU, and no request to any outside host.
OFFLINE_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


class NoChromium(RuntimeError):
    """No Chromium on this machine."""


def find_chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise NoChromium("PDF output needs the system's Chromium: install Debian's package with "
                         "`apt-get install chromium` (nothing is downloaded at run time)")
    return browser


def print_to_pdf(html_file: Path, pdf: Path | None = None) -> Path:
    """Print one page; raise if Chromium is missing or writes no PDF."""
    pdf = pdf or html_file.with_suffix(".pdf")
    pdf.unlink(missing_ok=True)
    done = subprocess.run([find_chromium(), "--headless", *OFFLINE_FLAGS, "--no-pdf-header-footer",
                           f"--print-to-pdf={pdf}", html_file.resolve().as_uri()],
                          capture_output=True, text=True, timeout=180)
    if not pdf.exists():
        raise RuntimeError(f"Chromium wrote no PDF for {html_file}: {done.stderr[-500:]}")
    return pdf
