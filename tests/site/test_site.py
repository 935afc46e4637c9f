"""The journalist's site on real Greve 2022 meetings: case timeline, committee, member, meeting pages, feeds, watch."""
from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request

import feedparser
import pytest
from click.testing import CliRunner

from pipeline.web import site

SHARED_CASE = "21-016074"  # Beskæftigelses- og Erhvervsudvalget -> Økonomiudvalget -> Byrådet, January 2022


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode("utf-8")


def busiest_member(con) -> str:
    return con.execute("""SELECT member_id FROM meeting_members WHERE member_id IS NOT NULL
                          GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""").fetchone()[0]


def test_case_page_is_the_timeline_across_committees(site_url, site_con):
    status, _, body = get(site_url + site.case_url(SHARED_CASE))
    assert status == 200
    steps = re.findall(r"<li><div><strong>(\d{4}-\d{2}-\d{2})</strong> · <a [^>]*>([^<]+)</a>", body)
    # the case went Beskæftigelses- og Erhvervsudvalget -> Økonomiudvalget -> Byrådet in January 2022
    assert [date for date, _ in steps] == sorted(date for date, _ in steps)
    committees = [committee for _, committee in steps]
    assert len(set(committees)) == 3, committees
    assert "Økonomiudvalget" in committees and any(c.startswith("Byråd") for c in committees)
    expected = site_con.execute("SELECT count(*) FROM agenda_items WHERE case_number = ?", [SHARED_CASE]).fetchone()[0]
    assert len(steps) == expected
    assert body.count("/pdf/") >= expected  # every step links to its PDF page
    assert "Beslutning" in body and "Indstilling" in body


def test_search_results_group_and_link_the_case(site_url):
    status, _, body = get(site_url + "/?q=" + SHARED_CASE)
    assert status == 200
    assert site.case_url(SHARED_CASE) in body
    assert "behandlinger" in body


def test_committee_page_lists_meetings_members_and_attendance(site_url, site_con):
    municipality, committee = site_con.execute(
        "SELECT municipality, committee FROM meetings WHERE committee = 'Økonomiudvalget' LIMIT 1").fetchone()
    status, _, body = get(site_url + site.committee_url(municipality, committee))
    assert status == 200
    assert f"<h1>{committee}</h1>" in body
    assert re.search(r"fremmøde \d+%", body)
    items = site_con.execute("""SELECT count(*) FROM agenda_items JOIN meetings USING (meeting_id)
                                WHERE committee = ?""", [committee]).fetchone()[0]
    assert body.count("href='/item/") == items
    assert "/medlem/" in body


def test_member_page_counts_meetings_and_links_committees(site_url, site_con):
    member = busiest_member(site_con)
    name, = site_con.execute("SELECT name FROM members WHERE member_id = ?", [member]).fetchone()
    meetings = site_con.execute("SELECT count(DISTINCT meeting_id) FROM attendance WHERE member_id = ?",
                                [member]).fetchone()[0]
    status, _, body = get(site_url + site.member_url(member))
    assert status == 200
    assert name in body
    attended, missed = map(int, re.search(r"deltog i (\d+) møder · fraværende fra (\d+)", body).groups())
    assert attended + missed == meetings > 0
    assert "/udvalg/" in body


def test_meeting_page_shows_items_in_order_with_source(site_url, site_con):
    meeting_id, source = site_con.execute(
        "SELECT meeting_id, source_file FROM meetings ORDER BY meeting_date LIMIT 1").fetchone()
    numbers = [r[0] for r in site_con.execute(
        "SELECT number FROM agenda_items WHERE meeting_id = ? ORDER BY position", [meeting_id]).fetchall()]
    status, _, body = get(site_url + site.meeting_url(meeting_id))
    assert status == 200
    assert source in body and "id='pdf-link'" in body
    printed = [int(n) for n in re.findall(r"<li>(\d+)\. <a href='/item/", body)]
    assert printed == numbers


def test_item_page_navigates_to_meeting_committee_and_case(site_url, site_con):
    item_id, = site_con.execute("SELECT item_id FROM agenda_items WHERE case_number = ? LIMIT 1", [SHARED_CASE]).fetchone()
    status, _, body = get(site_url + f"/item/{item_id}")
    assert status == 200
    assert site.case_url(SHARED_CASE) in body and "/moede/" in body and "/udvalg/" in body


@pytest.mark.parametrize("path", ["/feed/sag/" + SHARED_CASE, "/feed/soeg?q=budget", "committee", "member"])
def test_feeds_are_valid_atom(site_url, site_con, path):
    if path == "committee":
        path = "/feed" + site.committee_url("Greve Kommune", "Økonomiudvalget")
    elif path == "member":
        path = "/feed" + site.member_url(busiest_member(site_con))
    status, content_type, body = get(site_url + path)
    assert status == 200 and content_type.startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title and feed.feed.id
    if "medlem" not in path:  # a member is named in votes only where the minutes name persons or their printed party
        assert feed.entries
    for entry in feed.entries[:3]:
        assert entry.id.startswith("urn:minutes:item:")
        assert get(entry.link)[0] == 200  # every entry links to a page that exists


def test_unknown_and_malformed_site_urls_answer_in_danish(site_url):
    for path, code in (("/sag/findes-ikke", 404), ("/medlem/x", 404), ("/moede/x", 404), ("/udvalg/a", 404),
                       ("/feed/sag/findes-ikke", 404), ("/udvalg/_/x?fra=-1", 400), ("/udvalg/_/x?fra=1e999", 400)):
        status, content_type, body = get(site_url + path)
        assert status == code, path
        assert content_type.startswith("text/html") and "Traceback" not in body
        assert "findes ikke" in body or "Ugyldig" in body


def test_watch_prints_what_is_new_for_saved_searches(site_db, tmp_path):
    from pipeline.cli import cli

    watches = tmp_path / "watches.toml"
    watches.write_text('[[watch]]\nname = "budget"\nquery = "budget"\n\n'
                       '[[watch]]\nname = "sagen"\ncase = "' + SHARED_CASE + '"\n', encoding="utf-8")
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    result = CliRunner().invoke(cli, ["watch", "--file", str(watches), "--since", yesterday, "--db", str(site_db)])
    assert result.exit_code == 0, result.output
    assert "== budget:" in result.output and "== sagen: 3 nye punkter" in result.output
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    result = CliRunner().invoke(cli, ["watch", "--file", str(watches), "--since", tomorrow, "--db", str(site_db)])
    assert result.exit_code == 0 and result.output == ""
    result = CliRunner().invoke(cli, ["watch", "--file", str(watches), "--name", "nope", "--since", yesterday,
                                      "--db", str(site_db)])
    assert result.exit_code != 0 and "no saved search named nope" in result.output
