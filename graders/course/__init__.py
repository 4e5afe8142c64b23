"""One course on disk: its folders and settings (course.yaml), its sources checked, and its modules
released with nbgrader. Used by trainers' commands and by `course lab`."""
