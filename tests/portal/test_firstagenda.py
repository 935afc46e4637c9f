"""Nightly `firstagenda` source end to end against a local replay of recorded portal responses (127.0.0.1 only):
listing, meeting JSON, a 304 on the second run, a 500, a changed meeting, versions of one meeting."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from portal_paths import API, GREVE

from pipeline.ingest.nightly import run_nightly
from pipeline.ingest.sources import ConfigError, load_config, parse_config
from pipeline.portal.firstagenda import listed_meetings, select_meetings
from pipeline.warehouse.db import connect

LISTING = "/api/agenda/udvalgsliste"
FOLLOWED = ["Kultur- og Fritidsudvalget", "Økonomiudvalget"]
BROKEN = "/api/agenda/dagsorden/bbbbbbbb-0000-4000-8000-000000000500"
CHANGED = "greve-kultur-og-fritidsudvalget-2022-03-21"


def meeting_path(stem: str) -> str:
    return "/api/agenda/dagsorden/" + json.loads((GREVE / f"{stem}.json").read_text(encoding="utf-8"))["Id"]


def serve_portal(replay) -> None:
    replay.serve("/robots.txt", b"User-agent: *\nDisallow: /admin/\n", etag=False)
    replay.serve(LISTING, (API / "udvalgsliste.json").read_bytes(), etag=False)  # listings change: asked every run
    for path in GREVE.glob("*.json"):
        replay.serve(meeting_path(path.stem), path.read_bytes())
    replay.serve(BROKEN, b"server error", status=500)


def write_config(folder: Path, replay) -> Path:
    days_back = (date.today() - date(2022, 1, 1)).days  # every 2022 meeting, not the 2019 one
    config = folder / "sources.toml"
    config.write_text(f"""
[settings]
user_agent = "minutes-pipeline/0.1 (+mailto:tests@example.org)"
raw_dir = "{folder / 'raw'}"
delay_seconds = 0.0
timeout_seconds = 5
retries = 1
backoff_seconds = 0.01

[[source]]
name = "greve-portal"
municipality = "Greve Kommune"
kind = "firstagenda"
index_url = "{replay.base}/"
committees = {json.dumps(FOLLOWED, ensure_ascii=False)}
days_back = {days_back}
""", encoding="utf-8")
    return config


def test_versions_of_one_meeting_and_the_window():
    listing = json.loads((API / "udvalgsliste.json").read_text(encoding="utf-8"))
    meetings = listed_meetings(listing)
    assert {m.version for m in meetings} == {"Dagsorden", "Tillægsdagsorden", "Referat"}
    chosen = select_meetings(meetings, ("kultur- og fritidsudvalget",), 365, today=date(2022, 12, 31))
    assert [(m.meeting_date, m.version) for m in chosen] == [("2022-01-12", "Referat"), ("2022-03-21", "Referat")]
    before_minutes = [m for m in meetings if m.version != "Referat"]
    assert [m.version for m in select_meetings(before_minutes, (), None)] == ["Tillægsdagsorden"]
    # 10 days back from 2022-06-05: the 2022-06-01 meeting and the coming one (agendas are published ahead)
    recent = select_meetings(meetings, (), 10, today=date(2022, 6, 5))
    assert [m.meeting_date for m in recent] == ["2022-06-01", "2022-10-27"]


def test_config_errors_name_the_key(tmp_path):
    base = {"name": "p", "kind": "firstagenda", "index_url": "https://dagsordener.example.dk"}
    assert parse_config({"source": [base]}).sources[0].committees == ()
    with pytest.raises(ConfigError, match="committees"):
        parse_config({"source": [{**base, "committees": "Byrådet"}]})
    with pytest.raises(ConfigError, match="days_back"):
        parse_config({"source": [{**base, "days_back": -3}]})
    with pytest.raises(ConfigError, match="index_url"):
        parse_config({"source": [{**base, "index_url": "ftp://x"}]})


def test_nightly_firstagenda_end_to_end(replay, tmp_path):
    serve_portal(replay)
    config = load_config(write_config(tmp_path, replay))
    db = tmp_path / "w.duckdb"
    con = connect(db)
    try:
        # first run: 5 meetings of the followed committees in the window (the newest version of 2022-03-21 only),
        # one of them answers 500 (retried once, recorded), the others are stored and ingested
        first = run_nightly(con, config, workers=1).sources[0]
        assert (first.fetch.found, first.fetch.downloaded, first.ingested) == (5, 4, 4)
        assert [f["reason"] for f in first.fetch.failures] == ["http_500"] and replay.statuses(BROKEN) == [500, 500]
        assert not any(p.startswith("/api/agenda/dagsorden/aaaaaaaa") for p, _, _ in replay.hits)  # older versions
        assert not any("cccccccc" in p for p, _, _ in replay.hits)  # outside the window
        assert con.execute("SELECT count(*) FROM meetings").fetchone()[0] == 4
        assert sorted(r[0] for r in con.execute("SELECT DISTINCT municipality FROM meetings").fetchall()) == ["Greve Kommune"]
        url, sha, local = con.execute("SELECT api_url, sha256, local_path FROM portal_meetings "
                                      "WHERE meeting_date = '2022-01-10'").fetchone()
        assert url == replay.base + meeting_path("greve-oekonomiudvalget-2022-01-10")
        assert con.execute("SELECT count(*) FROM documents WHERE doc_id = ?", [sha]).fetchone()[0] == 1
        assert Path(local).exists() and not list(Path(local).parent.glob(".*.part"))
        pdf_links = con.execute("SELECT pdf_url FROM portal_attachments WHERE api_url = ?", [url]).fetchall()
        assert pdf_links and all(u.startswith(replay.base + "/Vis/Pdf/bilag/") for (u,) in pdf_links)

        # second run: conditional requests only, answered 304; nothing downloaded, nothing ingested
        replay.hits.clear()
        second = run_nightly(con, config, workers=1).sources[0]
        assert (second.fetch.downloaded, second.fetch.unchanged, second.ingested) == (0, 4, 0)
        asked = [(p, tag, status) for p, tag, status in replay.hits if p.startswith("/api/agenda/dagsorden/")]
        assert sorted(status for _, _, status in asked) == [304, 304, 304, 304, 500, 500] and all(tag for _, tag, s in asked if s == 304)

        # the portal corrects a meeting's minutes: the new JSON replaces the old version, recorded as superseded
        replay.serve(meeting_path(CHANGED), (API / f"changed-{CHANGED}.json").read_bytes())
        third = run_nightly(con, config, workers=1).sources[0]
        assert (third.fetch.downloaded, third.ingested) == (1, 1)
        assert con.execute("SELECT count(*) FROM meetings").fetchone()[0] == 4
        assert con.execute("SELECT count(*) FROM superseded_documents").fetchone()[0] == 1
        decision = con.execute("""SELECT d.text, d.outcome FROM decisions d JOIN agenda_items i USING (item_id)
                                  JOIN meetings m USING (meeting_id)
                                  WHERE m.meeting_date = '2022-03-21' AND i.number = 1""").fetchone()
        assert decision == ("Godkendt med den ændring, at punkt 3 behandles først.", "approved_with_changes")
        # the meeting page names its sources: the portal version shown (linked to the API URL), the old one replaced
        from pipeline.warehouse.queries import meeting_sources

        changed = con.execute("SELECT meeting_id FROM meetings WHERE meeting_date = '2022-03-21'").fetchone()[0]
        sources = meeting_sources(con.cursor(), changed)
        assert [(s.channel, s.status) for s in sources] == [("portal_json", "current"), ("portal_json", "superseded")]
        assert sources[0].portal_url == replay.base + meeting_path(CHANGED)
    finally:
        con.close()


def test_cli_accepts_the_firstagenda_kind(replay, tmp_path):
    serve_portal(replay)
    config = write_config(tmp_path, replay)
    script = Path(sys.executable).with_name("minutes")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]
    done = subprocess.run([*command, "nightly", "--config", str(config), "--db", str(tmp_path / "c.duckdb"),
                           "--workers", "1"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # the replayed portal answers one meeting with a 500: a loud failure
    assert "http_500" in done.stderr
    assert "greve-portal" in done.stdout + done.stderr
