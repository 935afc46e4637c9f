"""Do two checkouts of the code build the same warehouse? Ingest the same inputs with each and compare every table.

    .venv/bin/python benchmarks/compare_loaders.py --old /tmp/old-checkout --new . --work /tmp/compare

Scenarios (each into fresh warehouses, one per checkout, with `minutes ingest DIR --db X --no-progress
--workers 1`: one worker, so both checkouts load the files in the same order):
* each corpus folder on its own (`--corpus`, default public, greve, real, seed under /work/shared/corpus);
* runs over one folder, several ingests into the same warehouse: the public corpus and typeset Greve-like
  minutes of two meetings of one day plus a kommissorium their items list as an attachment; then one file's
  bytes replaced by a corrected version of its minutes, another's by a copy of a different public PDF and a
  third re-saved (documents replaced at the same path); then a new agenda for an existing meeting and an old
  version's bytes under a new name (skipped as superseded).

Every table of the warehouse (search tables included) is compared row by row as a multiset, leaving out the
columns that hold the time of the run (TIMESTAMP columns and search_meta's build time).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [Path("/work/shared/corpus") / name for name in ("public", "greve", "real", "seed")]
UNTIMED = {"search_meta": {"built_at"}}  # clock columns that are not TIMESTAMPs


def ingest(code: Path, folder: Path, db: Path) -> str:
    """`minutes ingest` of `folder` into `db` with the code under `code`; its summary line."""
    env = dict(os.environ, PYTHONPATH=str(code))
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", str(folder), "--db", str(db),
                           "--no-progress", "--workers", "1", "--allow-failures"],
                          cwd=code, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"ingest with {code} failed:\n{done.stdout}\n{done.stderr}")
    return next((line for line in done.stdout.splitlines() if line.startswith("files:")), done.stdout.strip())


def tables(con) -> dict[str, list[str]]:
    """Table -> the columns compared (TIMESTAMP columns and UNTIMED left out)."""
    found: dict[str, list[str]] = {}
    for table, column, kind in con.execute("""SELECT table_name, column_name, data_type FROM duckdb_columns()
                                              WHERE schema_name = 'main' AND NOT internal
                                              AND table_name IN (SELECT table_name FROM duckdb_tables())
                                              ORDER BY table_name, column_index""").fetchall():
        columns = found.setdefault(table, [])
        if not kind.startswith("TIMESTAMP") and column not in UNTIMED.get(table, ()):
            columns.append(column)
    return found


def compare(old_db: Path, new_db: Path) -> list[str]:
    """Differences between the two warehouses, table by table ([] when they hold the same rows)."""
    old, new = duckdb.connect(str(old_db), read_only=True), duckdb.connect(str(new_db), read_only=True)
    old_tables, new_tables = tables(old), tables(new)
    problems = [f"tables only in one: {sorted(set(old_tables) ^ set(new_tables))}"] if old_tables != new_tables else []
    for table in sorted(set(old_tables) & set(new_tables)):
        if old_tables[table] != new_tables[table]:
            problems.append(f"{table}: columns differ")
            continue
        columns = ", ".join(f'"{column}"' for column in old_tables[table])
        sql = f'SELECT {columns} FROM "{table}" ORDER BY ALL'
        a, b = old.execute(sql).fetchall(), new.execute(sql).fetchall()
        if a != b:
            only_old = [row for row in a if row not in b][:3]
            only_new = [row for row in b if row not in a][:3]
            problems.append(f"{table}: {len(a)} vs {len(b)} rows; only old e.g. {only_old}; only new e.g. {only_new}")
    old.close()
    new.close()
    return problems


def report(label: str, old_db: Path, new_db: Path, summaries: tuple[str, str]) -> bool:
    problems = compare(old_db, new_db)
    con = duckdb.connect(str(new_db), read_only=True)
    names = tables(con)
    rows = sum(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in names)
    con.close()
    print(f"{label}: {'IDENTICAL' if not problems else 'DIFFERENT'} ({rows} rows in {len(names)} tables)")
    print(f"    old: {summaries[0]}\n    new: {summaries[1]}")
    for problem in problems:
        print(f"    {problem}")
    return not problems


def typeset_meetings(folder: Path) -> dict[str, Path]:
    """Greve-like minutes of two meetings of one day, a corrected re-publication, an agenda, a kommissorium."""
    sys.path.insert(0, str(ROOT / "tests" / "identity"))
    from identity_typeset import (FIRST_MEETING as first, SECOND_CORRECTED as corrected, SECOND_MEETING as second,
                                  kommissorium_lines, minutes_lines, typeset)

    agenda = [(n, t, "", a) for n, t, _, a in first]
    folder.mkdir(parents=True, exist_ok=True)
    return {"first": typeset(folder / "byraad-1715.pdf", minutes_lines("17.15", first)),
            "second": typeset(folder / "byraad-1730.pdf", minutes_lines("17.30", second)),
            "corrected": typeset(folder / "byraad-1730-rettet.pdf", minutes_lines("17.30", corrected)),
            "agenda": typeset(folder / "byraad-1715-dagsorden.pdf", minutes_lines("17.15", agenda, "Dagsorden")),
            "kommissorium": typeset(folder / "kommissorium-klima.pdf", kommissorium_lines())}


def resave(source: Path, target: Path) -> None:
    """`source`'s PDF under `target` with new bytes (a comment after %%EOF): the same content, another file."""
    target.write_bytes(source.read_bytes() + f"\n%resaved as {target.name}\n".encode())


def runs(old: Path, new: Path, work: Path) -> bool:
    """Several ingests of one changing folder into one warehouse per checkout, compared after each run."""
    made = typeset_meetings(work / "typeset")
    public = sorted(CORPORA[0].glob("*.pdf"))
    raw = work / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir()
    for path in public:
        shutil.copy(path, raw / path.name)
    for name in ("first", "second", "kommissorium"):
        shutil.copy(made[name], raw / made[name].name)
    changes = [
        ("run 1: public corpus + two typeset meetings + kommissorium", lambda: None),
        ("run 2: byraad-1730.pdf corrected; a public PDF replaced by (a copy of) another; one re-saved",
         lambda: (shutil.copy(made["corrected"], raw / "byraad-1730.pdf"),
                  resave(public[1], raw / public[0].name), resave(public[2], raw / public[2].name))),
        ("run 3: an agenda of the first meeting added, run 1's bytes of byraad-1730.pdf back under a new name",
         lambda: (shutil.copy(made["agenda"], raw / made["agenda"].name),
                  shutil.copy(made["second"], raw / "byraad-1730-igen.pdf"))),
    ]
    dbs = {code: work / f"runs-{label}.duckdb" for label, code in (("old", old), ("new", new))}
    for db in dbs.values():
        for stale in db.parent.glob(db.stem + "*"):
            stale.unlink()
    ok = True
    for label, change in changes:
        change()
        summaries = tuple(ingest(code, raw, db) for code, db in dbs.items())
        ok &= report(label, dbs[old], dbs[new], summaries)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, required=True, help="checkout of the reference code")
    parser.add_argument("--new", type=Path, default=ROOT, help="checkout of the code compared (default: this one)")
    parser.add_argument("--work", type=Path, required=True, help="folder for the warehouses (rewritten)")
    parser.add_argument("--corpus", type=Path, nargs="*", default=CORPORA)
    parser.add_argument("--skip-runs", action="store_true", help="only the corpus folders")
    args = parser.parse_args()
    old, new = args.old.resolve(), args.new.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    ok = True
    for corpus in args.corpus:
        dbs = [args.work / f"{corpus.name}-{label}.duckdb" for label in ("old", "new")]
        for db in dbs:
            for stale in db.parent.glob(db.stem + "*"):
                stale.unlink()
        summaries = (ingest(old, corpus, dbs[0]), ingest(new, corpus, dbs[1]))
        ok &= report(corpus.name, *dbs, summaries)
    if not args.skip_runs:
        ok &= runs(old, new, args.work)
    print("ALL IDENTICAL" if ok else "DIFFERENCES FOUND")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
