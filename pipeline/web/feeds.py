"""Atom 1.0 feeds (RFC 4287), written with the standard library's ElementTree so every value is escaped."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


@dataclass
class FeedEntry:
    entry_id: str  # a stable IRI, e.g. urn:minutes:item:<item_id>
    title: str
    link: str  # absolute, or a path resolved against the feed's base URL
    updated: dt.datetime | dt.date | None
    summary: str = ""


def _timestamp(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        value = dt.datetime(1970, 1, 1)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat(timespec="seconds")


def _text(parent: ET.Element, tag: str, text: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = text
    return element


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters (a PDF's text may): drop them."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def atom_feed(feed_id: str, title: str, page_url: str, entries: list[FeedEntry], base_url: str = "") -> str:
    """An Atom document: the feed's id, title, self/alternate links and one <entry> per FeedEntry."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", _clean(feed_id))
    _text(feed, "title", _clean(title))
    updated = max((_timestamp(e.updated) for e in entries), default=_timestamp(None))
    _text(feed, "updated", updated)
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": page_url})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "minutes")
    for entry in entries:
        node = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(node, "id", _clean(entry.entry_id))
        _text(node, "title", _clean(entry.title))
        _text(node, "updated", _timestamp(entry.updated))
        link = entry.link if "://" in entry.link else base_url + entry.link
        ET.SubElement(node, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": link})
        if entry.summary:
            _text(node, "summary", _clean(entry.summary))
    return "<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(feed, encoding="unicode")
