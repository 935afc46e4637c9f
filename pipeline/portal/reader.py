"""One FirstAgenda meeting JSON (as the portal API `GET /api/agenda/dagsorden/{id}` returns it) -> Meeting.

The JSON gives the structure exactly (committee, date, place, participants, items with number, case number,
title, attachments); the case presentation of each item is HTML split by its <h3> headings. The Danish text in
those sections (decision outcome, votes, notes, absences, recommendation lead-in) is read by the same
components as PDFs, through pipeline.portal.danish.
"""
from __future__ import annotations

import json
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pipeline.model import Absence, ExtractedDocument, Item, Meeting, ParsedDocument, ParseWarning, Section
from pipeline.parse.checks import meeting_warnings
from pipeline.portal import danish
from pipeline.portal.html import BULLET, HtmlLine, HtmlSection, fold, html_sections

SOURCE_KIND = "portal_json"
ENGINE = "portal_json"  # documents.engine of a portal document (no PDF extraction engine ran)
MAX_JSON_BYTES = 50 * 1024 * 1024
BILAG_PDF_PATH = "/Vis/Pdf/bilag/{id}"  # the portal serves every document GUID as a PDF here
_CANCELLED = re.compile(r"\baflys", re.IGNORECASE)
_KOMMUNE = re.compile(r"\b([A-ZÆØÅ][a-zæøå]+(?:[- ][A-ZÆØÅ][a-zæøå]+)?)\s+Kommune\b")


class PortalFormatError(ValueError):
    """The file is not a readable FirstAgenda meeting; `reason` goes to ingest_errors."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass
class AttachmentLink:
    """Provenance of one attachment: its title as published and the portal URL of its PDF."""

    item_number: int | None
    title: str
    url: str | None


# --------------------------------------------------------------------------- decoding
def decode_meeting(data: bytes) -> dict:
    """Bytes -> the meeting object; PortalFormatError when it is not JSON or not a FirstAgenda meeting."""
    if not data.strip():
        raise PortalFormatError("empty", "the file is empty")
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PortalFormatError("malformed_json", f"not UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        raise PortalFormatError("malformed_json", f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(obj, dict) or not ({"Dagsordenpunkter", "Moede"} & set(obj)):
        raise PortalFormatError("not_portal_json", "no 'Moede' or 'Dagsordenpunkter' key: not a FirstAgenda meeting")
    for key, kind in (("Dagsordenpunkter", list), ("Moede", dict), ("Udvalg", dict)):
        if obj.get(key) is not None and not isinstance(obj[key], kind):
            raise PortalFormatError("not_portal_json", f"'{key}' is a {type(obj[key]).__name__}, not a {kind.__name__}")
    return obj


def _text(value: Any) -> str:
    return fold(str(value)) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _number(value: Any) -> int | None:
    match = re.fullmatch(r"\s*(\d{1,4})\.?\s*", str(value)) if value is not None else None
    return int(match.group(1)) if match else None


def _local_date_time(stamp: Any) -> tuple[str | None, str | None]:
    """'2022-01-10T08:00:00+01:00' -> ('2022-01-10', '08:00'): the portal's local wall-clock time as printed."""
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2}))?", str(stamp or ""))
    if not match:
        return None, None
    time = f"{match.group(2)}:{match.group(3)}" if match.group(2) else None
    return match.group(1), (None if time == "00:00" else time)


# --------------------------------------------------------------------------- municipality
def _ascii_key(name: str) -> str:
    """'Køge' -> 'koege', as Danish host names spell it."""
    low = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    low = unicodedata.normalize("NFKD", low).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", low)


def portal_hosts(obj: dict) -> list[str]:
    """Host names the meeting links to (attachment/presentation PDFs), most frequent first."""
    counts: dict[str, int] = {}
    for item in obj.get("Dagsordenpunkter") or []:
        for felt in (item.get("Felter") or []) if isinstance(item, dict) else []:
            if isinstance(felt, dict) and isinstance(felt.get("Link"), str):
                host = (urllib.parse.urlsplit(felt["Link"]).hostname or "").lower()
                if host:
                    counts[host] = counts.get(host, 0) + 1
    return sorted(counts, key=counts.get, reverse=True)


def infer_municipality(texts: list[str], hosts: list[str]) -> str | None:
    """'X Kommune' from the portal's domain (dagsordener.<kommune>.dk), spelled as the text spells it.

    The registered domain label says which municipality; its Danish spelling comes from an 'X Kommune' in the
    items' text (Køge, not koege). Without such a mention the label itself is used only when it cannot hide
    æ/ø/å (no 'ae', 'oe', 'aa'); otherwise None (say less rather than wrong).
    """
    named: dict[str, str] = {}
    for text in texts:
        for match in _KOMMUNE.finditer(text):
            named.setdefault(_ascii_key(match.group(1)), match.group(0))
    for host in hosts:
        labels = host.split(".")
        if len(labels) < 2 or not labels[-2].isalpha():
            continue
        label = labels[-2].lower()
        if label in named:
            return named[label]
        if not re.search(r"ae|oe|aa", label):
            return label.capitalize() + " Kommune"
    return None


# --------------------------------------------------------------------------- items
def _item_sections(item: dict) -> list[HtmlSection]:
    """The item's sections from every field (Felter) of its case presentation, in order."""
    out: list[HtmlSection] = []
    for felt in item.get("Felter") or []:
        if not isinstance(felt, dict):
            continue
        name = _text(felt.get("Navn")) or None
        html = felt.get("Html") if isinstance(felt.get("Html"), str) else None
        found = html_sections(html) if html else []
        if not found and _text(felt.get("Tekst")):
            lines = [HtmlLine(fold(t), False) for t in str(felt["Tekst"]).splitlines() if fold(t)]
            found = [HtmlSection(None, "\n".join(l.text for l in lines), lines)]
        if name and found and found[0].heading is None:
            found[0] = HtmlSection(name, found[0].text, found[0].lines)  # a named field is a section with that heading
        for section in found:
            out.extend(_split_at_line_headings(section))
    return out


def _split_at_line_headings(section: HtmlSection) -> list[HtmlSection]:
    """Headings printed as a bold paragraph (or a lone heading word) inside a section start their own section."""
    parts: list[HtmlSection] = [HtmlSection(section.heading, "", [])]
    for line in section.lines:
        heading = danish.line_heading(line.text, line.bold)
        enclosing = parts[-1].heading
        if heading and enclosing and danish.section_kind(heading) == danish.section_kind(enclosing):
            heading = None  # 'Økonomiudvalgets beslutning:' under 'Beslutning' is part of the decision
        if heading:
            parts.append(HtmlSection(heading, "", []))
        else:
            parts[-1].lines.append(line)
    if len(parts) == 1:
        return [section]
    for part in parts:
        part.text = "\n".join(line.text for line in part.lines)
    return [p for p in parts if p.heading is not None or p.text]


def _flat(text: str) -> str:
    """Section text as one paragraph: bullets dropped, whitespace folded (GOLD_FORMAT)."""
    return fold(text.replace(BULLET, " "))


def attachment_url(base: str | None, attachment_id: Any) -> str | None:
    if not base or not isinstance(attachment_id, str) or not re.fullmatch(r"[0-9A-Fa-f-]{8,64}", attachment_id):
        return None
    return base.rstrip("/") + BILAG_PDF_PATH.format(id=attachment_id)


def _attachments(item: dict, base: str | None) -> list[tuple[str, str | None]]:
    entries = [b for b in item.get("Bilag") or [] if isinstance(b, dict) and _text(b.get("Navn"))]
    entries.sort(key=lambda b: b.get("Order") if isinstance(b.get("Order"), int) else 0)  # stable: ties keep order
    return [(_text(b["Navn"]), attachment_url(base, b.get("Id"))) for b in entries]


def read_item(raw: dict, position: int, members: list[str], finished: bool, base: str | None,
              nlp=None) -> Item:
    """One agenda item: sections by heading kind, recommendation, decision with its absence lines, attachments."""
    title = _text(raw.get("Navn")) or _text(raw.get("Caption"))
    number = _number(raw.get("Punktnummer"))
    if number is None:
        number = _number(raw.get("Number"))
    item = Item(number=number, title=title, position=position,
                case_number=danish.case_number(_text(raw.get("SagsNummer")) or _text(raw.get("CaseNumber"))),
                closed=danish.is_closed_title(title))
    raw_sections = _item_sections(raw)
    if raw_sections and all(s.heading is None for s in raw_sections) and finished:
        # a presentation without any heading in a finished meeting is the published decision alone
        # (closed items publish only that)
        raw_sections = [HtmlSection("Beslutning", "\n".join(s.text for s in raw_sections),
                                    [line for s in raw_sections for line in s.lines])]
    decision_section = None
    for order, raw_section in enumerate(raw_sections):
        kind = danish.section_kind(raw_section.heading) if raw_section.heading else "intro"
        if kind == "decision":
            if decision_section is None:
                decision_section = raw_section
            else:
                kind = "earlier_decision"
        if raw_section.heading is None and not raw_section.text:
            continue
        item.sections.append(Section(heading=raw_section.heading or "", kind=kind, text=raw_section.text,
                                     first_page=None, last_page=None, position=order))
    for section in item.sections:
        if section.kind == "recommendation" and section.text:
            item.recommendation = danish.recommendation_text(_flat(section.text)) or None
            break
    if decision_section is not None:
        kept, absent = danish.split_decision_absences(danish.clean_lines(decision_section.text), members)
        text = _flat(" ".join(kept)) or None
        decision = danish.read_decision(text, item.recommendation, nlp)
        decision.heading = decision_section.heading
        item.decision = decision
        item.absent = absent
    attachments = _attachments(raw, base)
    item.attachments = [title for title, _ in attachments]
    if attachments:  # provenance: each attachment's PDF link, kept with the item as an attachments section
        item.sections.append(Section(
            heading="Bilag", kind="attachments", first_page=None, last_page=None, position=len(raw_sections),
            text="\n".join(f"{title} <{url}>" if url else title for title, url in attachments)))
    return item


# --------------------------------------------------------------------------- meeting
def _participants(moede: dict) -> tuple[list[str], list[Absence]]:
    members, absent = [], []
    for person in moede.get("Moededeltagere") or []:
        if not isinstance(person, dict):
            continue
        name = _text(person.get("Name")) or _text(person.get("Navn"))
        if not name:
            continue
        members.append(name)
        if person.get("Absent") is True or person.get("ParticipationCancelled") is True:
            absent.append(Absence(name, None))
    return members, absent


def _document_type(moede: dict, items: list[Item]) -> str:
    """'referat' when the portal calls it minutes or any decision is published; else 'dagsorden'."""
    if "referat" in _text(moede.get("Navn")).lower() or any(i.decision and i.decision.text for i in items):
        return "referat"
    return "dagsorden"


def portal_base(hosts: list[str], api_url: str | None = None) -> str | None:
    """Scheme and host of the portal (from the API URL, else from the item PDF links)."""
    if api_url:
        parts = urllib.parse.urlsplit(api_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return f"https://{hosts[0]}" if hosts else None


def read_meeting(obj: dict, source_file: str, municipality: str | None = None, api_url: str | None = None,
                 nlp=None) -> Meeting:
    """The Meeting a decoded FirstAgenda meeting object describes (see decode_meeting)."""
    moede = obj.get("Moede") if isinstance(obj.get("Moede"), dict) else {}
    udvalg = obj.get("Udvalg") if isinstance(obj.get("Udvalg"), dict) else {}
    meeting = Meeting(source_file=source_file, committee=_text(udvalg.get("Navn")) or None)
    meeting.meeting_date, meeting.start_time = _local_date_time(moede.get("Dato") or moede.get("MeetingBeginUtc"))
    if moede.get("MeetingBeginUtc") and not meeting.start_time:
        meeting.start_time = _local_date_time(moede["MeetingBeginUtc"])[1]
    end_date, end_time = _local_date_time(moede.get("MeetingEndUtc"))
    meeting.end_time = end_time if end_date == meeting.meeting_date else None
    meeting.location = _text(moede.get("Sted")) or None
    meeting.members, meeting.absent = _participants(moede)
    finished = moede.get("Afsluttet") is True or "referat" in _text(moede.get("Navn")).lower()
    hosts = portal_hosts(obj)
    base = portal_base(hosts, api_url)
    raw_items = [i for i in obj.get("Dagsordenpunkter") or [] if isinstance(i, dict)]
    raw_items.sort(key=lambda i: i.get("Sorting") if isinstance(i.get("Sorting"), int) else 0)
    for position, raw in enumerate(raw_items):
        meeting.items.append(read_item(raw, position, meeting.members, finished, base, nlp))
    meeting.document_type = _document_type(moede, meeting.items)
    texts = [s.text for i in meeting.items for s in i.sections if s.kind != "attachments"]
    meeting.municipality = municipality or infer_municipality(texts, hosts)
    danish.resolve_attendance(meeting)
    _warnings(meeting, moede)
    return meeting


def _warnings(meeting: Meeting, moede: dict) -> None:
    warn = meeting.warnings.append
    if _CANCELLED.search(" ".join((_text(moede.get("Navn")), _text(moede.get("Description"))))):
        warn(ParseWarning("meeting_cancelled", "the portal marks this meeting as cancelled (aflyst)"))
    for item in meeting.items:
        if item.number is None:
            warn(ParseWarning("unnumbered_item", f"item '{item.title[:60]}' has no number"))
    meeting.warnings.extend(meeting_warnings(meeting, danish.lexicon()))


def attachment_links(obj: dict, api_url: str | None = None) -> list[AttachmentLink]:
    """Every attachment of the meeting with the URL of its PDF (provenance for the nightly job)."""
    base = portal_base(portal_hosts(obj), api_url)
    links = []
    for raw in obj.get("Dagsordenpunkter") or []:
        if isinstance(raw, dict):
            number = _number(raw.get("Punktnummer"))
            links.extend(AttachmentLink(number, title, url) for title, url in _attachments(raw, base))
    return links


# --------------------------------------------------------------------------- documents
def parsed_document(meeting: Meeting, source_file: str, sha256: str) -> ParsedDocument:
    """The loader's input for a portal meeting: an ExtractedDocument without pages (no PDF was read)."""
    extracted = ExtractedDocument(source_file=source_file, sha256=sha256, pages=[], engine=ENGINE)
    extra = {"source_kind": SOURCE_KIND} if "source_kind" in {f.name for f in fields(ParsedDocument)} else {}
    return ParsedDocument(extracted, meeting, **extra)


def read_portal_file(path: Path, sha256: str, municipality: str | None = None, api_url: str | None = None,
                     nlp=None) -> ParsedDocument:
    """Read one meeting JSON file into a ParsedDocument; PortalFormatError for what cannot be read."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise PortalFormatError("too_large", f"{size} bytes > {MAX_JSON_BYTES}")
    obj = decode_meeting(path.read_bytes())
    meeting = read_meeting(obj, path.name, municipality, api_url, nlp)
    return parsed_document(meeting, path.name, sha256)


# --------------------------------------------------------------------------- ingest hooks
_SNIFF_BYTES = 64 * 1024
_PORTAL_KEYS = (b'"Dagsordenpunkter"', b'"Moede"')


def is_portal_candidate(path: Path) -> bool:
    """A .json file in a folder is taken for ingest when it looks like a portal meeting (its first 64 KB name
    'Dagsordenpunkter' or 'Moede'), so gold/metadata JSON lying beside PDFs is not mistaken for a meeting.
    Broken meeting files still qualify and are then recorded in ingest_errors."""
    if path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return True  # let the ingest record why it cannot be read
    return any(key in head for key in _PORTAL_KEYS)


def process_portal_file(path_text: str, sha256: str) -> tuple[str, ParsedDocument | None, str | None, str | None]:
    """pipeline.ingest.service.process_file for a meeting JSON (runs in a worker process). Never raises."""
    from pipeline.parse.nlp import load_pipeline

    try:
        return path_text, read_portal_file(Path(path_text), sha256, nlp=load_pipeline()), None, None
    except PortalFormatError as exc:
        return path_text, None, exc.reason, exc.detail
    except OSError as exc:
        return path_text, None, "unreadable", f"{exc.__class__.__name__}: {exc}"
    except MemoryError:  # the worker's memory limit: process_file records too_large
        raise
    except Exception as exc:  # a reader bug on one odd file must not stop the batch
        return path_text, None, "parse_failed", f"{exc.__class__.__name__}: {exc}"
