"""A strict Atom 1.0 check for the feed tests: RFC 4287's rules plus the warnings the
W3C feed validator gives most often (two entries with one `updated`, a self link that
is not the feed's address). feedparser forgives all of these; this does not.

`problems(xml, url)` returns one line per problem; an empty list is a clean feed.
"""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import Counter

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
LINK_RELS = {"alternate", "related", "self", "enclosure", "via", "first", "last", "next", "previous", "license"}
TEXT_TYPES = {"text", "html", "xhtml"}


def _once(parent: ET.Element, name: str, where: str, out: list[str], required: bool = True) -> ET.Element | None:
    found = parent.findall(ATOM + name)
    if len(found) > 1:
        out.append(f"{where}: {len(found)} <{name}> elements, at most one allowed")
    if required and not found:
        out.append(f"{where}: no <{name}>")
    return found[0] if found else None


def _date(element: ET.Element | None, where: str, out: list[str]) -> dt.datetime | None:
    if element is None:
        return None
    text = (element.text or "").strip()
    if not RFC3339.match(text):
        out.append(f"{where}: <{element.tag.removeprefix(ATOM)}> {text!r} is not an RFC 3339 date-time")
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _text_construct(element: ET.Element | None, where: str, out: list[str]) -> None:
    if element is None:
        return
    kind = element.get("type", "text")
    if kind not in TEXT_TYPES:
        out.append(f"{where}: <{element.tag.removeprefix(ATOM)}> type {kind!r} is not text, html or xhtml")
    if kind != "xhtml" and not (element.text or "").strip():
        out.append(f"{where}: <{element.tag.removeprefix(ATOM)}> is empty")


def _links(parent: ET.Element, where: str, out: list[str]) -> list[ET.Element]:
    links = parent.findall(ATOM + "link")
    alternates: Counter[tuple[str | None, str | None]] = Counter()
    for link in links:
        rel = link.get("rel", "alternate")
        if not link.get("href"):
            out.append(f"{where}: a <link> without href")
        if rel not in LINK_RELS and not rel.startswith(("http://", "https://")):
            out.append(f"{where}: unregistered link relation {rel!r}")
        if rel == "alternate":
            alternates[(link.get("type"), link.get("hreflang"))] += 1
    for key, count in alternates.items():
        if count > 1:
            out.append(f"{where}: {count} alternate links with the same type and hreflang {key}")
    return links


def _absolute(value: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", value))


def problems(xml: bytes, url: str) -> list[str]:
    """Everything wrong with the Atom document `xml`, published at `url`."""
    out: list[str] = []
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag != ATOM + "feed":
        return [f"the root element is {root.tag}, not an Atom <feed>"]
    if not root.get(XML_LANG):
        out.append("feed: no xml:lang")
    feed_id = _once(root, "id", "feed", out)
    if feed_id is not None and not _absolute((feed_id.text or "").strip()):
        out.append(f"feed: <id> {feed_id.text!r} is not an absolute IRI")
    _text_construct(_once(root, "title", "feed", out), "feed", out)
    _text_construct(_once(root, "subtitle", "feed", out, required=False), "feed", out)
    feed_updated = _date(_once(root, "updated", "feed", out), "feed", out)
    selves = [link.get("href") for link in _links(root, "feed", out) if link.get("rel") == "self"]
    if selves != [url]:
        out.append(f"feed: self link {selves} is not the feed's own address {url}")
    feed_author = root.find(ATOM + "author") is not None
    for author in root.findall(ATOM + "author") + root.findall(f"{ATOM}entry/{ATOM}author"):
        if not (author.findtext(ATOM + "name") or "").strip():
            out.append("an <author> without a <name>")
    ids: Counter[str] = Counter()
    updates: Counter[dt.datetime] = Counter()
    for n, entry in enumerate(root.findall(ATOM + "entry"), 1):
        where = f"entry {n}"
        entry_id = _once(entry, "id", where, out)
        if entry_id is not None:
            ids[(entry_id.text or "").strip()] += 1
            if not _absolute((entry_id.text or "").strip()):
                out.append(f"{where}: <id> {entry_id.text!r} is not an absolute IRI")
        _text_construct(_once(entry, "title", where, out), where, out)
        updated = _date(_once(entry, "updated", where, out), where, out)
        published = _date(_once(entry, "published", where, out, required=False), where, out)
        if updated:
            updates[updated] += 1
            if feed_updated and updated > feed_updated:
                out.append(f"{where}: updated {updated.isoformat()} is later than the feed's {feed_updated}")
            if published and published > updated:
                out.append(f"{where}: published {published} is after updated {updated}")
        links = _links(entry, where, out)
        content = _once(entry, "content", where, out, required=False)
        summary = _once(entry, "summary", where, out, required=False)
        _text_construct(summary, where, out)
        if content is not None and content.get("type", "text") not in TEXT_TYPES:
            out.append(f"{where}: <content> type {content.get('type')!r} is not text, html or xhtml")
        if content is None and not any(link.get("rel", "alternate") == "alternate" for link in links):
            out.append(f"{where}: neither <content> nor an alternate link")
        if not feed_author and entry.find(ATOM + "author") is None:
            out.append(f"{where}: no <author>, and the feed has none")
        for category in entry.findall(ATOM + "category"):
            if not category.get("term"):
                out.append(f"{where}: a <category> without term")
    out += [f"{count} entries share the id {value}" for value, count in ids.items() if count > 1]
    out += [f"{count} entries share the updated value {value.isoformat()}" for value, count in updates.items() if count > 1]
    return out
