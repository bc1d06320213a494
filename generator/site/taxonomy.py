"""Cross-file rules and the lookup index: slug collisions, links that name nothing,
cases by township / topic / stage / year. Pure.
"""
from __future__ import annotations

import datetime as dt

from urllib.parse import unquote

from collections import defaultdict
from collections.abc import Sequence
from itertools import zip_longest
from dataclasses import dataclass
from typing import Any

from generator.core.errors import Problems, suggestion
from generator.source.model import Case, Document, Page, Report, Site

# Top-level names the generator owns; a plain page may not take them.
RESERVED = {"cases", "townships", "topics", "stages", "reports", "stats", "search", "data", "assets",
            "feed.xml", "sitemap.xml", "robots.txt", "404.html", "index.html", "pagefind", "page", "subscribe", "sitemap",
            "feed.xsl", "sitemap.xsl"}


def check_collisions(cases: list[Case], reports: list[Report], pages: list[Page], problems: Problems) -> None:
    """Two documents with one URL are an error naming both files."""
    kinds: tuple[tuple[Sequence[Document], str, str], ...] = (
        (cases, "案例", "case"), (reports, "报道", "report"), (pages, "页面", "page"))
    for docs, what_zh, what_en in kinds:
        owners: dict[str, Case | Report | Page] = {}
        for doc in sorted(docs, key=lambda d: d.path):
            other = owners.get(doc.slug)
            if other is not None:
                problems.add(doc.path, doc.slug_line,
                             f"{what_zh}网址 slug「{doc.slug}」与 {other.path}:{other.slug_line} 重复；请在其中一个文件里写不同的 slug",
                             f"{what_en} slug `{doc.slug}` is also used by {other.path}:{other.slug_line}; set a different `slug:` in one of them")
            else:
                owners[doc.slug] = doc
    for page in pages:
        if page.slug in RESERVED:
            problems.add(page.path, page.slug_line,
                         f"页面 slug「{page.slug}」是网站保留的路径；请换一个 slug",
                         f"page slug `{page.slug}` is a reserved path of the site; choose another slug")


def check_links(docs: list[Case | Report | Page], cases: set[str], reports: set[str], pages: set[str],
                problems: Problems) -> None:
    """`[text](case:SLUG)` and a report's `cases:` must name something published."""
    known = {"case": cases, "report": reports, "page": pages}
    names = {"case": ("案例", "case"), "report": ("报道", "report"), "page": ("页面", "page")}
    for doc in docs:
        for kind, slug, line in doc.links:
            if kind in known and slug not in known[kind]:
                zh, en = names[kind]
                hint = suggestion(problems, slug, known[kind])
                problems.add(doc.path, line, f"链接 {kind}:{slug} 指向的{zh}不存在（或是草稿）；请检查 slug 拼写{hint}",
                             f"link {kind}:{slug} names no published {en}; check the slug{hint}")


def check_paths(docs: list[Case | Report | Page], existing: set[str], problems: Problems) -> None:
    """Root-absolute links and images in bodies (/cases/x/, /files/a.pdf) must lead to a file
    the build writes; `existing` holds every OUT path."""
    for doc in docs:
        for kind, path, line in doc.links:
            if kind != "path":
                continue
            target = unquote(path).lstrip("/")
            if target == "" or target.endswith("/"):
                target += "index.html"
            if target not in existing and target + "/index.html" not in existing:
                problems.add(doc.path, line, f"链接「{path}」指向的页面或文件不存在；请检查这个地址（网站内的地址从 / 开始，如 /cases/liangquan-bridge/）",
                             f"the link `{path}` leads to no page or file of the site; check the address "
                             f"(site addresses start at /, e.g. /cases/liangquan-bridge/)")


RELATED = 6   # related cases a case page shows


@dataclass(frozen=True, slots=True)
class Index:
    by_township: dict[str, tuple[str, ...]]
    by_topic: dict[str, tuple[str, ...]]
    by_stage: dict[str, tuple[str, ...]]
    by_year: dict[int, tuple[str, ...]]
    reports_by_case: dict[str, tuple[str, ...]]
    case_by_slug: dict[str, Case]
    report_by_slug: dict[str, Report]
    page_by_slug: dict[str, Page]
    positions: dict[tuple[str, str], int]   # ("", slug) → place in its township list; (topic, slug) → in the topic's
    newest_change: dt.datetime | None       # the newest case change or report: when the site last changed

    def in_township_at_stage(self, township: str, stage: str) -> tuple[str, ...]:
        """The township's cases at one stage, in the township list's order. Only the township's
        own cases are looked at: in a forked worker, touching every case of a stage would copy
        the main process's pages that hold them."""
        return tuple(s for s in self.by_township.get(township, ()) if self.case_by_slug[s].status == stage)

    def related(self, case: Case) -> tuple[Case, ...]:
        """Cases close in time in the same township, then in the same topics.

        Neighbours, not the newest: each page then depends on a few nearby cases
        only, so an edit re-renders a handful of pages, not a whole topic.
        """
        picked = [case.slug]  # first, so the case never picks itself; dropped below
        _add_neighbours(picked, self.by_township.get(case.township, ()), self.positions[("", case.slug)], 1 + RELATED // 2)
        for topic in case.topics:
            _add_neighbours(picked, self.by_topic.get(topic, ()), self.positions[(topic, case.slug)], 1 + RELATED)
        return tuple(self.case_by_slug[s] for s in picked[1:])

    def within_reach(self, topic: str, slug: str) -> tuple[str, ...]:
        """The cases of `topic` whose related cases can include `slug`: those near enough to it
        in the topic's list (as long as the list holds the same cases in the same order)."""
        slugs, at = self.by_topic.get(topic, ()), self.positions[(topic, slug)]
        return slugs[max(0, at - 1 - RELATED):at + 2 + RELATED]


def _add_neighbours(picked: list[str], slugs: tuple[str, ...], at: int, limit: int) -> None:
    """Append the slugs nearest to position `at` in `slugs`, newer first, until `picked` holds `limit`."""
    want = limit - len(picked)
    if want <= 0:
        return
    newer = slugs[max(0, at - limit):at][::-1]
    older = slugs[at + 1:at + 1 + limit]
    for pair in zip_longest(newer, older):
        for slug in pair:
            if slug is not None and slug not in picked:
                picked.append(slug)
                if len(picked) >= limit:
                    return


def build_index(site: Site) -> Index:
    by_township: dict[str, list[str]] = defaultdict(list)
    by_topic: dict[str, list[str]] = defaultdict(list)
    by_stage: dict[str, list[str]] = defaultdict(list)
    by_year: dict[int, list[str]] = defaultdict(list)
    positions: dict[tuple[str, str], int] = {}
    for case in site.cases:  # already newest first, so every list is too
        slug = case.slug
        township = by_township[case.township]
        positions[("", slug)] = len(township)
        township.append(slug)
        for topic in case.topics:
            listed = by_topic[topic]
            positions[(topic, slug)] = len(listed)
            listed.append(slug)
        by_stage[case.status].append(slug)
        by_year[case.when.moment.year].append(slug)
    reports_by_case: dict[str, list[str]] = defaultdict(list)
    for report in site.reports:
        for slug in dict.fromkeys(list(report.cases) + [s for k, s, _ in report.links if k == "case"]):
            reports_by_case[slug].append(report.slug)
    def freeze(d: dict[Any, list[str]]) -> dict[Any, tuple[str, ...]]:
        return {k: tuple(v) for k, v in d.items()}
    return Index(
        by_township=freeze(by_township), by_topic=freeze(by_topic), by_stage=freeze(by_stage),
        by_year=freeze(by_year), reports_by_case=freeze(reports_by_case),
        case_by_slug={c.slug: c for c in site.cases}, report_by_slug={r.slug: r for r in site.reports},
        page_by_slug={p.slug: p for p in site.pages}, positions=positions,
        newest_change=max([c.last_changed for c in site.cases] + [r.last_changed for r in site.reports], default=None),
    )
