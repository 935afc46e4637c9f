"""The web site in a real browser (Debian's chromium driven by Playwright), plus hostile content."""
from __future__ import annotations

import shutil
import threading
import urllib.request
from urllib.parse import quote

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def base_url(search_db):
    from pipeline.web.server import make_server
    from pipeline.warehouse.db import connect

    con = connect(search_db, read_only=True)
    server = make_server(con, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    con.close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def test_search_item_and_pdf(page, base_url):
    page.goto(base_url + "/")
    page.fill("input[name=q]", "frivilligfest")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    first = page.locator(".hit").first
    assert "Frivilligfest" in first.locator("a.title").inner_text()
    assert first.locator(".snippet mark").count() >= 1
    first.locator("a.title").click()
    page.wait_for_selector("h1")
    assert "Frivilligfest for frivillige" in page.locator("h1").inner_text()
    assert page.locator("h2", has_text="Beslutning").count() == 1
    href = page.locator("#pdf-link").get_attribute("href")
    assert href.startswith("/pdf/") and "#page=" in href
    response = page.request.get(base_url + href.split("#")[0])
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"


def test_filters_and_correction_in_page(page, base_url):
    page.goto(base_url + "/?q=klimatilpasing&municipality=" + quote("Lyngby-Taarbæk Kommune"))
    assert "klimatilpasning" in page.locator(".corrected").inner_text()
    assert page.locator(".hit").count() == 1
    page.goto(base_url + "/?case=27.00")
    assert page.locator(".hit").count() == 2


def test_hostile_content_is_escaped(page, base_url):
    page.goto(base_url + "/")
    page.fill("input[name=q]", "O'Brien'; DROP TABLE agenda_items; --")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    title = page.locator(".hit a.title").first
    assert title.inner_text() == "Klage fra <script>alert(1)</script> O'Brien'; DROP TABLE agenda_items; --"
    assert page.locator("script").count() == 0
    title.click()
    page.wait_for_selector("h1")
    assert "<script>alert(1)</script>" in page.locator("h1").inner_text()
    assert page.locator("script").count() == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content()
    assert page.dialogs == []
    # the warehouse is intact and still searchable
    page.goto(base_url + "/?q=frivilligfest")
    assert page.locator(".hit").count() >= 1


def test_http_errors_and_api(base_url):
    import json

    with urllib.request.urlopen(base_url + "/api/search?q=" + quote("pårørendepolitik") + "&limit=2") as r:
        data = json.load(r)
    assert data["hits"][0]["title"] == "Godkendelse af Pårørendepolitik"
    for path in ("/item/nope", "/pdf/nope", "/nothing"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base_url + path)
        assert err.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(base_url + "/?q=x&from=notadate")
    assert err.value.code == 400
