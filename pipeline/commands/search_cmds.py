"""`minutes search`, `minutes serve` (issue 4). Filled in by the search work."""
COMMANDS: list = []
