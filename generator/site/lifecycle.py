"""The closed loop in figures: where each case stands, for how long, and which are late. Pure.

Per case (`CaseLoop`): the day it entered its current stage and the days since,
the days from raised to resolved, and whether its follow-up date has passed
while it is still open. Per group of cases (`LoopFigures`): the share resolved,
the median days from raised to resolved, and the number overdue.

Rules, stated once so pages, feeds and open data agree:
- A case was *raised* on its first `stage: raised` timeline entry, else on the
  earliest date it carries (its `date` or any timeline entry).
- It *entered its current stage* on the first entry of the last unbroken run of
  timeline entries marked with that stage; with no such entry, on its `date`.
- A resolved case was resolved when it entered `resolved`; without a timeline
  entry saying so the day is unknown and it is left out of the median.
- A month date (2021-06) counts from the 1st of the month; a follow-up month
  (follow_up: 2022-03) is due at the end of that month.
- Overdue: a follow-up date before today on a case that is not resolved.
Today always comes from the build options, so the same content on the same day
gives the same figures.
"""
from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from generator.core.dates import When
from generator.source.model import Case, Site

RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class CaseLoop:
    """The derived closed-loop figures of one case on one day."""

    slug: str
    status: str
    raised_on: dt.date
    stage_since: dt.date
    days_in_stage: int
    resolved_on: dt.date | None
    days_to_resolve: int | None
    due: dt.date | None            # the follow-up date, month dates at the month's end
    overdue: bool
    days_overdue: int              # 0 unless overdue
    days_until_due: int | None     # days left before the follow-up date (negative once past); None without one

    @property
    def resolved(self) -> bool:
        return self.status == RESOLVED


def first_reached(case: Case) -> dict[str, When]:
    """The date the timeline says each stage was first reached, by stage key."""
    reached: dict[str, When] = {}
    for entry in case.timeline:
        if entry.stage and entry.stage not in reached:
            reached[entry.stage] = entry.when
    return reached


@dataclass(frozen=True, slots=True)
class LoopFigures:
    """Aggregate figures of a group of cases."""

    total: int
    resolved: int
    overdue: int
    timed: int                     # resolved cases whose raised→resolved days are known
    median_days: float | None

    @property
    def percent_resolved(self) -> int | None:
        """The share resolved as a whole percentage, rounded half up; None for no cases."""
        if not self.total:
            return None
        return (200 * self.resolved + self.total) // (2 * self.total)

    @property
    def median_text(self) -> str:
        """The median as written on a page: 45 or 45.5; empty when unknown."""
        if self.median_days is None:
            return ""
        return str(int(self.median_days)) if float(self.median_days).is_integer() else f"{self.median_days:.1f}"


def due_date(follow_up: When) -> dt.date:
    if follow_up.precision == "month":
        day = follow_up.date
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return follow_up.date


def case_loop(case: Case, today: dt.date) -> CaseLoop:
    """The figures of one case as they stand on `today`."""
    staged = [(e.when.date, e.stage) for e in case.timeline if e.stage]   # timeline is sorted by date
    raised = [day for day, stage in staged if stage == "raised"]
    raised_on = raised[0] if raised else min([case.when.date] + [e.when.date for e in case.timeline])
    stage_since = case.when.date
    run_start = _last_run_start(staged, case.status)
    if run_start is not None:
        stage_since = run_start
    resolved_on = run_start if case.status == RESOLVED else None
    days_to_resolve = max(0, (resolved_on - raised_on).days) if resolved_on is not None else None
    due = due_date(case.follow_up) if case.follow_up is not None else None
    overdue = due is not None and due < today and case.status != RESOLVED
    return CaseLoop(
        slug=case.slug, status=case.status, raised_on=raised_on, stage_since=stage_since,
        days_in_stage=max(0, (today - stage_since).days), resolved_on=resolved_on,
        days_to_resolve=days_to_resolve, due=due, overdue=overdue,
        days_overdue=(today - due).days if overdue and due is not None else 0,
        days_until_due=(due - today).days if due is not None else None,
    )


def _last_run_start(staged: Sequence[tuple[dt.date, str | None]], status: str) -> dt.date | None:
    """The date of the first entry in the last unbroken run of entries marked `status`."""
    start = None
    for day, stage in staged:
        if stage == status:
            start = day if start is None else start
        else:
            start = None
    return start


def figures(loops: Iterable[CaseLoop]) -> LoopFigures:
    items = list(loops)
    days = [c.days_to_resolve for c in items if c.resolved and c.days_to_resolve is not None]
    return LoopFigures(
        total=len(items), resolved=sum(1 for c in items if c.resolved),
        overdue=sum(1 for c in items if c.overdue), timed=len(days),
        median_days=float(statistics.median(days)) if days else None,
    )


@dataclass(frozen=True, slots=True)
class LeagueRow:
    rank: int                      # 1-based; townships with the same share and median share a rank
    township: str                  # township slug
    figures: LoopFigures


@dataclass(frozen=True, slots=True)
class Tracker:
    """Every published case's loop figures on one day, with the lists built from them."""

    today: dt.date
    loops: dict[str, CaseLoop]

    def of(self, case: Case | str) -> CaseLoop:
        return self.loops[case if isinstance(case, str) else case.slug]

    def figures(self, slugs: Iterable[str]) -> LoopFigures:
        return figures(self.loops[s] for s in slugs)

    def overdue(self) -> tuple[str, ...]:
        """Late cases, the latest first (then by slug, so the order is stable)."""
        candidates = getattr(self.loops, "overdue_candidates", self.loops.values)()
        late = [c for c in candidates if c.overdue]
        return tuple(c.slug for c in sorted(late, key=lambda c: (-c.days_overdue, c.slug)))

    def newest_in_stage(self, slugs: Iterable[str]) -> tuple[str, ...]:
        """Cases ordered by when they entered their current stage, newest arrival first."""
        return tuple(sorted(slugs, key=lambda s: (-self.loops[s].stage_since.toordinal(), s)))

    def league(self, by_township: dict[str, tuple[str, ...]], order: Iterable[str]) -> tuple[LeagueRow, ...]:
        """Townships with cases, best first: share resolved, then quicker median, then more cases."""
        groups = [(slug, self.figures(by_township[slug])) for slug in order if by_township.get(slug)]

        def merit(f: LoopFigures) -> tuple[Fraction, float]:
            return (-Fraction(f.resolved, f.total), f.median_days if f.median_days is not None else float("inf"))
        groups.sort(key=lambda g: (merit(g[1]), -g[1].total, g[0]))
        rows: list[LeagueRow] = []
        for position, (slug, f) in enumerate(groups, 1):
            tied = rows and merit(rows[-1].figures) == merit(f)
            rows.append(LeagueRow(rows[-1].rank if tied else position, slug, f))
        return tuple(rows)


def track(site: Site, today: dt.date | None = None, memo: LoopMemo | None = None) -> Tracker:
    """Figures for every published case; `today` defaults to the day the site was built for.
    A `memo` lends the loops of earlier builds in this process (bulletin serve)."""
    day = today or dt.date.fromisoformat(site.today_iso)
    return Tracker(day, _LazyLoops({c.slug: c for c in site.cases}, day, memo.on(day, len(site.cases)) if memo else None))


class LoopMemo:
    """Case loops kept from one build to the next in one process. A loop reads only the case's
    loop fields, which Case.loop hashes, and the day: kept by (slug, Case.loop), for one day."""

    def __init__(self) -> None:
        self.day: dt.date | None = None
        self.loops: dict[tuple[str, str], CaseLoop] = {}

    def on(self, day: dt.date, cases: int) -> dict[tuple[str, str], CaseLoop]:
        """The loops kept for `day`; none when the day changed or old versions of cases pile up."""
        if day != self.day or len(self.loops) > 2 * cases + 1000:
            self.day, self.loops = day, {}
        return self.loops


class _LazyLoops(dict):  # type: ignore[type-arg]
    """Loops computed when first asked for: a small rebuild looks at a few cases, not all."""

    def __init__(self, cases: dict[str, Case], day: dt.date, kept: dict[tuple[str, str], CaseLoop] | None) -> None:
        super().__init__()
        self._cases, self._day, self._kept = cases, day, kept

    def __missing__(self, slug: str) -> CaseLoop:
        case = self._cases[slug]
        if self._kept is None or not case.loop:   # a Case made without its loop hash (tests) is not kept
            loop = self[slug] = case_loop(case, self._day)
            return loop
        key = (slug, case.loop)
        kept = self._kept.get(key)
        if kept is None:
            kept = self._kept[key] = case_loop(case, self._day)
        self[slug] = kept
        return kept

    def values(self) -> list[CaseLoop]:  # type: ignore[override]
        return [self[slug] for slug in self._cases]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._cases)

    def __len__(self) -> int:
        return len(self._cases)

    def __contains__(self, slug: object) -> bool:
        return slug in self._cases

    def overdue_candidates(self) -> list[CaseLoop]:
        """Only a case with a follow-up date can be overdue."""
        return [self[slug] for slug, case in self._cases.items() if case.follow_up is not None]
