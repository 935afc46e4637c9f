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


@pytest.fixture(scope="module")
def greve_url(greve_db):
    from pipeline.web.server import make_server

    server = make_server(greve_db, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_case_number_typed_into_the_box(page, greve_url):
    page.goto(greve_url + "/")
    page.fill("input[name=q]", "22-013125")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    cases = page.locator(".hit .case").all_inner_texts()
    assert cases and set(cases) == {"22-013125"}
    assert page.locator("#total").inner_text().startswith(f"{len(cases)} ")


def test_snippet_links_to_its_page_and_facets_filter(page, greve_url):
    import json

    page.goto(greve_url + "/?q=" + quote("Mosede Fort"))
    first = page.locator(".hit").first
    href = first.locator("a.pdf").get_attribute("href")
    cited = int(first.locator("a.pdf .page").inner_text())
    assert href.endswith(f"#page={cited}")
    with urllib.request.urlopen(greve_url + "/api/search?q=" + quote("Mosede Fort") + "&limit=1") as r:
        assert json.load(r)["hits"][0]["snippet_page"] == cited
    assert first.locator(".snippet mark").count() >= 1
    response = page.request.get(greve_url + href.split("#")[0])
    assert response.status == 200 and response.body()[:5] == b"%PDF-"
    # facets: counts for the current query; a click filters to exactly that many
    page.goto(greve_url + "/?q=lokalplan")
    total = int(page.locator("#total").inner_text().split()[0])
    facet = page.locator("#facet-committee li").first
    count = int(facet.locator(".count").inner_text())
    counts = [int(c) for c in page.locator("#facet-committee .count").all_inner_texts()]
    assert sum(counts) == total
    facet.locator("a").click()
    page.wait_for_selector("#total")
    assert int(page.locator("#total").inner_text().split()[0]) == count


def test_errors_in_the_browser(page, greve_url):
    response = page.goto(greve_url + "/api/search?q=budget&page=99999999999999999999999")
    assert response.status == 400 and response.headers["content-type"].startswith("application/json")
    assert response.json()["status"] == 400
    response = page.goto(greve_url + "/?q=budget&page=99999999999999999999999")
    assert response.status == 400 and "helt tal" in page.locator("h1").inner_text()
    page.goto(greve_url + "/?q=skolereform")
    assert page.locator("#total").inner_text().startswith("0 ")
    page.goto(greve_url + "/?q=klimatlpasnig")
    assert "klimatilpasning" in page.locator(".suggestion").inner_text()
