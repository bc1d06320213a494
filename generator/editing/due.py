"""`bulletin due`: the staff's list of follow-ups that are late or due soon, most urgent first.

A case is listed when it is not resolved and its `follow_up` date is past or
falls within the next N days (a month date is due at the month's end, as on the
public /stages/overdue/ page). Today is the site's today, decided once.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from generator.build.load import load_site
from generator.editing.textfiles import text_table
from generator.site import lifecycle
from generator.source.config import BuildOptions
from generator.source.model import Site


@dataclass(frozen=True, slots=True)
class DueCase:
    path: str          # site-relative, to open in the editor
    slug: str
    title: str
    township: str      # county and township, e.g. 望江县凉泉乡
    stage: str         # the stage's label
    convener: str
    due: str           # ISO date
    days: int          # days until due; negative once overdue


@dataclass(frozen=True, slots=True)
class DueList:
    today: str
    within: int
    cases: tuple[DueCase, ...]
    zh: bool

    @property
    def overdue(self) -> int:
        return sum(1 for c in self.cases if c.days < 0)


def due_list(site_dir: Path, opts: BuildOptions, within: int) -> DueList:
    site, _, _ = load_site(site_dir, opts)
    return due_cases(site, within)


def due_cases(site: Site, within: int) -> DueList:
    tracker = lifecycle.track(site)
    places = site.places
    rows = []
    for case in site.cases:
        loop = tracker.of(case)
        if loop.resolved or loop.due is None or loop.days_until_due is None or loop.days_until_due > within:
            continue
        township = places.township_by_slug()[case.township]
        county = "".join(p.name for p in places.ancestors(township)[-1:])
        rows.append(DueCase(case.path, case.slug, case.title, county + township.name,
                            site.config.stage(case.status).label, case.convener, loop.due.isoformat(),
                            loop.days_until_due))
    rows.sort(key=lambda r: (r.days, r.township, r.slug))
    return DueList(site.today_iso, within, tuple(rows), site.config.language != "en")


def when_text(days: int, zh: bool) -> str:
    if days < 0:
        return f"逾期 {-days} 天" if zh else f"{-days} days overdue" if days < -1 else "1 day overdue"
    if days == 0:
        return "今天到期" if zh else "due today"
    return f"{days} 天后到期" if zh else f"due in {days} days" if days > 1 else "due tomorrow"


def _headers(zh: bool) -> tuple[str, ...]:
    return (("情况", "跟进日期", "乡镇", "阶段", "召集人", "案例", "文件") if zh
            else ("when", "follow-up", "township", "stage", "convener", "case", "file"))


def _cells(row: DueCase, zh: bool) -> tuple[str, ...]:
    return (when_text(row.days, zh), row.due, row.township, row.stage, row.convener or "—", row.title, row.path)


def table(due: DueList) -> str:
    """The list as aligned text for the terminal."""
    return text_table([_headers(due.zh)] + [_cells(row, due.zh) for row in due.cases])


def summary(due: DueList) -> str:
    soon = len(due.cases) - due.overdue
    if due.zh:
        if not due.cases:
            return f"截至 {due.today}，没有逾期或 {due.within} 天内到期的跟进"
        return f"截至 {due.today}：逾期 {due.overdue} 个，{due.within} 天内到期 {soon} 个"
    if not due.cases:
        return f"as of {due.today}, no follow-up is overdue or due within {due.within} days"
    return f"as of {due.today}: {due.overdue} overdue, {soon} due within {due.within} days"


def csv_text(due: DueList) -> str:
    """The list as CSV for a spreadsheet: a BOM (so Excel reads the Chinese as UTF-8), then
    the columns of the table plus the days as a number (negative when overdue) and the slug."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers(due.zh) + (("天数", "slug") if due.zh else ("days", "slug")))
    for row in due.cases:
        writer.writerow(_cells(row, due.zh) + (str(row.days), row.slug))
    return out.getvalue()
