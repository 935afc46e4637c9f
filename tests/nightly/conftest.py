"""Fixtures of the nightly tests (the site and helpers live in nightly_support.py)."""
from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest

from nightly_support import Site, _Handler


@pytest.fixture(scope="module")
def site():
    state = Site()
    handler = type("Handler", (_Handler,), {"site": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
