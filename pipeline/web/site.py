"""The journalist's pages: case timelines, committees, members, meetings, the latest news, and their Atom feeds.

Stable URLs (every path segment percent-encoded):
  /seneste                          latest meetings and decisions
  /udvalg                           every committee
  /udvalg/<kommune>/<udvalg>        a committee: meetings by date with items and outcomes, members, attendance
  /sag/<sagsnummer>                 every appearance of a case across committees, oldest first
  /medlem/<member_id>               a member: committees, meetings attended and missed, votes and dissents
  /moede/<meeting_id>               the meeting as published, item by item
  /feed/...                         Atom for any of the above, and /feed/soeg?q=… for a search with its filters
"""
from __future__ import annotations

from urllib.parse import unquote, urlencode

from pipeline.warehouse import queries
from pipeline.web.feeds import FeedEntry, atom_feed
from pipeline.web.html import OUTCOME_LABELS, VOTE_LABELS, esc, layout, url_part

COMMITTEE_PAGE_SIZE = 20
MEMBER_VOTES_PAGE_SIZE = 50
NO_MUNICIPALITY = "_"  # path segment for a committee whose municipality the minutes did not print


# ---------------------------------------------------------------- URLs
def item_url(item_id: str) -> str:
    return f"/item/{url_part(item_id)}"


def pdf_url(doc_id: str, page: int | None) -> str:
    return f"/pdf/{url_part(doc_id)}#page={int(page or 1)}"


def case_url(case_number: str) -> str:
    return f"/sag/{url_part(case_number)}"


def committee_url(municipality: str | None, committee: str) -> str:
    return f"/udvalg/{url_part(municipality or NO_MUNICIPALITY)}/{url_part(committee)}"


def member_url(member_id: str) -> str:
    return f"/medlem/{url_part(member_id)}"


def meeting_url(meeting_id: str) -> str:
    return f"/moede/{url_part(meeting_id)}"


# ---------------------------------------------------------------- pieces
def _date(value) -> str:
    return value.isoformat() if value else "uden dato"


def _outcome(outcome: str | None) -> str:
    if not outcome:
        return ""
    return f"<span class='outcome'>{esc(OUTCOME_LABELS.get(outcome, outcome))}</span>"


def _votes(item: queries.ItemRow) -> str:
    parts = []
    for side, names in (("for", item.votes_for), ("against", item.votes_against), ("abstain", item.votes_abstain)):
        if names:
            css = " class='dissent'" if side != "for" else ""
            parts.append(f"<span{css}>{VOTE_LABELS[side]}: {esc(', '.join(names))}</span>")
    return f"<div class='meta'>Afstemning: {' · '.join(parts)}</div>" if parts else ""


def _item_line(item: queries.ItemRow, with_meeting: bool = True) -> str:
    """One item in a list: number, title (link), meeting, outcome, case link, PDF page link."""
    meta = []
    if with_meeting:
        meta.append(f"<a href='{esc(committee_url(item.municipality, item.committee or ''))}'>{esc(item.committee)}</a>"
                    if item.committee else "")
        meta.append(f"<a href='{esc(meeting_url(item.meeting_id))}'>{esc(_date(item.meeting_date))}</a>")
    if item.outcome and item.outcome != "none":
        meta.append(_outcome(item.outcome))
    if item.case_number:
        meta.append(f"sag <a href='{esc(case_url(item.case_number))}'>{esc(item.case_number)}</a>")
    meta.append(f"<a href='{esc(pdf_url(item.doc_id, item.first_page))}'>PDF s. {esc(item.first_page)}</a>")
    number = f"{esc(item.number)}. " if item.number is not None else ""
    return (f"<li>{number}<a href='{esc(item_url(item.item_id))}'>{esc(item.title)}</a>"
            f"<div class='meta'>{' · '.join(m for m in meta if m)}</div>{_votes(item)}</li>")


def _feed_link(path: str) -> str:
    return f"<p class='feed'><a href='{esc(path)}'>Følg med (Atom-feed)</a></p>"


def _pager(base: str, offset: int, size: int, total: int, params: dict | None = None) -> str:
    links = []
    for label, target in (("« nyere", offset - size), ("ældre »", offset + size)):
        if 0 <= target < total:
            links.append(f"<a href='{esc(base)}?{esc(urlencode({**(params or {}), 'fra': target}))}'>{label}</a>")
    return f"<nav class='pages'>{' '.join(links)}</nav>" if links else ""


def _offset(params: dict) -> int:
    """The `fra` paging parameter, bounded (a huge or negative number is a bad request, not a crash)."""
    value = int(params.get("fra") or 0)
    if not 0 <= value <= 10_000_000:
        raise ValueError("fra")
    return value


# ---------------------------------------------------------------- pages
def latest_html(cur) -> str:
    """The newest meetings and decisions (start page and /seneste)."""
    meetings = queries.latest_meetings(cur, 10)
    decisions = queries.latest_decisions(cur, 10)
    parts = ["<h2>Seneste møder</h2><ul class='items'>"]
    parts += [f"<li><a href='{esc(meeting_url(m.meeting_id))}'>{esc(m.committee or m.source_file)}, "
              f"{esc(_date(m.meeting_date))}</a> <span class='meta'>{esc(m.document_type)} · {m.items} punkter</span></li>"
              for m in meetings]
    parts.append("</ul><h2>Seneste beslutninger</h2><ul class='items'>")
    parts += [_item_line(item) for item in decisions]
    parts.append("</ul>")
    return "".join(parts)


def latest_page(cur) -> str:
    return layout("Seneste møder og beslutninger", "<h1>Seneste møder og beslutninger</h1>" + latest_html(cur))


def committees_page(cur) -> str:
    rows = queries.committees(cur)
    body = ["<h1>Udvalg</h1><ul class='items'>"]
    body += [f"<li><a href='{esc(committee_url(mun, com))}'>{esc(com)}</a> <span class='meta'>{esc(mun)} · {n} møder</span></li>"
             for mun, com, n in rows]
    body.append("</ul>")
    return layout("Udvalg", "".join(body))


def case_page(cur, case_number: str) -> str | None:
    steps = queries.case_timeline(cur, case_number)
    if not steps:
        return None
    committees = sorted({s.committee for s in steps if s.committee})
    body = [f"<h1>Sag {esc(case_number)}</h1>",
            f"<p class='meta'>{len(steps)} behandlinger i {len(committees)} udvalg · "
            f"{esc(_date(steps[0].meeting_date))} – {esc(_date(steps[-1].meeting_date))}</p>",
            _feed_link(f"/feed{case_url(case_number)}"), "<ol class='timeline'>"]
    for step in steps:
        body.append(
            f"<li><div><strong>{esc(_date(step.meeting_date))}</strong> · "
            f"<a href='{esc(committee_url(step.municipality, step.committee or ''))}'>{esc(step.committee)}</a> · "
            f"<a href='{esc(meeting_url(step.meeting_id))}'>møde</a> · {esc(step.document_type)}</div>"
            f"<div>punkt {esc(step.number)}: <a href='{esc(item_url(step.item_id))}'>{esc(step.title)}</a></div>"
            + (f"<div class='section'><h3>Indstilling</h3><p>{esc(step.recommendation)}</p></div>" if step.recommendation else "")
            + (f"<div class='section'><h3>Beslutning {_outcome(step.outcome)}</h3><p>{esc(step.decision)}</p></div>"
               if step.decision else "")
            + _votes(step)
            + f"<div class='meta'><a href='{esc(pdf_url(step.doc_id, step.first_page))}'>PDF side {esc(step.first_page)}</a></div></li>")
    body.append("</ol>")
    return layout(f"Sag {esc(case_number)}", "".join(body), f"/feed{case_url(case_number)}")


def committee_page(cur, municipality: str | None, committee: str, offset: int) -> str | None:
    page = queries.committee_page(cur, municipality, committee, COMMITTEE_PAGE_SIZE, offset)
    if page is None:
        return None
    own_url = committee_url(municipality, committee)
    rate = f"{page.attendance_rate:.0%}" if page.attendance_rate is not None else "ukendt"
    body = [f"<h1>{esc(committee)}</h1>",
            f"<p class='meta'>{esc(municipality)} · {page.meeting_count} møder · fremmøde {esc(rate)} på de viste møder</p>",
            _feed_link(f"/feed{own_url}")]
    if page.members:
        body.append("<h2>Medlemmer (de viste møder)</h2><p>" + ", ".join(
            f"<a href='{esc(member_url(mid))}'>{esc(name)}</a>" for mid, name, _ in page.members) + "</p>")
    body.append("<h2>Møder</h2>")
    for meeting in page.meetings:
        body.append(f"<h3><a href='{esc(meeting_url(meeting.meeting_id))}'>{esc(_date(meeting.meeting_date))}"
                    + (f" kl. {esc(meeting.start_time)}" if meeting.start_time else "")
                    + f"</a> <span class='meta'>{esc(meeting.document_type)}</span></h3><ul class='items'>")
        body += [_item_line(item, with_meeting=False) for item in page.items_by_meeting.get(meeting.meeting_id, [])]
        body.append("</ul>")
    body.append(_pager(own_url, offset, COMMITTEE_PAGE_SIZE, page.meeting_count))
    return layout(esc(committee), "".join(body), f"/feed{own_url}")


def member_page(cur, member_id: str, offset: int) -> str | None:
    page = queries.member_page(cur, member_id, MEMBER_VOTES_PAGE_SIZE, offset)
    if page is None:
        return None
    own_url = member_url(member_id)
    body = [f"<h1>{esc(page.name)}</h1>",
            "<p class='meta'>" + (f"parti {esc(page.party)} · " if page.party else "")
            + f"deltog i {page.attended} møder · fraværende fra {page.missed}</p>"]
    if len(page.spellings) > 1:
        body.append(f"<p class='meta'>Stavemåder: {esc(', '.join(page.spellings))}</p>")
    body.append(_feed_link(f"/feed{own_url}"))
    body.append("<h2>Udvalg</h2><ul class='items'>" + "".join(
        f"<li><a href='{esc(committee_url(mun, com))}'>{esc(com)}</a> <span class='meta'>{n} møder</span></li>"
        for mun, com, n in page.committees) + "</ul>")
    if page.missed_meetings:
        body.append("<h2>Fravær</h2><ul class='items'>" + "".join(
            f"<li><a href='{esc(meeting_url(m.meeting_id))}'>{esc(m.committee)}, {esc(_date(m.meeting_date))}</a></li>"
            for m in page.missed_meetings) + "</ul>")
    who = f"{page.name}" + (f" eller parti {page.party}" if page.party else "")
    body.append(f"<h2>Afstemninger og dissenser</h2><p class='meta'>{page.vote_count} beslutninger nævner {esc(who)}</p>"
                "<ul class='items'>")
    for side, item in page.votes:
        css = " class='dissent'" if side != "for" else ""
        body.append(_item_line(item).replace("<li>", f"<li><span{css}>{VOTE_LABELS[side]}</span> · ", 1))
    body.append("</ul>" + _pager(own_url, offset, MEMBER_VOTES_PAGE_SIZE, page.vote_count))
    return layout(esc(page.name), "".join(body), f"/feed{own_url}")


def meeting_page(cur, meeting_id: str) -> str | None:
    page = queries.meeting_page(cur, meeting_id)
    if page is None:
        return None
    m = page.meeting
    when = _date(m.meeting_date) + (f" kl. {m.start_time}" if m.start_time else "") + (f"–{m.end_time}" if m.end_time else "")
    body = [f"<h1>{esc(m.committee or m.source_file)}, {esc(_date(m.meeting_date))}</h1>",
            f"<p class='meta'>{esc(m.municipality)} · {esc(m.document_type)} · {esc(when)}"
            + (f" · {esc(m.location)}" if m.location else "") + "</p>",
            f"<p><a id='pdf-link' href='{esc(pdf_url(m.doc_id, 1))}'>Kilde: {esc(m.source_file)}</a>"
            + (f" · <a href='{esc(committee_url(m.municipality, m.committee))}'>alle møder i udvalget</a>" if m.committee else "")
            + "</p>"]
    if page.members:
        body.append("<h2>Deltagere</h2><p>" + ", ".join(
            f"<a href='{esc(member_url(mid))}'>{esc(name)}</a>" if mid else esc(name) for name, mid in page.members) + "</p>")
    if page.absent:
        body.append("<h2>Fraværende</h2><p>" + ", ".join(
            esc(name) + (f" ({esc(note)})" if note else "") for name, note in page.absent) + "</p>")
    body.append("<h2>Dagsorden</h2><ul class='items'>")
    body += [_item_line(item, with_meeting=False) for item in page.items]
    body.append("</ul>")
    if page.sources:
        body.append("<h2>Kilder</h2><ul id='sources'>" + "".join(_source_line(s) for s in page.sources) + "</ul>")
    return layout(esc(f"{m.committee or m.source_file} {_date(m.meeting_date)}"), "".join(body))


SOURCE_STATUS = {"current": "vist her", "source": "anden udgave af samme møde", "superseded": "erstattet af en nyere"}
SOURCE_CHANNEL = {"pdf": "PDF", "portal_json": "portaldata (FirstAgenda)"}


def _source_line(source: queries.SourceRow) -> str:
    """One version of the meeting: what it is, whether it is shown, and a link to it where there is one."""
    kind = ("tillægsdagsorden" if source.supplement else source.document_type) + ", " + \
        SOURCE_CHANNEL.get(source.channel, source.channel)
    if source.channel == "pdf" and source.status != "superseded":
        name = f"<a class='source-pdf' href='{esc(pdf_url(source.doc_id, 1))}'>{esc(source.source_file)}</a>"
    else:
        name = esc(source.source_file)
    portal = (f" · <a class='source-portal' href='{esc(source.portal_url)}'>portalen</a>"
              if source.portal_url and source.portal_url.startswith(("https://", "http://")) else "")
    seen = source.first_seen.strftime("%Y-%m-%d") if source.first_seen else ""
    return (f"<li>{name} <span class='meta'>({esc(kind)} · {esc(SOURCE_STATUS.get(source.status, source.status))}"
            f" · hentet {esc(seen)})</span>{portal}</li>")


def item_links_html(item: dict) -> str:
    """Navigation from an item page to its meeting, committee and case."""
    links = [f"<a href='{esc(meeting_url(item['meeting_id']))}'>Mødet</a>"]
    if item.get("committee"):
        links.append(f"<a href='{esc(committee_url(item.get('municipality'), item['committee']))}'>{esc(item['committee'])}</a>")
    if item.get("case_number"):
        links.append(f"<a href='{esc(case_url(item['case_number']))}'>Sagens forløb ({esc(item['case_number'])})</a>")
    return "<nav class='top'>" + "".join(links) + "</nav>"


def group_by_case(hits: list) -> list[tuple[object, list]]:
    """Search hits with the later hits of the same case folded under the first one (order kept)."""
    groups: list[tuple[object, list]] = []
    first_of_case: dict[str, list] = {}
    for hit in hits:
        case = getattr(hit, "case_number", None)
        if case and case in first_of_case:
            first_of_case[case].append(hit)
            continue
        others: list = []
        groups.append((hit, others))
        if case:
            first_of_case[case] = others
    return groups


# ---------------------------------------------------------------- feeds
def _entries(items: list[queries.ItemRow]) -> list[FeedEntry]:
    entries = []
    for item in items:
        summary = " · ".join(x for x in (
            item.committee, _date(item.meeting_date), OUTCOME_LABELS.get(item.outcome or "", "") if item.outcome else "",
            f"sag {item.case_number}" if item.case_number else "") if x)
        entries.append(FeedEntry(entry_id=f"urn:minutes:item:{item.item_id}", title=item.title,
                                 link=item_url(item.item_id), updated=item.ingested_at or item.meeting_date,
                                 summary=(summary + ("\n\n" + item.decision if item.decision else "")).strip()))
    return entries


def case_feed(cur, case_number: str, base_url: str) -> str | None:
    steps = queries.case_timeline(cur, case_number)
    if not steps:
        return None
    return atom_feed(f"urn:minutes:case:{case_number}", f"Sag {case_number}", base_url + case_url(case_number),
                     _entries(list(reversed(steps))), base_url)


def committee_feed(cur, municipality: str | None, committee: str, base_url: str) -> str | None:
    page = queries.committee_page(cur, municipality, committee, COMMITTEE_PAGE_SIZE, 0)
    if page is None:
        return None
    items = [item for meeting in page.meetings for item in page.items_by_meeting.get(meeting.meeting_id, [])]
    return atom_feed(f"urn:minutes:committee:{municipality}:{committee}", committee,
                     base_url + committee_url(municipality, committee), _entries(items), base_url)


def member_feed(cur, member_id: str, base_url: str) -> str | None:
    page = queries.member_page(cur, member_id, MEMBER_VOTES_PAGE_SIZE, 0)
    if page is None:
        return None
    return atom_feed(f"urn:minutes:member:{member_id}", page.name, base_url + member_url(member_id),
                     _entries([item for _, item in page.votes]), base_url)


def search_feed(cur, hit_ids: list[str], query: str, page_url: str, base_url: str) -> str:
    items = queries.items_by_id(cur, hit_ids)
    return atom_feed(f"urn:minutes:search:{page_url}", f"Søgning: {query or 'alle'}", base_url + page_url,
                     _entries(items), base_url)


# ---------------------------------------------------------------- routing
def _segments(path: str, prefix: str) -> list[str]:
    return [unquote(s) for s in path[len(prefix):].split("/")] if path.startswith(prefix) else []


def _committee_key(parts: list[str]) -> tuple[str | None, str] | None:
    if len(parts) != 2 or not parts[1]:
        return None
    return (None if parts[0] == NO_MUNICIPALITY else parts[0]), parts[1]


def render(cur, path: str, params: dict) -> tuple[str, str] | None:
    """(content type, body) for a site page or feed at `path`, None when the path names nothing (404).

    Raises ValueError for malformed parameters (the server answers 400)."""
    feed = path.startswith("/feed/")
    route = path[len("/feed"):] if feed else path
    base_url = params.get("_base", "")
    body: str | None = None
    if route in ("/seneste", "/seneste/") and not feed:
        body = latest_page(cur)
    elif route in ("/udvalg", "/udvalg/") and not feed:
        body = committees_page(cur)
    elif route.startswith("/udvalg/"):
        key = _committee_key(_segments(route, "/udvalg/"))
        if key:
            body = committee_feed(cur, *key, base_url) if feed else committee_page(cur, *key, _offset(params))
    elif route.startswith("/sag/"):
        case = unquote(route[len("/sag/"):])
        body = case_feed(cur, case, base_url) if feed else case_page(cur, case)
    elif route.startswith("/medlem/"):
        member = unquote(route[len("/medlem/"):])
        body = member_feed(cur, member, base_url) if feed else member_page(cur, member, _offset(params))
    elif route.startswith("/moede/") and not feed:
        body = meeting_page(cur, unquote(route[len("/moede/"):]))
    if body is None:
        return None
    return ("application/atom+xml; charset=utf-8" if feed else "text/html; charset=utf-8"), body


