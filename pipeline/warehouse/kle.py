"""KLE topic titles from a file the user holds (KL's titles are not redistributed with this project)."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

_CODE = re.compile(r"^\d{2}(\.\d{2}){0,2}$")


def load_kle_file(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Upsert code→title rows from a delimited file (comma, semicolon or tab; header optional)."""
    text = path.read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    rows = []
    for record in csv.reader(text.splitlines(), dialect):
        if len(record) >= 2 and _CODE.match(record[0].strip()):
            rows.append([record[0].strip(), record[1].strip()])
    if rows:
        con.executemany("INSERT OR REPLACE INTO kle_topics VALUES (?, ?)", rows)
    con.execute("""CREATE OR REPLACE VIEW agenda_items_kle AS
        SELECT i.item_id, i.case_number, i.kle_subject, s.title AS subject_title,
               i.kle_group, g.title AS group_title, i.kle_main_group, h.title AS main_group_title
        FROM agenda_items i
        LEFT JOIN kle_topics s ON s.code = i.kle_subject
        LEFT JOIN kle_topics g ON g.code = i.kle_group
        LEFT JOIN kle_topics h ON h.code = i.kle_main_group
        WHERE i.case_scheme = 'kle'""")
    return len(rows)
