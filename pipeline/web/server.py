"""`minutes serve`: a small server-rendered search site on the standard library's HTTP server.

Pages: `/` (search form, filters, facets, paged results with highlighted snippets citing their page),
`/item/<item_id>` (sections, decision, votes, attendance, attachments), `/pdf/<doc_id>` (the source PDF;
linked with #page=N) and `/api/search?q=...` (JSON). Routing is a table (`ROUTES`, `add_route`): a new page
is one function and one `add_route` line.

Robustness: every request gets a status code. Threads are bounded (`MAX_WORKERS`); a connection that finds
no free worker within `QUEUE_WAIT` seconds gets `503 Service Unavailable` with Retry-After; idle keep-alive
connections are closed after `IDLE_TIMEOUT` seconds; the listen backlog holds `BACKLOG` connections; a
search runs at most `QUERY_SECONDS` (then it is interrupted and answered with 503); query length and word
count are capped by the query analysis. Errors are Danish sentences on pages and JSON `{"error", "status"}`
in the API, never Python exception text.

The server reads the warehouse's read-only snapshot (see `pipeline/warehouse/snapshot.py`) and swaps in a
new connection when the nightly job publishes a new one; every value is HTML-escaped and SQL takes
parameters.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from pipeline.search import resident
from pipeline.search.engine import FACETS, SORTS, Filters, QueryError, index_key, item_detail, search
from pipeline.warehouse.documents import document_count, search_documents
from pipeline.web import site
from pipeline.web.html import OUTCOME_LABELS, esc, layout

PAGE_SIZE = 10
FEED_SIZE = 50
MAX_PAGE = 1000
MAX_WORKERS = 16        # request threads at once
QUEUE_WAIT = 2.0        # seconds a new connection may wait for a free worker before it gets 503
IDLE_TIMEOUT = 5.0      # seconds an idle (keep-alive) connection may hold a worker
BACKLOG = 512           # listen queue
QUERY_SECONDS = 5.0     # a search taking longer is interrupted
FACET_LABELS = {"committee": "Udvalg", "year": "År", "outcome": "Beslutning"}
SORT_LABELS = {"relevance": "relevans", "date": "nyeste", "date_asc": "ældste"}
DOCUMENT_HITS = 10  # non-minutes documents shown under the item hits
FILTER_PARAMS = ("municipality", "committee", "from", "to", "case", "outcome", "type", "year")
class BadRequest(ValueError):
    """A request parameter is invalid; the message is a Danish sentence for the user."""


class Unavailable(RuntimeError):
    """The request could not be served now (overload, a search that took too long)."""


# -- routing ---------------------------------------------------------------------------------------
ROUTES: list[tuple[re.Pattern, object]] = []


def add_route(pattern: str, handler) -> None:
    """Register `handler(request, match, params)` for paths matching the regex `pattern` (anchored)."""
    ROUTES.append((re.compile(pattern), handler))


# -- warehouse access ------------------------------------------------------------------------------
class Warehouse:
    """The connection the server reads, plus per-snapshot lists (committees, municipalities). Each snapshot's
    search index is also read into memory in the background (`pipeline/search/resident.py`); until it is,
    searches run in SQL with the same results."""

    def __init__(self, source, postings_bytes: int = resident.MAX_POSTINGS_BYTES):
        self._lock = threading.Lock()
        self.postings_bytes = postings_bytes
        self._resident_key = None
        if isinstance(source, (str, Path)):
            from pipeline.warehouse.snapshot import SnapshotWatcher, ensure_snapshot

            self.watcher = SnapshotWatcher(ensure_snapshot(source), on_open=self._on_open)
            self.fixed = None
        else:
            self.watcher = None
            self.fixed = (source, self._on_open(source))

    def _on_open(self, con) -> dict:
        """Per-snapshot lists (municipalities, committees, document count, index key); starts reading the
        snapshot's index into memory."""
        from pipeline.search.index import index_exists

        cur = con.cursor()
        try:
            if not index_exists(cur):
                raise RuntimeError("the warehouse has no search index; run `minutes search --rebuild-index x` once")
            threading.Thread(target=self._load_resident, args=(con.cursor(),), daemon=True,
                             name="resident-index").start()
            return {"municipalities": [r[0] for r in cur.execute(
                        "SELECT DISTINCT municipality FROM search_items WHERE municipality IS NOT NULL ORDER BY 1").fetchall()],
                    "committees": [r[0] for r in cur.execute(
                        "SELECT DISTINCT committee FROM search_items WHERE committee IS NOT NULL ORDER BY 1").fetchall()],
                    "documents": document_count(cur),
                    "index_key": index_key(cur)}
        finally:
            cur.close()

    def _load_resident(self, cur) -> None:
        try:
            key = resident.load(cur, self.postings_bytes).key
        except Exception:  # e.g. out of memory: searches keep running in SQL
            return
        finally:
            cur.close()
        with self._lock:
            previous, self._resident_key = self._resident_key, key
        if previous and previous != key:  # the snapshot swapped out: its index leaves memory
            resident.discard(previous)

    def state(self):
        return self.watcher.current() if self.watcher else self.fixed

    def cursor(self):
        return self.cursor_and_lists()[0]

    def cursor_and_lists(self):
        """A cursor and the lists of the same snapshot (a swap in between would pair one snapshot's rows with
        the other's in-memory index)."""
        con, lists = self.state()
        with self._lock:
            return con.cursor(), lists

    def lists(self) -> dict:
        return self.state()[1]


class SearchServer(HTTPServer):
    """HTTPServer with a bounded set of worker threads and load shedding (503) instead of time-outs."""

    request_queue_size = BACKLOG
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, source, pdf_dirs=(), postings_bytes: int = resident.MAX_POSTINGS_BYTES):
        self.warehouse = Warehouse(source, postings_bytes)
        self.pdf_dirs = [Path(p) for p in pdf_dirs]
        self.slots = threading.BoundedSemaphore(MAX_WORKERS)
        super().__init__(address, Handler)

    def cursor(self):
        """A cursor on the current snapshot (for page modules registered with `add_route`)."""
        return self.warehouse.cursor()

    def process_request(self, request, client_address):
        if not self.slots.acquire(timeout=QUEUE_WAIT):
            self._shed(request)
            return
        thread = threading.Thread(target=self._work, args=(request, client_address), daemon=True)
        thread.start()

    def _work(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self.slots.release()

    def _shed(self, request) -> None:
        body = "Serveren har travlt lige nu. Prøv igen om lidt.".encode("utf-8")
        try:
            request.settimeout(1.0)
            request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                            b"Retry-After: 1\r\nConnection: close\r\nContent-Length: "
                            + str(len(body)).encode() + b"\r\n\r\n" + body)
        except OSError:
            pass
        finally:
            self.shutdown_request(request)

    def handle_error(self, request, client_address):  # a client that went away: nothing to tell anyone
        pass


def make_server(source, host: str = "127.0.0.1", port: int = 8765, pdf_dirs=(),
                postings_bytes: int = resident.MAX_POSTINGS_BYTES) -> SearchServer:
    """A server over a warehouse path (served from its snapshot, swapped when republished) or an open connection.
    `postings_bytes`: the most memory the search postings may take in memory (more: they are read from disk)."""
    return SearchServer((host, port), source, pdf_dirs, postings_bytes)


class Handler(BaseHTTPRequestHandler):
    server: SearchServer
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT

    def log_message(self, format, *args):  # quiet by default
        pass

    def send_error(self, code, message=None, explain=None):
        """Protocol-level errors (bad request line, too long URI/headers) in our own format."""
        self.close_connection = True
        try:
            self.send_error_page(code, {400: "Ugyldig forespørgsel.", 414: "Adressen er for lang.",
                                        431: "Forespørgslens headere er for store."}.get(int(code), "Fejl i forespørgslen."))
        except OSError:
            pass

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        self.close_connection = True
        self.send_error_page(HTTPStatus.METHOD_NOT_ALLOWED, "Siden kan kun læses (GET).")

    def do_GET(self):
        url = urlsplit(self.path)
        self.api = url.path.startswith("/api/")
        try:
            params = {k: v[-1] for k, v in parse_qs(url.query, max_num_fields=50).items()}
            for pattern, handler in ROUTES:
                match = pattern.fullmatch(url.path)
                if match:
                    handler(self, match, params)
                    break
            else:
                self.send_error_page(HTTPStatus.NOT_FOUND, "Siden findes ikke.")
        except (BadRequest, QueryError) as exc:
            self.send_error_page(HTTPStatus.BAD_REQUEST, str(exc))
        except ValueError:
            self.send_error_page(HTTPStatus.BAD_REQUEST, "Ugyldig forespørgsel.")
        except Unavailable as exc:
            self.send_error_page(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
        except Exception:
            self.close_connection = True
            self.send_error_page(HTTPStatus.INTERNAL_SERVER_ERROR, "Der opstod en fejl på serveren. Prøv igen senere.")

    # -- responses -------------------------------------------------------------------------------
    def send_body(self, status, content_type: str, body: bytes, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_html(self, body: str, status=HTTPStatus.OK):
        self.send_body(status, "text/html; charset=utf-8", body.encode("utf-8"))

    def send_json(self, data, status=HTTPStatus.OK):
        self.send_body(status, "application/json; charset=utf-8",
                       json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))

    def send_error_page(self, status, message: str):
        status = HTTPStatus(status)
        extra = {"Retry-After": "1"} if status == HTTPStatus.SERVICE_UNAVAILABLE else None
        if getattr(self, "api", False):
            body = json.dumps({"error": message, "status": int(status)}, ensure_ascii=False).encode("utf-8")
            return self.send_body(status, "application/json; charset=utf-8", body, extra)
        page = layout(esc(message), f"<h1>{esc(message)}</h1><p><a href='/'>Til søgningen</a></p>")
        self.send_body(status, "text/html; charset=utf-8", page.encode("utf-8"), extra)

    # -- search ----------------------------------------------------------------------------------
    def run_search(self, params: dict, limit: int, snippets: bool = True, facets: bool = True):
        page = int_param(params, "page", 1, 1, MAX_PAGE)
        filters = Filters(municipality=params.get("municipality") or None, committee=params.get("committee") or None,
                          date_from=parse_date(params.get("from")), date_to=parse_date(params.get("to")),
                          case_prefix=(params.get("case") or "").strip() or None, outcome=params.get("outcome") or None,
                          document_type=params.get("type") or None,
                          year=int_param(params, "year", None, 1900, 2200))
        sort = params.get("sort") or "relevance"
        if sort not in SORTS:
            raise BadRequest("Ukendt sortering.")
        result = self.interruptible(lambda cur, lists: search(cur, params.get("q", ""), filters, limit=limit,
                                                              offset=(page - 1) * limit, sort=sort, snippets=snippets,
                                                              facets=facets, index=lists["index_key"]),
                                    with_lists=True)
        return result, page

    def case_counts(self, numbers: list[str]) -> dict[str, int]:
        """Appearances of each case number: from the index in memory once it is read, else from the warehouse."""
        cur, lists = self.server.warehouse.cursor_and_lists()
        try:
            held = resident.loaded(lists["index_key"])
            return held.cases.counts(numbers) if held is not None else site.queries.case_counts(cur, numbers)
        finally:
            cur.close()

    def document_hits(self, params: dict) -> list[dict]:
        """Documents that are not minutes (attachments, notes) matching the query, for the first page of a
        search without filters (they have no committee, date or outcome a filter could apply to)."""
        query = (params.get("q") or "").strip()
        if not query or any(params.get(k) for k in FILTER_PARAMS) or int_param(params, "page", 1, 1, MAX_PAGE) > 1:
            return []
        if not self.server.warehouse.lists()["documents"]:  # a snapshot without such documents: no query
            return []
        return self.interruptible(lambda cur: search_documents(cur, query, limit=DOCUMENT_HITS))

    def interruptible(self, run, with_lists: bool = False):
        """`run(cursor)` (or `run(cursor, lists)`, the snapshot's lists) on a fresh cursor, interrupted after
        QUERY_SECONDS (then 503 with a Danish message)."""
        cur, lists = self.server.warehouse.cursor_and_lists()
        timer = threading.Timer(QUERY_SECONDS, cur.interrupt)
        timer.start()
        try:
            return run(cur, lists) if with_lists else run(cur)
        except QueryError:
            raise
        except Exception as exc:
            if not timer.is_alive():
                raise Unavailable("Søgningen tog for lang tid. Prøv en mere præcis søgning.") from exc
            raise
        finally:
            timer.cancel()
            cur.close()

    def form(self, p: dict) -> str:
        lists = self.server.warehouse.lists()

        def select(name, options, labels=None):
            current = p.get(name, "")
            opts = ["<option value=''>alle</option>"] + [
                f"<option value='{esc(o)}'{' selected' if o == current else ''}>{esc((labels or {}).get(o, o))}</option>"
                for o in options]
            return f"<select name='{name}'>{''.join(opts)}</select>"

        return ("<h1><a href='/' style='text-decoration:none;color:inherit'>Søg i referater</a></h1>"
                "<form class='search' method='get' action='/'>"
                f"<label>Søgning<input type='search' name='q' value='{esc(p.get('q', ''))}' autofocus></label>"
                f"<label>Kommune{select('municipality', lists['municipalities'])}</label>"
                f"<label>Udvalg{select('committee', lists['committees'])}</label>"
                f"<label>Fra<input type='date' name='from' value='{esc(p.get('from', ''))}'></label>"
                f"<label>Til<input type='date' name='to' value='{esc(p.get('to', ''))}'></label>"
                f"<label>Sagsnr.<input name='case' size='10' value='{esc(p.get('case', ''))}'></label>"
                f"<label>Beslutning{select('outcome', list(OUTCOME_LABELS), OUTCOME_LABELS)}</label>"
                f"<label>Type{select('type', ['referat', 'dagsorden'])}</label>"
                f"<label>Sortering{select('sort', list(SORTS), SORT_LABELS)}</label>"
                + (f"<input type='hidden' name='year' value='{esc(p['year'])}'>" if p.get("year") else "")
                + "<button type='submit'>Søg</button></form>")


def int_param(params: dict, name: str, default, low: int, high: int):
    """An integer query parameter within [low, high], else BadRequest (never an overflow or a traceback)."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 9 or not low <= int(raw) <= high:
        raise BadRequest(f"Parameteren {name} skal være et helt tal mellem {low} og {high}.")
    return int(raw)


def parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest("Datoen skal skrives ÅÅÅÅ-MM-DD.") from None


# -- pages -----------------------------------------------------------------------------------------
def api_search(req: Handler, match, params: dict) -> None:
    limit = int_param(params, "limit", PAGE_SIZE, 1, 100)
    result, page = req.run_search(params, limit)
    req.send_json({"total": result.total, "page": page, "corrected_query": result.corrected_query,
                   "suggestion": result.suggestion, "also_searched": result.also_searched,
                   "facets": {name: [{"value": v, "count": n} for v, n in counts]
                              for name, counts in result.facets.items()},
                   "hits": [h.to_dict() for h in result.hits],
                   "documents": [document_json(d) for d in req.document_hits(params)]})


def document_json(hit: dict) -> dict:
    """A non-minutes document hit for the API (ids of the items that list it as an attachment)."""
    return {"doc_id": hit["doc_id"], "doc_class": hit["doc_class"], "title": hit["title"],
            "source_file": hit["source_file"], "page": hit["page"], "snippet": hit["snippet"],
            "score": round(hit["score"], 4),
            "item_ids": hit["item_ids"] or []}


def documents_html(hits: list[dict]) -> str:
    """The 'other documents' block under the item hits."""
    if not hits:
        return ""
    rows = "".join(
        f"<li><a class='pdf' href='{esc(site.pdf_url(h['doc_id'], h['page']))}'>{esc(h['title'] or h['source_file'])}</a>"
        f" <span class='meta'>{esc(h['doc_class'])} · {esc(h['source_file'])}"
        + (f", side <span class='page'>{esc(h['page'])}</span>" if h["page"] else "") + "</span>"
        + (f"<div class='snippet'>…{esc(h['snippet'])}…</div>" if h["snippet"] else "")
        + "".join(f" · <a href='/item/{quote(i)}'>punktet</a>" for i in (h["item_ids"] or [])[:3]) + "</li>"
        for h in hits)
    return f"<section id='documents'><h2>Andre dokumenter (bilag, notater)</h2><ul>{rows}</ul></section>"


def search_page(req: Handler, match, params: dict) -> None:
    query = params.get("q", "")
    searched = any(params.get(k) for k in ("q",) + FILTER_PARAMS)
    body = [req.form(params)]
    if searched:
        result, page = req.run_search(params, PAGE_SIZE)
        clean = {k: v for k, v in params.items() if k != "page"}
        if result.corrected_query:
            body.append(f"<p class='corrected'>Søgte i stedet efter: "
                        f"<a href='/?{esc(urlencode({**clean, 'q': result.corrected_query}))}'>{esc(result.corrected_query)}</a></p>")
        if result.also_searched:
            body.append(f"<p class='also'>Søgte også efter: {esc(', '.join(result.also_searched))}</p>")
        if result.suggestion:
            body.append(f"<p class='suggestion'>Mente du: "
                        f"<a href='/?{esc(urlencode({**clean, 'q': result.suggestion}))}'>{esc(result.suggestion)}</a>?</p>")
        body.append(f"<p id='total'>{result.total} {'punkt' if result.total == 1 else 'punkter'}</p>")
        facets = []
        for name in FACETS:
            counts = result.facets.get(name) or []
            if not counts:
                continue
            param = {"committee": "committee", "year": "year", "outcome": "outcome"}[name]
            items = []
            for value, n in counts[:15]:
                label = OUTCOME_LABELS.get(value, value) if name == "outcome" else value
                target = urlencode({**clean, param: "" if value is None else value})
                items.append(f"<li><a href='/?{esc(target)}'>{esc(label if label is not None else 'ukendt')}</a> "
                             f"<span class='count'>{n}</span></li>")
            facets.append(f"<div class='facet' id='facet-{name}'><strong>{FACET_LABELS[name]}</strong><ul>{''.join(items)}</ul></div>")
        feed = "/feed/soeg?" + urlencode({k: v for k, v in clean.items() if k != "sort"})
        body.append(f"<p class='feed'><a href='{esc(feed)}'>Følg søgningen (Atom-feed)</a></p>")
        case_counts = req.case_counts(sorted({h.case_number for h in result.hits if h.case_number}))
        hits = []
        for hit, same_case in site.group_by_case(result.hits):
            date = hit.meeting_date.isoformat() if hit.meeting_date else ""
            case = ""
            if hit.case_number:
                case = (f" · sag <a class='case' href='{esc(site.case_url(hit.case_number))}'>{esc(hit.case_number)}</a>"
                        f" ({case_counts.get(hit.case_number, 1)} behandlinger)")
            hits.append(
                "<div class='hit'>"
                f"<a class='title' href='/item/{quote(hit.item_id)}'>{esc(hit.title)}</a>"
                f"<div class='meta'>{esc(hit.municipality)} · {esc(hit.committee)} · {esc(date)} · "
                f"punkt {esc(hit.number)} · {esc(OUTCOME_LABELS.get(hit.outcome or '', hit.outcome))}" + case + "</div>"
                f"<div class='snippet'>{hit.snippet_html}</div>"
                f"<div class='meta'><a class='pdf' href='{esc(site.pdf_url(hit.doc_id, hit.cited_page))}'>"
                f"{esc(hit.source_file)}, side <span class='page'>{esc(hit.cited_page)}</span></a></div>"
                + "".join(f"<div class='meta same-case'>Samme sag: <a href='/item/{quote(o.item_id)}'>{esc(o.committee)}, "
                          f"{esc(o.meeting_date)}, punkt {esc(o.number)}</a></div>" for o in same_case)
                + "</div>")
        pages = (result.total + PAGE_SIZE - 1) // PAGE_SIZE
        if pages > 1:
            links = []
            for label, target in (("« forrige", page - 1), ("næste »", page + 1)):
                if 1 <= target <= min(pages, MAX_PAGE):
                    links.append(f"<a href='/?{esc(urlencode({**params, 'page': target}))}'>{label}</a>")
            hits.append(f"<nav class='pages'>Side {page} af {pages} {' '.join(links)}</nav>")
        body.append(f"<div class='layout'><aside class='facets'>{''.join(facets)}</aside>"
                    f"<div class='results'>{''.join(hits)}{documents_html(req.document_hits(params))}</div></div>")
    else:
        cur = req.server.warehouse.cursor()
        try:
            body.append(site.latest_html(cur))
        finally:
            cur.close()
    title = f"{query} – søgning" if query else "Søg i referater"
    req.send_html(layout(esc(title), "\n".join(body)))


def item_page(req: Handler, match, params: dict) -> None:
    cur = req.server.warehouse.cursor()
    try:
        item = item_detail(cur, match.group("item_id"))
    finally:
        cur.close()
    if item is None:
        return req.send_error_page(HTTPStatus.NOT_FOUND, "Punktet findes ikke.")
    parts = ["<p><a href='/'>« ny søgning</a></p>",
             f"<h1>{esc(item['number'])}. {esc(item['title'])}</h1>",
             f"<p class='meta'>{esc(item['municipality'])} · {esc(item['committee'])} · {esc(item['meeting_date'])} · "
             f"{esc(item['document_type'])}" + (f" · sag {esc(item['case_number'])}" if item["case_number"] else "")
             + (" · lukket punkt" if item["closed"] else "") + "</p>",
             site.item_links_html(item),
             f"<p><a id='pdf-link' href='{esc(site.pdf_url(item['doc_id'], item['first_page']))}'>"
             f"Åbn {esc(item['source_file'])} på side {esc(item['first_page'])}</a></p>"]
    for section in item["sections"]:
        parts.append(f"<div class='section'><h3>{esc(section['heading'] or section['kind'])}</h3>"
                     f"<p>{esc(section['text'])}</p></div>")
    decision = item["decision"]
    if decision:
        parts.append("<h2>Beslutning</h2>"
                     f"<p>Udfald: <strong>{esc(OUTCOME_LABELS.get(decision['outcome'], decision['outcome']))}</strong>"
                     + (" (afviger fra indstillingen)" if decision["deviates"] else "") + "</p>")
        if decision["text"]:
            parts.append(f"<p style='white-space:pre-wrap'>{esc(decision['text'])}</p>")
        for label, key in (("For", "votes_for"), ("Imod", "votes_against"), ("Undlod", "votes_abstain")):
            if decision[key]:
                parts.append(f"<p>{label}: {esc(', '.join(decision[key]))}</p>")
    if item["attendance"]:
        present = [n for n, s in item["attendance"] if s == "present"]
        absent = [n for n, s in item["attendance"] if s != "present"]
        parts.append("<h2>Fremmøde</h2>"
                     f"<p>Til stede: {esc(', '.join(present)) or '–'}</p><p>Fraværende: {esc(', '.join(absent)) or '–'}</p>")
    if item["attachments"]:
        parts.append("<h2>Bilag</h2><ul>" + "".join(f"<li>{esc(a)}</li>" for a in item["attachments"]) + "</ul>")
    req.send_html(layout(esc(item["title"]), "\n".join(parts)))


def send_pdf(req: Handler, match, params: dict) -> None:
    cur = req.server.warehouse.cursor()
    try:
        row = site.queries.pdf_source(cur, match.group("doc_id"))
    finally:
        cur.close()
    if row is None:
        return req.send_error_page(HTTPStatus.NOT_FOUND, "Dokumentet findes ikke.")
    if row is site.queries.NO_PDF:  # portal data of a meeting whose PDF was never ingested
        return req.send_error_page(HTTPStatus.NOT_FOUND, "Mødet findes kun som portaldata; der er ingen PDF at vise.")
    candidates = [Path(row[0])] + [d / Path(row[1]).name for d in req.server.pdf_dirs]
    for path in candidates:
        if path.is_file():
            req.send_body(HTTPStatus.OK, "application/pdf", path.read_bytes(),
                          {"Content-Disposition": f"inline; filename*=UTF-8''{quote(row[1])}"})
            return
    req.send_error_page(HTTPStatus.NOT_FOUND, "PDF-filen findes ikke længere på disken (brug --pdf-dir).")


def site_page(req: Handler, match, params: dict) -> None:
    """Case, committee, member and meeting pages, the latest news, and their Atom feeds (pipeline/web/site.py)."""
    host, port = req.server.server_address[:2]
    cur = req.server.warehouse.cursor()
    try:
        page = site.render(cur, match.group(0), {**params, "_base": f"http://{host}:{port}"})
    finally:
        cur.close()
    if page is None:
        return req.send_error_page(HTTPStatus.NOT_FOUND, "Siden findes ikke.")
    content_type, body = page
    req.send_body(HTTPStatus.OK, content_type, body.encode("utf-8"))


def search_feed(req: Handler, match, params: dict) -> None:
    """Atom feed of a search (query plus filters), newest first."""
    result, _ = req.run_search({**params, "sort": "date", "page": "1"}, FEED_SIZE, snippets=False, facets=False)
    query = {k: v for k, v in params.items() if k not in ("page", "sort")}
    host, port = req.server.server_address[:2]
    cur = req.server.warehouse.cursor()
    try:
        feed = site.search_feed(cur, [h.item_id for h in result.hits], params.get("q", ""), "/?" + urlencode(query),
                                f"http://{host}:{port}")
    finally:
        cur.close()
    req.send_body(HTTPStatus.OK, "application/atom+xml; charset=utf-8", feed.encode("utf-8"))


add_route(r"/", search_page)
add_route(r"/api/search", api_search)
add_route(r"/item/(?P<item_id>[^/]{1,200})", item_page)
add_route(r"/pdf/(?P<doc_id>[0-9a-fA-F]{1,128})", send_pdf)
add_route(r"/feed/soeg", search_feed)
add_route(r"(?:/feed)?/(?:seneste|udvalg|sag|medlem|moede)(?:/.{0,600})?", site_page)
