"""The nightly tests' local minutes site (http.server in a thread on 127.0.0.1, a free port, scripted routes) and
helpers. A module of its own: every test folder has a `conftest`, so `from conftest import` can find another one."""
from __future__ import annotations

import email.utils
import hashlib
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Callable

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nightly"
PDF_NAMES = ["east-0001", "agenda-classic-0003", "east-0006", "agenda-capital-0001"]


def pdf_bytes(name: str) -> bytes:
    return (FIXTURES / f"{name}.pdf").read_bytes()


@dataclass
class Hit:
    path: str
    headers: dict
    status: int
    at: float


@dataclass
class Site:
    """Routes: path (with query) -> handler(request) that sends the response. Unknown paths are 404."""
    routes: dict[str, Callable] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests_to(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.counts.clear()

    # -- handlers -----------------------------------------------------------------------------------------
    @staticmethod
    def static(body: bytes, content_type: str = "application/pdf", etag: bool = True, last_modified: bool = True,
               length: bool = True):
        tag = '"' + hashlib.md5(body).hexdigest() + '"'
        stamp = email.utils.formatdate(1_700_000_000 + len(body), usegmt=True)

        def handler(req) -> int:
            if etag and req.headers.get("If-None-Match") == tag:
                return req.send_status(304, {"ETag": tag})
            if not etag and last_modified and req.headers.get("If-Modified-Since") == stamp:
                return req.send_status(304, {"Last-Modified": stamp})
            headers = {"Content-Type": content_type}
            if etag:
                headers["ETag"] = tag
            if last_modified:
                headers["Last-Modified"] = stamp
            if length:
                headers["Content-Length"] = str(len(body))
            return req.send_body(200, body, headers)
        return handler

    @staticmethod
    def failing_then(handler, failures: int = 1, status: int = 500):
        state = {"n": 0}

        def flaky(req) -> int:
            state["n"] += 1
            if state["n"] <= failures:
                return req.send_body(status, b"server error", {"Content-Type": "text/plain"})
            return handler(req)
        flaky.state = state
        return flaky

    @staticmethod
    def slow(seconds: float, handler):
        def slow_handler(req) -> int:
            time.sleep(seconds)
            return handler(req)
        return slow_handler

    @staticmethod
    def html(body: str):
        return Site.static(body.encode("utf-8"), "text/html; charset=utf-8", etag=False, last_modified=False)


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def send_status(self, status: int, headers: dict | None = None) -> int:
        self.hit.status = status
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        return status

    def send_body(self, status: int, body: bytes, headers: dict) -> int:
        self.send_status(status, headers)
        try:
            for start in range(0, len(body), 16384):
                self.wfile.write(body[start:start + 16384])
        except (BrokenPipeError, ConnectionResetError):
            pass
        return status

    def do_GET(self) -> None:
        site = self.site
        self.hit = Hit(self.path, dict(self.headers.items()), 0, time.monotonic())
        with site.lock:
            site.counts[self.path] = site.counts.get(self.path, 0) + 1
            site.hits.append(self.hit)
        handler = site.routes.get(self.path)
        try:
            handler(self) if handler else self.send_body(404, b"not found", {"Content-Type": "text/plain"})
        except (BrokenPipeError, ConnectionResetError):
            pass


def page(links: list[str], next_link: str | None = None, rel_next: bool = False) -> str:
    items = "\n".join(f'<li><a href="{href}">{href.rsplit("/", 1)[-1]}</a></li>' for href in links)
    nav = ""
    if next_link:
        nav = f'<a href="{next_link}"{" rel=next" if rel_next else ""}>Næste side</a>'
    return f"<!doctype html><html><head><title>Referater</title></head><body><ul>{items}</ul>{nav}</body></html>"


SLOW_SECONDS = 1.2
TIMEOUT_SECONDS = 0.4
CAP_MB = 0.25


def build_minutes_site(site: Site) -> dict:
    """The municipal site of the tests; returns what a full crawl must find."""
    pdfs = {name: pdf_bytes(name) for name in PDF_NAMES}
    huge = b"%PDF-1.4\n" + b"0" * int(CAP_MB * 1024 * 1024 * 1.5) + b"\n%%EOF\n"
    site.routes.clear()
    site.routes.update({
        "/robots.txt": Site.static(b"User-agent: *\nDisallow: /private/\n", "text/plain", etag=False,
                                   last_modified=False),
        "/minutes/": Site.html(page(["/files/east-0001.pdf", "/files/agenda-classic-0003.pdf", "/private/secret.pdf",
                                     "/files/missing.pdf", f"http://localhost:{site.port}/files/offsite.pdf"],
                                    "/minutes/?page=2")),
        "/minutes/?page=2": Site.html(page(["/files/east-0006.pdf", "/mirror/same-as-east-0001.pdf",
                                            "/files/flaky.pdf", "/files/fake.pdf"], "?page=3", rel_next=True)),
        "/minutes/?page=3": Site.html(page(["/files/slow.pdf", "/files/huge.pdf", "/files/huge-declared.pdf",
                                            "/files/east-0001.pdf"], "/minutes/?page=4")),
        "/minutes/?page=4": Site.html(page(["/files/too-deep.pdf"])),
        "/files/east-0001.pdf": Site.static(pdfs["east-0001"]),
        "/mirror/same-as-east-0001.pdf": Site.static(pdfs["east-0001"], etag=False),
        "/files/agenda-classic-0003.pdf": Site.static(pdfs["agenda-classic-0003"], etag=False),  # Last-Modified only
        "/files/east-0006.pdf": Site.static(pdfs["east-0006"]),
        "/private/secret.pdf": Site.static(pdfs["east-0006"]),
        "/files/flaky.pdf": Site.failing_then(Site.static(pdfs["agenda-capital-0001"]), failures=1),
        "/files/fake.pdf": Site.static(b"<!DOCTYPE html><html><body>Log ind for at se referatet</body></html>",
                                       "application/pdf"),
        "/files/slow.pdf": Site.slow(SLOW_SECONDS, Site.static(pdfs["east-0006"])),
        "/files/huge.pdf": Site.static(huge, length=False),  # no Content-Length: the cap must cut the stream
        "/files/huge-declared.pdf": Site.static(huge),
        "/files/too-deep.pdf": Site.static(pdfs["east-0001"]),
    })
    return {"pdfs": pdfs, "documents": 4}


def write_config(path: Path, site: Site, raw_dir: Path, extra: str = "", max_depth: int = 2) -> Path:
    path.write_text(f"""
[settings]
user_agent = "minutes-pipeline/0.1 (+mailto:tests@example.org)"
raw_dir = "{raw_dir}"
delay_seconds = 0.01
timeout_seconds = {TIMEOUT_SECONDS}
max_seconds = 10
retries = 1
backoff_seconds = 0.05
max_file_mb = {CAP_MB}
max_depth = {max_depth}

[[source]]
name = "testkommune"
municipality = "Testkommune"
kind = "http"
index_url = "{site.base}/minutes/"
link_pattern = '\\.pdf$'
next_pattern = '[?&]page=\\d+'
{extra}
""", encoding="utf-8")
    return path


def minutes_command() -> list[str]:
    script = Path(sys.executable).with_name("minutes")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


def run_minutes(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*minutes_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
