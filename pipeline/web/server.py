"""`minutes serve`: a small server-rendered search site on the standard library's ThreadingHTTPServer.

Pages: `/` (search form, filters, paged results with highlighted snippets), `/item/<item_id>` (sections,
decision, votes, attendance, attachments), `/pdf/<doc_id>` (the source PDF; link with #page=N) and
`/api/search?q=...` (JSON). The database is opened read-only, every value is HTML-escaped and all SQL
takes parameters.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from pipeline.search.engine import Filters, item_detail, search
from pipeline.web import site
from pipeline.web.html import OUTCOME_LABELS, esc, layout

PAGE_SIZE = 10
FEED_SIZE = 50


class SearchServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, con, pdf_dirs=()):
        self.con = con
        self.pdf_dirs = [Path(p) for p in pdf_dirs]
        self.lock = threading.Lock()
        cur = con.cursor()
        self.municipalities = [r[0] for r in cur.execute(
            "SELECT DISTINCT municipality FROM search_items WHERE municipality IS NOT NULL ORDER BY 1").fetchall()]
        self.committees = [r[0] for r in cur.execute(
            "SELECT DISTINCT committee FROM search_items WHERE committee IS NOT NULL ORDER BY 1").fetchall()]
        # the database is open read-only, so the index cannot change under us: load the vocabulary once
        from pipeline.search.vocab import get_vocabulary

        self.vocab = get_vocabulary(cur)
        cur.close()
        super().__init__(address, Handler)

    def cursor(self):
        with self.lock:
            return self.con.cursor()


def make_server(con, host: str = "127.0.0.1", port: int = 8765, pdf_dirs=()) -> SearchServer:
    return SearchServer((host, port), con, pdf_dirs)


class Handler(BaseHTTPRequestHandler):
    server: SearchServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet by default
        pass

    def do_GET(self):
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            if url.path == "/":
                self.send_html(self.search_page(params))
            elif url.path == "/api/search":
                self.send_json(self.api_search(params))
            elif url.path.startswith("/item/"):
                self.item_page(url.path[len("/item/"):])
            elif url.path.startswith("/pdf/"):
                self.send_pdf(url.path[len("/pdf/"):])
            elif url.path == "/feed/soeg":
                self.send_body(HTTPStatus.OK, "application/atom+xml; charset=utf-8", self.search_feed(params).encode("utf-8"))
            elif site.is_site_path(url.path):
                self.site_page(url.path, params)
            else:
                self.send_error_page(HTTPStatus.NOT_FOUND, "Siden findes ikke")
        except ValueError as exc:
            self.send_error_page(HTTPStatus.BAD_REQUEST, f"Ugyldig forespørgsel: {exc}")

    # -- responses -------------------------------------------------------------------------------
    def send_body(self, status, content_type: str, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        self.end_headers()
        self.wfile.write(body)

    def send_html(self, body: str, status=HTTPStatus.OK):
        self.send_body(status, "text/html; charset=utf-8", body.encode("utf-8"))

    def send_json(self, data):
        self.send_body(HTTPStatus.OK, "application/json; charset=utf-8",
                       json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))

    def send_error_page(self, status, message: str):
        self.send_html(layout(esc(message), f"<h1>{esc(message)}</h1><p><a href='/'>Til søgningen</a></p>"), status)

    # -- site pages (case, committee, member, meeting, latest) and feeds --------------------------
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def site_page(self, path: str, params: dict):
        cur = self.server.cursor()
        try:
            page = site.render(cur, path, {**params, "_base": self.base_url()})
        finally:
            cur.close()
        if page is None:
            return self.send_error_page(HTTPStatus.NOT_FOUND, "Siden findes ikke")
        content_type, body = page
        self.send_body(HTTPStatus.OK, content_type, body.encode("utf-8"))

    def search_feed(self, params: dict) -> str:
        """Atom feed of a search (query plus filters), newest first."""
        result, _ = self.run_search({**params, "sort": "date", "page": "1"}, FEED_SIZE)
        query = {k: v for k, v in params.items() if k not in ("page", "sort")}
        cur = self.server.cursor()
        try:
            return site.search_feed(cur, [h.item_id for h in result.hits], params.get("q", ""),
                                    "/?" + urlencode(query), self.base_url())
        finally:
            cur.close()

    # -- search ----------------------------------------------------------------------------------
    def run_search(self, params: dict, limit: int):
        page = max(1, int(params.get("page") or 1))
        filters = Filters(municipality=params.get("municipality") or None, committee=params.get("committee") or None,
                          date_from=parse_date(params.get("from")), date_to=parse_date(params.get("to")),
                          case_prefix=(params.get("case") or "").strip() or None, outcome=params.get("outcome") or None,
                          document_type=params.get("type") or None)
        sort = params.get("sort") or "relevance"
        if sort not in ("relevance", "date", "date_asc"):
            raise ValueError("sort")
        cur = self.server.cursor()
        try:
            result = search(cur, params.get("q", ""), filters, limit=limit, offset=(page - 1) * limit, sort=sort,
                            vocab=self.server.vocab)
        finally:
            cur.close()
        return result, page

    def api_search(self, params: dict):
        limit = min(100, max(1, int(params.get("limit") or PAGE_SIZE)))
        result, _ = self.run_search(params, limit)
        return {"total": result.total, "total_is_exact": result.total_is_exact, "corrected_query": result.corrected_query,
                "hits": [h.to_dict() for h in result.hits]}

    def search_page(self, params: dict) -> str:
        query = params.get("q", "")
        searched = any(params.get(k) for k in ("q", "municipality", "committee", "from", "to", "case", "outcome", "type"))
        body = [self.form(params)]
        if searched:
            result, page = self.run_search(params, PAGE_SIZE)
            if result.corrected_query:
                fixed = {**params, "q": result.corrected_query}
                fixed.pop("page", None)
                body.append(f"<p class='corrected'>Søgte i stedet efter: "
                            f"<a href='/?{esc(urlencode(fixed))}'>{esc(result.corrected_query)}</a></p>")
            body.append(f"<p id='total'>{'mindst ' if not result.total_is_exact else ''}{result.total} resultater</p>")
            feed = "/feed/soeg?" + urlencode({k: v for k, v in params.items() if k not in ("page", "sort")})
            body.append(f"<p class='feed'><a href='{esc(feed)}'>Følg søgningen (Atom-feed)</a></p>")
            cur = self.server.cursor()
            try:
                case_counts = site.queries.case_counts(cur, sorted({h.case_number for h in result.hits if h.case_number}))
            finally:
                cur.close()
            for hit, same_case in site.group_by_case(result.hits):
                date = hit.meeting_date.isoformat() if hit.meeting_date else ""
                pdf = f"/pdf/{quote(hit.doc_id)}#page={int(hit.first_page or 1)}"
                case = ""
                if hit.case_number:
                    case = (f" · sag <a class='case' href='{esc(site.case_url(hit.case_number))}'>{esc(hit.case_number)}</a>"
                            f" ({case_counts.get(hit.case_number, 1)} behandlinger)")
                body.append(
                    "<div class='hit'>"
                    f"<a class='title' href='/item/{quote(hit.item_id)}'>{esc(hit.title)}</a>"
                    f"<div class='meta'>{esc(hit.municipality)} · {esc(hit.committee)} · {esc(date)} · "
                    f"punkt {esc(hit.number)} · {esc(OUTCOME_LABELS.get(hit.outcome or '', hit.outcome))}"
                    + case + "</div>"
                    f"<div class='snippet'>{hit.snippet_html}</div>"
                    f"<div class='meta'><a class='pdf' href='{esc(pdf)}'>{esc(hit.source_file)}, side {esc(hit.first_page)}</a></div>"
                    + "".join(f"<div class='meta same-case'>Samme sag: <a href='/item/{quote(o.item_id)}'>{esc(o.committee)}, "
                              f"{esc(o.meeting_date)}, punkt {esc(o.number)}</a></div>" for o in same_case)
                    + "</div>")
            pages = (result.total + PAGE_SIZE - 1) // PAGE_SIZE
            if pages > 1:
                links = []
                for label, target in (("« forrige", page - 1), ("næste »", page + 1)):
                    if 1 <= target <= pages:
                        links.append(f"<a href='/?{esc(urlencode({**params, 'page': target}))}'>{label}</a>")
                body.append(f"<nav class='pages'>Side {page} af {pages} {' '.join(links)}</nav>")
        else:
            cur = self.server.cursor()
            try:
                body.append(site.latest_html(cur))
            finally:
                cur.close()
        title = f"{query} – søgning" if query else "Søg i referater"
        return layout(esc(title), "\n".join(body))

    def form(self, p: dict) -> str:
        def select(name, options, labels=None):
            current = p.get(name, "")
            opts = ["<option value=''>alle</option>"] + [
                f"<option value='{esc(o)}'{' selected' if o == current else ''}>{esc((labels or {}).get(o, o))}</option>"
                for o in options]
            return f"<select name='{name}'>{''.join(opts)}</select>"

        return ("<h1><a href='/' style='text-decoration:none;color:inherit'>Søg i referater</a></h1>"
                "<form class='search' method='get' action='/'>"
                f"<label>Søgning<input type='search' name='q' value='{esc(p.get('q', ''))}' autofocus></label>"
                f"<label>Kommune{select('municipality', self.server.municipalities)}</label>"
                f"<label>Udvalg{select('committee', self.server.committees)}</label>"
                f"<label>Fra<input type='date' name='from' value='{esc(p.get('from', ''))}'></label>"
                f"<label>Til<input type='date' name='to' value='{esc(p.get('to', ''))}'></label>"
                f"<label>Sagsnr.<input name='case' size='10' value='{esc(p.get('case', ''))}'></label>"
                f"<label>Beslutning{select('outcome', list(OUTCOME_LABELS), OUTCOME_LABELS)}</label>"
                f"<label>Type{select('type', ['referat', 'dagsorden'])}</label>"
                f"<label>Sortering{select('sort', ['relevance', 'date', 'date_asc'], {'relevance': 'relevans', 'date': 'nyeste', 'date_asc': 'ældste'})}</label>"
                "<button type='submit'>Søg</button></form>")

    # -- item ------------------------------------------------------------------------------------
    def item_page(self, item_id: str):
        cur = self.server.cursor()
        try:
            item = item_detail(cur, item_id)
        finally:
            cur.close()
        if item is None:
            return self.send_error_page(HTTPStatus.NOT_FOUND, "Punktet findes ikke")
        pdf = f"/pdf/{quote(item['doc_id'])}#page={int(item['first_page'] or 1)}"
        parts = [f"<p><a href='/'>« ny søgning</a></p>",
                 f"<h1>{esc(item['number'])}. {esc(item['title'])}</h1>",
                 f"<p class='meta'>{esc(item['municipality'])} · {esc(item['committee'])} · {esc(item['meeting_date'])} · "
                 f"{esc(item['document_type'])}" + (f" · sag {esc(item['case_number'])}" if item["case_number"] else "")
                 + (" · lukket punkt" if item["closed"] else "") + "</p>",
                 site.item_links_html(item),
                 f"<p><a id='pdf-link' href='{esc(pdf)}'>Åbn {esc(item['source_file'])} på side {esc(item['first_page'])}</a></p>"]
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
        self.send_html(layout(esc(item["title"]), "\n".join(parts)))

    # -- pdf -------------------------------------------------------------------------------------
    def send_pdf(self, doc_id: str):
        cur = self.server.cursor()
        try:
            row = cur.execute("SELECT source_path, source_file FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
        finally:
            cur.close()
        if row is None:
            return self.send_error_page(HTTPStatus.NOT_FOUND, "Dokumentet findes ikke")
        candidates = [Path(row[0])] + [d / row[1] for d in self.server.pdf_dirs]
        for path in candidates:
            if path.is_file():
                data = path.read_bytes()
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(row[1])}")
                self.end_headers()
                self.wfile.write(data)
                return
        self.send_error_page(HTTPStatus.NOT_FOUND, "PDF-filen findes ikke længere på disken (brug --pdf-dir)")


def parse_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None

