"""Backfill on a Ray cluster: extraction and parsing as Ray tasks, DuckDB as the single writer on the driver."""
from pipeline.backfill.ray_backfill import backfill, read_manifest

__all__ = ["backfill", "read_manifest"]
