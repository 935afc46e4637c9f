"""Full-text index over agenda items (issue 4 fills this in)."""


def rebuild_index(con) -> None:
    """Rebuild the search index after an ingest."""
    return None
