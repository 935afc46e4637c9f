"""Options every `minutes` command shares."""
from __future__ import annotations

from pathlib import Path

import click

from pipeline.warehouse.db import DEFAULT_DB

db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
                         show_default=True, help="DuckDB warehouse file.")
