"""Every page type in a real browser (Debian's chromium via Playwright) at desktop and phone width:
it renders, has no horizontal overflow, and the navigation between pages works by clicking."""
from __future__ import annotations

import shutil

import pytest

from pipeline.web import site

SHARED_CASE = "21-016074"  # Beskæftigelses- og Erhvervsudvalget -> Økonomiudvalget -> Byrådet, January 2022

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def page_paths(con) -> dict[str, str]:
    member = con.execute("""SELECT member_id FROM meeting_members WHERE member_id IS NOT NULL
                            GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""").fetchone()[0]
    meeting, item = con.execute("SELECT meeting_id, item_id FROM agenda_items WHERE case_number = ? LIMIT 1",
                                [SHARED_CASE]).fetchone()
    municipality, committee = con.execute("SELECT municipality, committee FROM meetings WHERE meeting_id = ?",
                                          [meeting]).fetchone()
    return {"start": "/", "latest": "/seneste", "case": site.case_url(SHARED_CASE),
            "committee": site.committee_url(municipality, committee), "member": site.member_url(member),
            "meeting": site.meeting_url(meeting), "item": f"/item/{item}", "search": "/?q=budget"}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_type_renders_without_horizontal_overflow(browser, site_url, site_con, width, tmp_path):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        for name, path in page_paths(site_con).items():
            response = page.goto(site_url + path)
            assert response.status == 200, name
            assert page.locator("h1").count() >= 1, name
            shot = tmp_path / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 5_000, name  # a real rendering, not a blank page
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} overflows by {overflow}px at {width}px"
    finally:
        context.close()


def test_navigation_item_to_case_to_committee_to_member(browser, site_url, site_con):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(site_url + page_paths(site_con)["item"])
        page.click(f"a[href='{site.case_url(SHARED_CASE)}']")
        page.wait_for_url("**/sag/**")
        assert page.locator("ol.timeline > li").count() == 3
        page.locator("ol.timeline > li").last.locator("a[href^='/udvalg/']").click()
        page.wait_for_url("**/udvalg/**")
        assert "fremmøde" in page.inner_text("p.meta")
        page.locator("a[href^='/medlem/']").first.click()
        page.wait_for_url("**/medlem/**")
        assert "deltog i" in page.inner_text("body")
        assert page.locator("a[href^='/feed/medlem/']").count() == 1
    finally:
        context.close()
