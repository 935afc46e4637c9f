"""Nightly source kind `firstagenda`: list a FirstAgenda portal's meetings through its JSON API and fetch the
new or changed ones with the politeness, conditional requests and crash safety of the `http` kind.

    [[source]]
    name = "greve-portal"
    municipality = "Greve Kommune"
    kind = "firstagenda"
    index_url = "https://dagsordener.greve.dk"     # base URL of the portal
    committees = ["Økonomiudvalget", "Byrådet"]     # names as the portal spells them; [] or absent = all
    days_back = 365                                 # meetings dated at most this many days back (absent = all)

API (public, read-only; shapes as served by FirstAgenda Publication portals):
    GET {index_url}/api/agenda/udvalgsliste         committees with their meetings inlined:
        {"Udvalg": {"<period>": [{"Id", "Navn", "Moeder": [{"Id", "Dato", "Sted", "Navn": "Dagsorden" |
        "Tillægsdagsorden" | "Referat", "ReleasedDate", "Afsluttet", ...}]}]}}
    GET {index_url}/api/agenda/dagsorden/{id}       one meeting (what pipeline.portal.reader reads)
    GET {index_url}/Vis/Pdf/bilag/{document id}     the PDF of an attachment (recorded, not downloaded)

An agenda, its supplementary agenda and its minutes are listed as separate entries of one meeting (same
committee and date): only the most advanced version is fetched (minutes > supplementary agenda > agenda, then
the latest release). The HTTP client is pipeline.ingest.fetch.PoliteClient (robots.txt, per-host delay,
retries with backoff, size cap, timeouts); state per API URL lives in `fetch_state` like PDF downloads, and
files are written temp + fsync + rename, so the `http` kind's crash safety holds unchanged.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import duckdb

from pipeline.atomic import FILE_MODE, TEMP_SUFFIX, write_atomically
from pipeline.ingest import fetch as polite
from pipeline.ingest.sources import Source
from pipeline.portal.reader import PortalFormatError, attachment_links, decode_meeting

LISTING_PATH = "/api/agenda/udvalgsliste"
MEETING_PATH = "/api/agenda/dagsorden/{id}"
_GUID = re.compile(r"^[0-9A-Fa-f-]{8,64}$")
_VERSION_RANK = {"referat": 3, "tillægsdagsorden": 2, "dagsorden": 1}

PROVENANCE_DDL = """
CREATE TABLE IF NOT EXISTS portal_meetings (
    api_url       VARCHAR PRIMARY KEY,  -- GET /api/agenda/dagsorden/{id}: where the meeting JSON came from
    source        VARCHAR NOT NULL,
    meeting_guid  VARCHAR NOT NULL,
    committee     VARCHAR,
    meeting_date  DATE,
    version       VARCHAR,              -- Dagsorden | Tillægsdagsorden | Referat, as listed
    released_at   VARCHAR,              -- ReleasedDate as listed
    sha256        VARCHAR,              -- bytes last stored (= documents.doc_id once ingested)
    local_path    VARCHAR
);
CREATE TABLE IF NOT EXISTS portal_attachments (
    api_url       VARCHAR NOT NULL,     -- the meeting's API URL (portal_meetings.api_url)
    sha256        VARCHAR NOT NULL,     -- the meeting JSON these links were read from
    item_number   INTEGER,
    position      INTEGER NOT NULL,
    title         VARCHAR,
    pdf_url       VARCHAR,              -- GET /Vis/Pdf/bilag/{id}
    PRIMARY KEY (api_url, position)
);
"""


@dataclass(frozen=True)
class ListedMeeting:
    """One entry of the portal's meeting list."""

    guid: str
    committee: str
    meeting_date: str | None  # ISO
    version: str  # Dagsorden | Tillægsdagsorden | Referat
    released: str
    finished: bool

    @property
    def rank(self) -> tuple:
        return (_VERSION_RANK.get(self.version.strip().lower(), 0), self.finished, self.released)


def _fold(text: object) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text or ""))).strip()


def _committees(listing: object) -> list[dict]:
    """Committee objects of a listing: {"Udvalg": {period: [...]}} or {"Udvalg": [...]}, a list, or one committee."""
    if isinstance(listing, dict) and "Udvalg" in listing:
        listing = listing["Udvalg"]
    if isinstance(listing, dict) and "Moeder" in listing:
        return [listing]
    groups = listing.values() if isinstance(listing, dict) else [listing]
    return [c for group in groups if isinstance(group, list) for c in group if isinstance(c, dict)]


def listed_meetings(listing: object) -> list[ListedMeeting]:
    """Every meeting entry of the listing with a usable id (entries of unknown shape are skipped)."""
    found = []
    for committee in _committees(listing):
        name = _fold(committee.get("Navn"))
        for entry in committee.get("Moeder") or []:
            if not isinstance(entry, dict) or not _GUID.match(str(entry.get("Id") or "")):
                continue
            stamp = re.match(r"^\d{4}-\d{2}-\d{2}", str(entry.get("Dato") or entry.get("MeetingBeginUtc") or ""))
            found.append(ListedMeeting(str(entry["Id"]), name, stamp.group(0) if stamp else None,
                                       _fold(entry.get("Navn")) or "Dagsorden", str(entry.get("ReleasedDate") or ""),
                                       entry.get("Afsluttet") is True))
    return found


def select_meetings(meetings: list[ListedMeeting], committees: tuple[str, ...], days_back: int | None,
                    today: date | None = None) -> list[ListedMeeting]:
    """The newest version of each followed meeting within the time window, oldest meeting first."""
    wanted = {_fold(c).lower() for c in committees}
    earliest = (today or date.today()) - timedelta(days=days_back) if days_back is not None else None
    best: dict[tuple[str, str | None], ListedMeeting] = {}
    for meeting in meetings:
        if wanted and meeting.committee.lower() not in wanted:
            continue
        if earliest and (meeting.meeting_date is None or date.fromisoformat(meeting.meeting_date) < earliest):
            continue
        key = (meeting.committee.lower(), meeting.meeting_date)
        if key not in best or meeting.rank > best[key].rank:
            best[key] = meeting
    return sorted(best.values(), key=lambda m: (m.meeting_date or "", m.committee, m.guid))


def _slug(text: str) -> str:
    low = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    low = unicodedata.normalize("NFKD", low).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", low).strip("-")[:60] or "meeting"


def local_json_name(meeting: ListedMeeting) -> str:
    """'oekonomiudvalget-2022-01-10-referat-1a2b3c4d.json': readable, and one file per portal meeting id."""
    return f"{_slug(meeting.committee)}-{meeting.meeting_date or 'undated'}-{_slug(meeting.version)}-{meeting.guid[:8]}.json"


class PortalClient(polite.PoliteClient):
    """PoliteClient plus a conditional GET of a JSON document (read into memory under the size cap)."""

    def get_json(self, url: str, etag: str | None, last_modified: str | None) -> polite.Response:
        headers = {"Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self.get(url, self.settings.max_bytes, headers=headers)


def ensure_provenance_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(PROVENANCE_DDL)


def _record_provenance(con, source: Source, url: str, meeting: ListedMeeting, sha: str, path: Path, obj: dict) -> None:
    con.execute("INSERT OR REPLACE INTO portal_meetings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [url, source.name, meeting.guid, meeting.committee, meeting.meeting_date, meeting.version,
                 meeting.released or None, sha, str(path)])
    con.execute("DELETE FROM portal_attachments WHERE api_url = ?", [url])
    rows = [[url, sha, link.item_number, k, link.title, link.url]
            for k, link in enumerate(attachment_links(obj, source.index_url))]
    if rows:
        con.executemany("INSERT INTO portal_attachments VALUES (?, ?, ?, ?, ?, ?)", rows)


def fetch_firstagenda_source(con: duckdb.DuckDBPyConnection, source: Source, log: Callable[[str], None] = lambda m: None,
                             sleep: Callable[[float], None] = time.sleep, today: date | None = None) -> polite.FetchResult:
    """List the portal's meetings, fetch new or changed meeting JSON into raw_dir/<source>/, record provenance."""
    polite.ensure_fetch_state(con)
    ensure_provenance_tables(con)
    result = polite.FetchResult()
    folder = source.raw_dir
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f".*{TEMP_SUFFIX}"):  # left by a killed run
        polite._unlink(stale)
    base = source.index_url.rstrip("/")
    host = (urllib.parse.urlsplit(base).hostname or "").lower()
    client = PortalClient(source.settings, {host, *source.allowed_hosts}, sleep)
    try:
        response = client.get(base + LISTING_PATH)
        listing = json.loads(response.body.decode("utf-8-sig"))
    except polite.FetchError as exc:
        result.error = f"{exc.reason}: {exc.detail}"
        result.requests = client.requests
        return result
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        result.error = f"listing_malformed: {base + LISTING_PATH}: {exc}"
        result.requests = client.requests
        return result
    result.index_pages = 1
    chosen = select_meetings(listed_meetings(listing), source.committees, source.days_back, today)
    result.found = len(chosen)
    log(f"{source.name}: {len(chosen)} meetings to check on {base}")
    for meeting in chosen:
        _fetch_meeting(con, client, source, base + MEETING_PATH.format(id=meeting.guid), meeting, result)
    result.requests = client.requests
    return result


def _fetch_meeting(con, client: PortalClient, source: Source, url: str, meeting: ListedMeeting,
                   result: polite.FetchResult) -> None:
    row = con.execute("SELECT etag, last_modified, sha256, local_path FROM fetch_state WHERE url = ?", [url]).fetchone()
    etag, last_modified, old_sha, old_path = row if row else (None, None, None, None)
    if old_path and not Path(old_path).exists():  # the file went away: ask unconditionally
        etag = last_modified = None
    try:
        response = client.get_json(url, etag, last_modified)
    except polite.FetchError as exc:
        if exc.reason == "robots_disallowed":
            result.blocked += 1
        else:
            result.failures.append({"url": url, "reason": exc.reason, "detail": exc.detail})
        polite._upsert(con, url, source.name, status="failed", reason=exc.reason, detail=exc.detail)
        return
    if response.status == 304:
        result.unchanged += 1
        polite._upsert(con, url, source.name, status="unchanged", etag=response.headers.get("ETag", etag))
        return
    try:
        obj = decode_meeting(response.body)
    except PortalFormatError as exc:
        result.failures.append({"url": url, "reason": exc.reason, "detail": exc.detail})
        polite._upsert(con, url, source.name, status="failed", reason=exc.reason, detail=exc.detail)
        return
    sha = hashlib.sha256(response.body).hexdigest()
    keep = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified"), "sha256": sha}
    if sha == old_sha and old_path and Path(old_path).exists():  # server ignores conditional requests
        result.unchanged += 1
        polite._upsert(con, url, source.name, status="unchanged", **keep)
        return
    target = write_atomically(source.raw_dir / local_json_name(meeting), response.body, FILE_MODE)
    result.downloaded += 1
    result.changed_paths.append(target)
    polite._upsert(con, url, source.name, status="downloaded", local_path=str(target), fetched=True, **keep)
    _record_provenance(con, source, url, meeting, sha, target, obj)


def source_from_table(common: dict, table: dict, where: str, error: type[Exception]) -> Source:
    """A `firstagenda` [[source]] from its TOML table (called by pipeline.ingest.sources.parse_config)."""
    url = table.get("index_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise error(f"{where}: a firstagenda source needs index_url (the portal's base URL, http:// or https://)")
    committees = table.get("committees", [])
    if not isinstance(committees, list) or not all(isinstance(c, str) and c.strip() for c in committees):
        raise error(f"{where}: committees must be a list of committee names")
    days_back = table.get("days_back")
    if days_back is not None and (isinstance(days_back, bool) or not isinstance(days_back, int) or days_back < 0):
        raise error(f"{where}: days_back must be a whole number of days >= 0")
    hosts = table.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise error(f"{where}: allowed_hosts must be a list of host names")
    return Source(**common, index_url=url.rstrip("/"), allowed_hosts=tuple(h.lower() for h in hosts),
                  committees=tuple(c.strip() for c in committees), days_back=days_back)
