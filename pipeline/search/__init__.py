"""Danish full-text search over the warehouse (index, query analysis, API)."""
