"""Atom feeds: the whole site, per township, per topic, per stage and per township and stage. Pure.

A stage feed lists cases by the day they entered the stage, newest first, so
"newly resolved in 凉泉乡" is the top of townships/SLUG/stages/resolved/feed.xml.

No build time in the output: a feed's `updated` is its newest entry's date.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Protocol

from generator.core import urls

if TYPE_CHECKING:
    from generator.site.lifecycle import Tracker
    from generator.site.media import Views
    from generator.site.taxonomy import Index
    from generator.source.model import Case, Report, Page, Site


class FeedSource(Protocol):
    """What a feed is made from: the renderer (render/renderer.py) is one; feeds do not import it."""
    site: Site
    index: Index
    tracker: Tracker
    townships: dict[str, Any]
    topics: dict[str, Any]
    media: Views
    site_updated: str   # site_updated(index), made once: an empty feed's date

    def cases(self, slugs: tuple[str, ...] | list[str]) -> list[Case]: ...

    def body_html(self, doc: Case | Report | Page, root: str, absolute: bool = False) -> str: ...

EMPTY_FEED_UPDATED = "2000-01-01T00:00:00+00:00"   # a site with nothing published yet


def site_updated(index: Index) -> str:
    """When the site last changed: its newest case change or report (what an empty feed is dated)."""
    return index.newest_change.isoformat() if index.newest_change is not None else EMPTY_FEED_UPDATED


def _report_entry(renderer: FeedSource, report: Report, updated: dt.datetime) -> dict[str, Any]:
    base = renderer.site.base_url
    return {"title": report.title, "url": base + urls.report(report.slug), "published": report.when.moment.isoformat(),
            "updated": updated.isoformat(), "content": xml_text(renderer.body_html(report, base, absolute=True)),
            "categories": [(name, name) for name in report.categories], "summary": None, "cover": None}
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (they would make the feed invalid)."""
    return _XML_ILLEGAL.sub("", text)


def distinct_moments(moments: list[dt.datetime]) -> list[dt.datetime]:
    """The moments in order, each later one that repeats an earlier one moved on by whole seconds.

    Case dates are days or months, so many entries of a feed share one; feed readers
    and validators take two entries with one `updated` for a mistake. The shift is a
    few seconds at most and depends only on the feed's entries, so output stays stable.
    """
    taken: set[dt.datetime] = set()
    result = []
    for moment in moments:
        while moment in taken:
            moment += dt.timedelta(seconds=1)
        taken.add(moment)
        result.append(moment)
    return result


def feed_context(renderer: FeedSource, scope: str, slug: str, stage_key: str = "") -> tuple[str, dict[str, Any]]:
    site, index = renderer.site, renderer.index
    base = site.base_url
    if scope == "stage":
        slugs = renderer.tracker.newest_in_stage(index.by_stage.get(slug, ()))
        title, alternate, path = f"{site.config.title} · {site.config.stage(slug).label}", urls.stage(slug), f"stages/{slug}/feed.xml"
    elif scope == "township_stage":
        place = renderer.townships[slug]
        slugs = renderer.tracker.newest_in_stage(index.in_township_at_stage(slug, stage_key))
        title = f"{site.config.title} · {place.name} · {site.config.stage(stage_key).label}"
        alternate, path = urls.township(slug), f"townships/{slug}/stages/{stage_key}/feed.xml"
    elif scope == "township":
        place = renderer.townships[slug]
        slugs = index.by_township.get(slug, ())
        title, alternate, path = f"{site.config.title} · {place.name}", urls.township(slug), f"townships/{slug}/feed.xml"
    elif scope == "topic":
        topic = renderer.topics[slug]
        slugs = index.by_topic.get(slug, ())
        title, alternate, path = f"{site.config.title} · {topic.name}", urls.topic(slug), f"topics/{slug}/feed.xml"
    else:
        slugs = tuple(c.slug for c in site.cases)
        title, alternate, path = site.config.title, "", "feed.xml"
    listed: list[Case | Report] = list(renderer.cases(slugs[: site.config.feed_limit]))
    if scope == "site":   # the news reports belong in the site's feed, by date among the cases
        # (newest first by date, as the site lists them; a stable sort keeps the cases' order among ties)
        listed = sorted(listed + list(site.reports[: site.config.feed_limit]), key=lambda d: d.when.moment, reverse=True)
        listed = listed[: site.config.feed_limit]
    entries = []
    for doc, updated in zip(listed, distinct_moments([d.last_changed for d in listed])):
        if doc.kind == "report":
            entries.append(_report_entry(renderer, doc, updated))   # type: ignore[arg-type]
            continue
        case: Case = doc   # type: ignore[assignment]
        entries.append({
            "title": case.title, "url": base + urls.case(case.slug), "published": case.when.moment.isoformat(),
            "updated": updated.isoformat(),
            # Stage feeds are notices (title, stage, outcome, link): 1,000 township × stage feeds with
            # full bodies cost 15 s more on 10,000 cases.
            "content": None if scope in ("stage", "township_stage") else xml_text(renderer.body_html(case, base, absolute=True)),
            "categories": [(case.township, renderer.townships[case.township].name)]
                          + [(renderer.topics[t].name, renderer.topics[t].name) for t in case.topics],
            "summary": site.config.stage(case.status).label + (f" · {case.outcome}" if case.outcome else ""),
            "cover": base + cover if (cover := renderer.media.cover(case)) else None,
        })
    # An empty feed is as new as the site: its render key (keys.py) reads the same date.
    newest = max((e["updated"] for e in entries), default=renderer.site_updated)
    return path, {"site": site.config, "xsl": urls.root_for(path) + "feed.xsl", "feed_title": title, "feed_url": base + path, "alternate": base + alternate,
                  "entries": entries, "updated": newest, "xml_text": xml_text, "base_url": base}
