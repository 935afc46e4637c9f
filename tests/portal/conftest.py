"""Portal tests: fixture paths and a local replay server for recorded FirstAgenda API responses (127.0.0.1 only)."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest



@dataclass
class Replay:
    """path -> (status, body, etag or None); every request is logged with its conditional headers."""
    routes: dict[str, tuple[int, bytes, str | None]] = field(default_factory=dict)
    hits: list[tuple[str, str | None, int]] = field(default_factory=list)  # (path, If-None-Match, status)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, path: str, body: bytes, status: int = 200, etag: bool = True) -> None:
        self.routes[path] = (status, body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"' if etag else None)

    def statuses(self, path: str) -> list[int]:
        return [status for p, _, status in self.hits if p == path]


class _Handler(BaseHTTPRequestHandler):
    replay: Replay

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        status, body, etag = self.replay.routes.get(self.path, (404, b"not found", None))
        asked = self.headers.get("If-None-Match")
        if status == 200 and etag and asked == etag:
            status, body = 304, b""
        self.replay.hits.append((self.path, asked, status))
        self.send_response(status)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Type", "application/json; charset=utf-8" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


@pytest.fixture()
def replay():
    state = Replay()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"replay": state}))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
