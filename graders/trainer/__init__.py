"""The trainer's view of a cohort: the report, certificates and their verification, and the demo's
synthetic cohort."""
