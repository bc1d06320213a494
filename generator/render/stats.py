"""Figures for /stats/: counts per stage, topic, county, township and year, and
the people who benefit, each laid out as a horizontal bar chart. Pure.

Only numbers and geometry are made here; the theme draws the SVG
(partials/bar_chart.html) and the text table beside it, so a site can restyle
or translate charts without touching Python.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from generator.core import urls

if TYPE_CHECKING:
    from generator.source.model import Site
    from generator.source.places import Place
    from generator.site.taxonomy import Index

# Chart geometry in SVG user units: a label line above each bar, the value after it.
WIDTH = 400
ROW = 50             # height of one label + bar row
LABEL_BASELINE = 18  # label text baseline within a row
BAR_TOP = 25
BAR_HEIGHT = 17
VALUE_ROOM = 56      # space kept right of the longest bar for its value
PAD_BOTTOM = 4


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    url: str = ""        # site-relative page the row stands for ("" for none)
    anchor: str = ""     # fragment within that page
    group: str = ""      # e.g. the county of a township, shown in the table
    key: str = ""        # e.g. the stage key, for per-bar styling
    y: float = 0.0       # top of the row
    width: float = 0.0   # bar length
    share: float = 0.0   # value / total, 0..1

    @property
    def percent(self) -> int:
        """The share in whole percent, halves rounded up (so 12.5 shows as 13)."""
        return int(self.share * 100 + 0.5)


@dataclass(frozen=True, slots=True)
class Chart:
    key: str             # stable id: "stage", "topic", "county", "township", "year", "beneficiaries"
    bars: tuple[Bar, ...]
    total: int
    width: int = WIDTH
    height: int = 0

    label_y = LABEL_BASELINE
    bar_y = BAR_TOP
    bar_height = BAR_HEIGHT
    value_y = BAR_TOP + BAR_HEIGHT - 3
    bar_room = WIDTH - VALUE_ROOM

    @property
    def empty(self) -> bool:
        return not self.bars or self.total == 0


@dataclass(frozen=True, slots=True)
class Summary:
    cases: int
    resolved: int
    townships_with_cases: int
    townships: int
    beneficiaries: int
    cases_with_beneficiaries: int
    participants: int
    first_year: int | None
    last_year: int | None

    @property
    def resolved_percent(self) -> int:
        return round(100 * self.resolved / self.cases) if self.cases else 0


def lay_out(key: str, bars: list[Bar], base: int | None = None) -> Chart:
    """Place bars in rows and scale their lengths to the largest value.

    `share` is each value over `base` (default: the sum of the values); topics
    pass the number of cases, since one case may have several topics.
    """
    total = sum(b.value for b in bars)
    base = total if base is None else base
    top = max((b.value for b in bars), default=0)
    room = WIDTH - VALUE_ROOM
    placed = tuple(
        replace(b, y=i * ROW, width=round(room * b.value / top, 1) if top else 0.0,
                share=b.value / base if base else 0.0)
        for i, b in enumerate(bars))
    return Chart(key, placed, total, WIDTH, len(placed) * ROW + PAD_BOTTOM)


def summary(site: Site, index: Index) -> Summary:
    years = sorted(index.by_year)
    with_numbers = [c.beneficiaries for c in site.cases if c.beneficiaries is not None]
    return Summary(
        cases=len(site.cases),
        resolved=len(index.by_stage.get("resolved", ())),
        townships_with_cases=sum(1 for t in site.places.townships() if index.by_township.get(t.slug)),
        townships=len(site.places.townships()),
        beneficiaries=sum(with_numbers),
        cases_with_beneficiaries=len(with_numbers),
        participants=sum(c.participants or 0 for c in site.cases),
        first_year=years[0] if years else None,
        last_year=years[-1] if years else None,
    )


def by_stage(site: Site, index: Index) -> Chart:
    return lay_out("stage", [Bar(s.label, len(index.by_stage.get(s.key, ())), urls.stage(s.key), key=s.key)
                             for s in site.config.stages])


def by_topic(site: Site, index: Index) -> Chart:
    bars = [Bar(t.name, len(index.by_topic.get(t.slug, ())), urls.topic(t.slug)) for t in site.topics]
    return lay_out("topic", _largest_first(bars), base=len(site.cases))


def by_county(site: Site, index: Index) -> Chart:
    bars = []
    for county in site.places.counties():
        count = sum(len(index.by_township.get(t.slug, ())) for t in _townships_of(site, county.path))
        bars.append(Bar(county.name, count, "townships/", anchor=county.slug,
                        group=county.path[-2] if len(county.path) > 1 else ""))
    return lay_out("county", _largest_first(bars))


def by_township(site: Site, index: Index) -> Chart:
    """Townships that have cases; the others are counted in the page text."""
    bars = [Bar(t.name, len(index.by_township.get(t.slug, ())), urls.township(t.slug), group=t.path[-2])
            for t in site.places.townships() if index.by_township.get(t.slug)]
    return lay_out("township", _largest_first(bars))


def by_year(site: Site, index: Index) -> Chart:
    """Every year from the first case to the last, empty years included, oldest first."""
    if not index.by_year:
        return lay_out("year", [])
    first, last = min(index.by_year), max(index.by_year)
    return lay_out("year", [Bar(str(y), len(index.by_year.get(y, ()))) for y in range(first, last + 1)])


def beneficiaries_by_township(site: Site, index: Index) -> Chart:
    totals: dict[str, int] = {}
    for case in site.cases:
        if case.beneficiaries:
            totals[case.township] = totals.get(case.township, 0) + case.beneficiaries
    bars = [Bar(t.name, totals[t.slug], urls.township(t.slug), group=t.path[-2])
            for t in site.places.townships() if t.slug in totals]
    return lay_out("beneficiaries", _largest_first(bars))


def all_charts(site: Site, index: Index) -> list[Chart]:
    """Every chart of the stats page, in page order."""
    return [by_stage(site, index), by_topic(site, index), by_county(site, index), by_township(site, index),
            by_year(site, index), beneficiaries_by_township(site, index)]


def _largest_first(bars: list[Bar]) -> list[Bar]:
    """Largest value first; ties keep the order of places.yaml / topics.yaml (sort is stable)."""
    return sorted(bars, key=lambda b: -b.value)


def _townships_of(site: Site, county_path: tuple[str, ...]) -> list[Place]:
    return [t for t in site.places.townships() if t.path[:-1] == county_path]
