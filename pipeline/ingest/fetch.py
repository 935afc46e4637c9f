"""Polite HTTP fetching of minutes PDFs: robots.txt, delays, retries, size cap, conditional requests, atomic files.

Only the standard library is used. State per URL (ETag, Last-Modified, content hash, local file) lives in the
warehouse table `fetch_state`, so a re-run with nothing new sends only conditional requests (answered 304).
"""
from __future__ import annotations

import email.utils
import hashlib
import http.client
import json
import os
import re
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

import duckdb

from pipeline.atomic import FILE_MODE, TEMP_SUFFIX, fsync_folder
from pipeline.ingest.sources import FetchSettings, Source

FETCH_STATE_DDL = """
CREATE TABLE IF NOT EXISTS fetch_state (
    url            VARCHAR PRIMARY KEY,
    source         VARCHAR NOT NULL,
    etag           VARCHAR,
    last_modified  VARCHAR,
    sha256         VARCHAR,          -- content hash of the last good download (= documents.doc_id once ingested)
    local_path     VARCHAR,          -- where those bytes are (shared by URLs serving the same bytes)
    fetched_at     TIMESTAMP,        -- last time bytes were downloaded
    checked_at     TIMESTAMP,        -- last time the URL was asked for
    status         VARCHAR NOT NULL, -- downloaded | unchanged | duplicate | failed
    reason         VARCHAR,          -- why it failed: http_404, not_pdf, too_large, timeout, ...
    detail         VARCHAR,
    ingested_sha   VARCHAR           -- bytes of local_path the nightly ingest last loaded or found known
);
ALTER TABLE fetch_state ADD COLUMN IF NOT EXISTS ingested_sha VARCHAR;
"""

CHUNK = 64 * 1024
RETRY_STATUSES = {429, 500, 502, 503, 504}


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def ensure_fetch_state(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(FETCH_STATE_DDL)


class FetchError(Exception):
    def __init__(self, reason: str, detail: str = "", retryable: bool = False, retry_after: float | None = None):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.retryable, self.retry_after = reason, detail, retryable, retry_after


def parse_retry_after(value: str | None, now_epoch: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now_epoch is None else now_epoch))


@dataclass
class Response:
    status: int
    url: str
    headers: dict[str, str]
    body: bytes = b""


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to allowed hosts (the index host plus the source's allowed_hosts)."""

    def __init__(self, allowed: Callable[[str], bool]):
        self.allowed = allowed

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not self.allowed(newurl):
            raise FetchError("offsite_redirect", f"{req.full_url} redirects to {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class PoliteClient:
    """One client per source: User-Agent, robots.txt per host, a delay between requests, retries with backoff."""

    def __init__(self, settings: FetchSettings, allowed_hosts: set[str], sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.allowed_hosts = allowed_hosts
        self.sleep = sleep
        self._robots: dict[str, urllib.robotparser.RobotFileParser | FetchError] = {}
        self._last_request: dict[str, float] = {}
        self.opener = urllib.request.build_opener(_SameHostRedirects(self.host_allowed))
        self.requests = 0

    def host_allowed(self, url: str) -> bool:
        try:
            return (urllib.parse.urlsplit(url).hostname or "").lower() in self.allowed_hosts
        except ValueError:  # a malformed URL (e.g. an unclosed IPv6 bracket) is never allowed
            return False

    # -- politeness -------------------------------------------------------------------------------
    def _wait_turn(self, url: str) -> None:
        host = urllib.parse.urlsplit(url).netloc.lower()
        delay = self.settings.delay_seconds
        robots = self._robots.get(host)
        if isinstance(robots, urllib.robotparser.RobotFileParser):
            crawl_delay = robots.crawl_delay(self.settings.user_agent)
            if crawl_delay:
                delay = max(delay, min(float(crawl_delay), 60.0))
        last = self._last_request.get(host)
        if last is not None:
            remaining = last + delay - time.monotonic()
            if remaining > 0:
                self.sleep(remaining)
        self._last_request[host] = time.monotonic()

    def allowed_by_robots(self, url: str) -> bool:
        """Whether robots.txt allows the URL. A host whose robots.txt cannot be read (unreachable, timeout, 5xx)
        is not fetched this run (RFC 9309 2.3.1.4), and that is raised as the connection failure it is, not
        reported as `robots_disallowed`."""
        parts = urllib.parse.urlsplit(url)
        host = parts.netloc.lower()
        if host not in self._robots:
            robots_url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
            parser = urllib.robotparser.RobotFileParser(robots_url)
            try:
                response = self.get(robots_url, max_bytes=512 * 1024, check_robots=False, retries=1)
            except FetchError as exc:
                if exc.reason.startswith("http_4") and exc.reason not in ("http_401", "http_403"):
                    parser.allow_all = True  # no robots.txt: everything allowed (RFC 9309)
                elif exc.reason in ("http_401", "http_403"):
                    parser.disallow_all = True
                else:  # unreachable or 5xx: nothing is fetched from this host in this run
                    self._robots[host] = FetchError(exc.reason, f"robots.txt of {host} could not be read, so "
                                                                f"nothing is fetched from it: {exc.detail}")
            else:
                parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
            self._robots.setdefault(host, parser)
        robots = self._robots[host]
        if isinstance(robots, FetchError):
            raise FetchError(robots.reason, robots.detail)
        return robots.can_fetch(self.settings.user_agent, url)

    # -- requests ---------------------------------------------------------------------------------
    def _request(self, url: str, headers: dict[str, str]) -> urllib.request.Request:
        base = {"User-Agent": self.settings.user_agent, "Accept-Encoding": "identity"}
        return urllib.request.Request(url, headers={**base, **headers})

    def _with_retries(self, url: str, attempt_once: Callable[[float], Response], deadline: float,
                      retries: int | None = None) -> Response:
        """Attempts until one succeeds, the retries are used up or the wall-clock deadline (shared by every
        attempt and every wait) has passed. A Retry-After of 429/503 is honoured, up to max_retry_after_seconds."""
        retries = self.settings.retries if retries is None else retries
        attempt = 0
        while True:
            if time.monotonic() >= deadline:
                raise FetchError("timeout", f"{url}: no complete answer within {self.settings.max_seconds:g}s "
                                            f"(all attempts together)")
            try:
                return attempt_once(deadline)
            except FetchError as exc:
                if not exc.retryable or attempt >= retries:
                    raise
                wait = min(self.settings.backoff_seconds * (2 ** attempt), 300.0)
                if exc.retry_after is not None:
                    if exc.retry_after > self.settings.max_retry_after_seconds:
                        raise FetchError(exc.reason, f"{exc.detail}; Retry-After {exc.retry_after:g}s is longer than "
                                                     f"max_retry_after_seconds") from None
                    wait = max(wait, exc.retry_after)
                if time.monotonic() + wait >= deadline:
                    raise FetchError(exc.reason, f"{exc.detail}; no time left for another attempt within "
                                                 f"{self.settings.max_seconds:g}s") from None
                self.sleep(wait)
                attempt += 1

    def _deadline(self) -> float:
        return time.monotonic() + self.settings.max_seconds

    def _open(self, url: str, headers: dict[str, str], deadline: float | None = None):
        """Open the URL (after robots/delay); returns the live response. 304 comes back as a Response."""
        self._wait_turn(url)
        self.requests += 1
        timeout = self.settings.timeout_seconds
        if deadline is not None:
            timeout = max(0.05, min(timeout, deadline - time.monotonic()))
        try:
            return self.opener.open(self._request(url, headers), timeout=timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                exc.close()
                return Response(304, url, dict(exc.headers.items()))
            retry_after = parse_retry_after(exc.headers.get("Retry-After")) if exc.code in (429, 503) else None
            exc.close()
            raise FetchError(f"http_{exc.code}", f"{url}: {exc.code} {exc.reason}", exc.code in RETRY_STATUSES,
                             retry_after)
        except FetchError:
            raise
        except (socket.timeout, TimeoutError) as exc:
            raise FetchError("timeout", f"{url}: no answer within {self.settings.timeout_seconds}s", True) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (socket.timeout, TimeoutError)):
                raise FetchError("timeout", f"{url}: no answer within {self.settings.timeout_seconds}s", True) from exc
            raise FetchError("connection", f"{url}: {exc.reason}", True) from exc
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise FetchError("connection", f"{url}: {exc.__class__.__name__}: {exc}", True) from exc

    def get(self, url: str, max_bytes: int = 5 * 1024 * 1024, check_robots: bool = True,
            retries: int | None = None, headers: dict[str, str] | None = None) -> Response:
        """A small document (index page, robots.txt, portal JSON) read into memory. `headers` add to or replace
        the request's (e.g. Accept, If-None-Match for a conditional GET: a 304 comes back as a Response)."""
        if check_robots and not self.allowed_by_robots(url):
            raise FetchError("robots_disallowed", url)
        request_headers = {"Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5", **(headers or {})}

        def once(deadline: float) -> Response:
            raw = self._open(url, request_headers, deadline)
            if isinstance(raw, Response):
                return raw
            with raw:
                try:
                    body = _read_capped(raw, max_bytes, deadline, url, self.settings.timeout_seconds)
                except FetchError:
                    raise
                except (socket.timeout, TimeoutError) as exc:
                    raise FetchError("timeout", f"{url}: read timed out", True) from exc
                except (http.client.HTTPException, ConnectionError, OSError) as exc:
                    raise FetchError("connection", f"{url}: {exc}", True) from exc
                return Response(raw.status, raw.geturl(), dict(raw.headers.items()), body)

        return self._with_retries(url, once, self._deadline(), retries)

    def download(self, url: str, folder: Path, name: str, etag: str | None, last_modified: str | None) -> "Download":
        """Stream a PDF into a temp file in `folder` (never bigger than the cap). The caller renames or removes it."""
        if not self.allowed_by_robots(url):
            raise FetchError("robots_disallowed", url)
        headers = {"Accept": "application/pdf,*/*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        def once(deadline: float) -> Download:
            raw = self._open(url, headers, deadline)
            if isinstance(raw, Response):
                return Download(url, 304, None, None, raw.headers.get("ETag", etag), last_modified, 0)
            with raw:
                return self._stream(url, raw, folder, name, deadline)

        return self._with_retries(url, once, self._deadline())

    def _stream(self, url: str, raw, folder: Path, name: str, deadline: float) -> "Download":
        cap = self.settings.max_bytes
        length = raw.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > cap:
            raise FetchError("too_large", f"{url}: Content-Length {int(length)} bytes > cap {cap}")
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=folder)
        os.fchmod(fd, FILE_MODE)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                head = b""
                while True:
                    chunk = _read_some(raw, deadline, url, self.settings.timeout_seconds)
                    if not chunk:
                        break
                    if len(head) < 1024:
                        head += chunk[: 1024 - len(head)]
                        if len(head) >= 1024 or b"%PDF-" in head:
                            _check_pdf_head(url, head, raw.headers.get("Content-Type", ""))
                    size += len(chunk)
                    if size > cap:
                        raise FetchError("too_large", f"{url}: more than {cap} bytes, download aborted")
                    digest.update(chunk)
                    out.write(chunk)
                _check_pdf_head(url, head, raw.headers.get("Content-Type", ""))
                if length and length.isdigit() and int(length) != size:
                    raise FetchError("truncated", f"{url}: got {size} of {length} bytes", True)
                out.flush()
                os.fsync(out.fileno())
        except (socket.timeout, TimeoutError) as exc:
            _unlink(temp)
            raise FetchError("timeout", f"{url}: read timed out after {size} bytes", True) from exc
        except (http.client.HTTPException, ConnectionError) as exc:
            _unlink(temp)
            raise FetchError("connection", f"{url}: {exc.__class__.__name__} after {size} bytes", True) from exc
        except BaseException:
            _unlink(temp)
            raise
        return Download(url, 200, Path(temp), digest.hexdigest(), raw.headers.get("ETag"),
                        raw.headers.get("Last-Modified"), size)


def _check_pdf_head(url: str, head: bytes, content_type: str) -> None:
    if b"%PDF-" not in head:
        kind = "HTML" if b"<html" in head.lower() or b"<!doctype" in head.lower() else "not a PDF"
        raise FetchError("not_pdf", f"{url}: {kind} (Content-Type {content_type or 'none'})")


def _read_some(raw, deadline: float, url: str, timeout: float) -> bytes:
    """The next bytes of a response, whatever has arrived (read1: a server sending 1 byte/s cannot hold one
    read for the whole chunk), never waiting past the wall-clock deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError("timeout", f"{url}: download took longer than the wall-clock limit", True)
    sock = getattr(getattr(getattr(raw, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        try:
            sock.settimeout(max(0.05, min(timeout, remaining)))
        except OSError:
            pass
    reader = getattr(raw, "read1", None)
    return reader(CHUNK) if reader is not None else raw.read(CHUNK)


def _read_capped(raw, cap: int, deadline: float, url: str, timeout: float = 30.0) -> bytes:
    parts, size = [], 0
    while True:
        chunk = _read_some(raw, deadline, url, timeout)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > cap:
            raise FetchError("too_large", f"{url}: more than {cap} bytes")
        parts.append(chunk)


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@dataclass
class Download:
    url: str
    status: int  # 200 | 304
    temp: Path | None
    sha256: str | None
    etag: str | None
    last_modified: str | None
    size: int


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, rel)

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "link"):
            values = dict(attrs)
            if values.get("href"):
                self.links.append((values["href"], (values.get("rel") or "").lower()))


def page_links(html: str, base_url: str, bad: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """Absolute http(s) links of a page with their rel. Each link is checked on its own: a malformed one
    (e.g. `http://[::1/x.pdf`) goes to `bad` as (href, why) and the others are kept."""
    parser = _Links()
    parser.feed(html)
    result = []
    for href, rel in parser.links:
        try:
            absolute, _ = urllib.parse.urldefrag(urllib.parse.urljoin(base_url, href.strip()))
            parts = urllib.parse.urlsplit(absolute)
            parts.hostname, parts.port  # noqa: B018 - both raise ValueError on a malformed netloc
        except ValueError as exc:
            if bad is not None:
                bad.append((href, str(exc)))
            continue
        if absolute.startswith(("http://", "https://")):
            result.append((absolute, rel))
    return result


def _stem(url: str) -> str:
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    stem = Path(path).name
    stem = stem[:-4] if stem.lower().endswith(".pdf") else stem
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:80] or "document"


def local_name(url: str) -> str:
    """A stable name per URL (readable stem + a short hash of the URL): the prefix of temp files."""
    return f"{_stem(url)}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:10]}.pdf"


def stored_name(url: str, sha256: str) -> str:
    """The stored file of a download is named by its content: readable stem from the URL + the start of the
    SHA-256. A file is never overwritten with other bytes, so the file a `documents` row points at always
    holds that document, even when a URL's PDF changes and changes back."""
    return f"{_stem(url)}-{sha256[:20]}.pdf"


@dataclass
class FetchResult:
    """What fetching one source did."""
    found: int = 0
    downloaded: int = 0
    unchanged: int = 0
    duplicates: int = 0
    blocked: int = 0
    index_pages: int = 0
    requests: int = 0
    failures: list[dict] = field(default_factory=list)  # {url, reason, detail}
    changed_paths: list[Path] = field(default_factory=list)
    error: str | None = None  # the source itself could not be read


def crawl(client: PoliteClient, source: Source, result: FetchResult) -> list[str]:
    """Breadth-first over index pages up to max_depth pagination hops; returns PDF links in first-seen order."""
    link_re = re.compile(source.link_pattern)
    next_re = re.compile(source.next_pattern) if source.next_pattern else None
    seen_pages = {source.index_url}
    frontier = [source.index_url]
    pdfs: dict[str, None] = {}
    depth = 0
    while frontier:
        next_frontier = []
        for page in frontier:
            if result.index_pages >= source.settings.max_index_pages:
                break
            try:
                response = client.get(page)
            except FetchError as exc:
                if page == source.index_url:
                    raise
                result.failures.append({"url": page, "reason": f"index_{exc.reason}", "detail": exc.detail})
                continue
            result.index_pages += 1
            charset = re.search(r"charset=([\w-]+)", response.headers.get("Content-Type", ""))
            try:
                html = response.body.decode(charset.group(1) if charset else "utf-8", errors="replace")
            except LookupError:
                html = response.body.decode("utf-8", errors="replace")
            bad: list[tuple[str, str]] = []
            links = page_links(html, response.url, bad)
            for href, why in bad:
                result.failures.append({"url": href, "reason": "bad_link", "detail": f"on {page}: {why}"})
            for url, rel in links:
                if not client.host_allowed(url):
                    continue
                if link_re.search(url):
                    pdfs.setdefault(url)
                elif ("next" in rel.split() or (next_re and next_re.search(url))) and url not in seen_pages:
                    seen_pages.add(url)
                    next_frontier.append(url)
        depth += 1
        if depth > source.settings.max_depth:
            break
        frontier = next_frontier
    return list(pdfs)


def fetch_http_source(con: duckdb.DuckDBPyConnection, source: Source, log: Callable[[str], None] = lambda m: None,
                      sleep: Callable[[float], None] = time.sleep) -> FetchResult:
    """Crawl a source and download new or changed PDFs into raw_dir/<source>/ (temp file, fsync, rename)."""
    ensure_fetch_state(con)
    result = FetchResult()
    folder = source.raw_dir
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f".*{TEMP_SUFFIX}"):  # left by a killed run
        _unlink(stale)
    host = (urllib.parse.urlsplit(source.index_url).hostname or "").lower()
    client = PoliteClient(source.settings, {host, *source.allowed_hosts}, sleep)
    try:
        urls = crawl(client, source, result)
    except FetchError as exc:
        result.error = f"{exc.reason}: {exc.detail}"
        result.requests = client.requests
        return result
    result.found = len(urls)
    log(f"{source.name}: {len(urls)} PDF links on {result.index_pages} index pages")
    for url in _capped(con, source, urls, result):
        try:
            _fetch_one(con, client, source, url, result)
        except Exception as exc:  # one odd link must never fail the whole source
            result.failures.append({"url": url, "reason": "unexpected", "detail": f"{exc.__class__.__name__}: {exc}"})
    result.requests = client.requests
    return result


def _capped(con, source: Source, urls: list[str], result: FetchResult) -> list[str]:
    """At most max_links links per source per run: links never seen before first (so a big archive is worked
    through over several nights), then known ones (conditional requests). Hitting the cap is recorded."""
    cap = source.settings.max_links
    if len(urls) <= cap:
        return urls
    known = {u for (u,) in con.execute("SELECT url FROM fetch_state WHERE source = ?", [source.name]).fetchall()}
    ordered = [u for u in urls if u not in known] + [u for u in urls if u in known]
    result.failures.append({"url": source.index_url, "reason": "link_cap",
                            "detail": f"{len(urls)} PDF links found, {cap} fetched in this run (max_links); "
                                      f"the other {len(urls) - cap} wait for the next runs"})
    return ordered[:cap]


def _fetch_one(con, client: PoliteClient, source: Source, url: str, result: FetchResult) -> None:
    row = con.execute("SELECT etag, last_modified, sha256, local_path FROM fetch_state WHERE url = ?", [url]).fetchone()
    etag, last_modified, old_sha, old_path = row if row else (None, None, None, None)
    if old_path and not Path(old_path).exists():  # the file went away: ask unconditionally
        etag = last_modified = None
    try:
        download = client.download(url, source.raw_dir, local_name(url), etag, last_modified)
    except FetchError as exc:
        if exc.reason == "robots_disallowed":
            result.blocked += 1
        else:
            result.failures.append({"url": url, "reason": exc.reason, "detail": exc.detail})
        _upsert(con, url, source.name, status="failed", reason=exc.reason, detail=exc.detail)
        return
    if download.status == 304:
        result.unchanged += 1
        _upsert(con, url, source.name, status="unchanged", etag=download.etag)
        return
    sha = download.sha256
    keep = {"etag": download.etag, "last_modified": download.last_modified, "sha256": sha}
    if sha == old_sha and old_path and Path(old_path).exists():  # server ignores conditional requests
        _unlink(download.temp)
        result.unchanged += 1
        _upsert(con, url, source.name, status="unchanged", **keep)
        return
    same = con.execute("SELECT local_path FROM fetch_state WHERE sha256 = ? AND url <> ? AND local_path IS NOT NULL",
                       [sha, url]).fetchall()
    existing = next((p for (p,) in same if Path(p).exists()), None)
    if existing:  # the same bytes under another URL: store and ingest them once
        _unlink(download.temp)
        result.duplicates += 1
        _upsert(con, url, source.name, status="duplicate", local_path=existing, fetched=True, **keep)
        return
    target = source.raw_dir / stored_name(url, sha)
    if target.exists():  # these bytes were stored before (the URL changed back to an earlier version)
        _unlink(download.temp)
    else:
        os.replace(download.temp, target)
        fsync_folder(target.parent)
    result.downloaded += 1
    result.changed_paths.append(target)
    _upsert(con, url, source.name, status="downloaded", local_path=str(target), fetched=True, **keep)


def _upsert(con, url: str, source: str, status: str, reason: str | None = None, detail: str | None = None,
            fetched: bool = False, **values) -> None:
    """Insert or update one fetch_state row; failures keep the last good etag/sha/local_path."""
    stamp = now()
    con.execute("INSERT INTO fetch_state (url, source, status, checked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [url, source, status, stamp])
    sets = {"source": source, "status": status, "reason": reason, "detail": detail, "checked_at": stamp, **values}
    if fetched:
        sets["fetched_at"] = stamp
    con.execute(f"UPDATE fetch_state SET {', '.join(f'{k} = ?' for k in sets)} WHERE url = ?", [*sets.values(), url])


def pending_files(con: duckdb.DuckDBPyConnection, source: str) -> list[Path]:
    """Downloaded files of a source not ingested yet: bytes neither in `documents` nor ingested by an earlier run
    (a file whose meeting was later superseded by another file is not taken again, so two files of one meeting
    do not replace each other night after night), and not already failed to ingest with the same bytes."""
    ensure_fetch_state(con)
    rows = con.execute("""
        SELECT DISTINCT f.local_path FROM fetch_state f
        WHERE f.source = ? AND f.local_path IS NOT NULL
          AND f.ingested_sha IS DISTINCT FROM f.sha256
          AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = f.sha256)
          AND NOT EXISTS (SELECT 1 FROM ingest_errors e WHERE e.source_path = f.local_path AND e.sha256 = f.sha256)
        ORDER BY 1""", [source]).fetchall()
    return [Path(p) for (p,) in rows if Path(p).exists()]


def mark_ingested(con: duckdb.DuckDBPyConnection, local_path: str, sha256: str | None) -> None:
    """Remember that these bytes of this file are in the warehouse (or were, before a newer file replaced them)."""
    if sha256:
        con.execute("UPDATE fetch_state SET ingested_sha = ? WHERE local_path = ? AND sha256 = ?",
                    [sha256, local_path, sha256])


def failure_reasons(failures: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for failure in failures:
        counts[failure["reason"]] = counts.get(failure["reason"], 0) + 1
    return counts


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
