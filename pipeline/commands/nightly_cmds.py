"""`minutes nightly`, `minutes runs` (issue 5). Filled in by the nightly-job work."""
COMMANDS: list = []
