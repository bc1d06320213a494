"""Plan the site's pages as small job descriptions and render each one to bytes.

Pure apart from reading templates: a job's bytes depend only on the Site, so
jobs can run in any order, in any process, and give the same output.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from functools import lru_cache
from typing import Any, Iterator

import jinja2
from markupsafe import Markup, escape

from generator.site import lifecycle
from generator.site import media
from generator.core import urls
from generator.core.errors import Problems
from generator.render.markup import RENDER_SECONDS, BodyTooComplex, plain_text, render_body, resolve_links
from generator.source.model import Case, Page, Report, Site
from generator.render import export
from generator.render import feeds
from generator.render import sitemap
from generator.render import placesdata
from generator.render import stats
from generator.render import dataschema as data_schema
from generator.source.places import Place
from generator.site.taxonomy import Index, build_index
from generator.render.listing import pager, split_by_township
from generator.render.jobs import Job, plan
from generator.render.templates import Templates, TemplateProblem
from generator.render.theme import Theme

ROOT_STAND_IN = "\x00root\x00"   # the root a cached piece is rendered with (no site text holds a NUL)


@dataclass
class Renderer:
    """Renders jobs for one site; one per process (holds a Jinja env and body cache)."""

    site: Site
    theme: Theme
    bytecode_dir: Path | None = None   # where compiled templates are kept (SITE/.cache/jinja), if anywhere
    prebuilt_index: Index | None = None   # the site's index, when the caller has built it already
    loop_memo: lifecycle.LoopMemo | None = None   # case loops kept between builds (bulletin serve)

    def __post_init__(self) -> None:
        self.index: Index = self.prebuilt_index or build_index(self.site)
        self.templates = Templates(self.theme, self.bytecode_dir, self.site.config.language,
                                   {"cached_include": self._cached_include})
        self.env = self.templates.env
        self._fragments: dict[tuple[Any, ...], str] = {}
        self._memo: dict[tuple[str, ...], Any] = {}
        self.records = export.RecordMemo()  # the pipeline lends a persistent one (SITE/.cache)
        self.places = {p.path: p for p in self.site.places.places}
        self.townships = self.site.places.township_by_slug()
        self.topics = {t.slug: t for t in self.site.topics}
        self.stage_counts = {s.key: len(self.index.by_stage.get(s.key, ())) for s in self.site.config.stages}
        self.tracker = lifecycle.track(self.site, memo=self.loop_memo)
        self.site_updated = feeds.site_updated(self.index)   # what an empty feed is dated by
        self.asset_versions = self.theme.asset_versions()
        self._body = lru_cache(maxsize=4096)(render_body)
        self.media = media.Views(self.site.media)

    def warm_up(self) -> None:
        """Make what many pages share (compiled templates, per-township and per-topic
        figures) now, before worker processes fork and each would make it again."""
        self.templates.warm_up(("case.html", "list.html", "feed.xml"))
        for kind, lists in (("township", self.index.by_township), ("topic", self.index.by_topic)):
            for slug, slugs in lists.items():
                self._list_figures(kind, slug, slugs)

    # -- helpers shared by templates -------------------------------------------------
    @jinja2.pass_context
    def _cached_include(self, context: jinja2.runtime.Context, name: str, key: Any, **values: Any) -> Markup:
        """Include `name`, rendered once per (name, key) and reused: for the pieces many pages
        repeat (navigation, footer, case cards). `key` must cover everything the piece shows
        that is not the same on every page; `values` are passed to it like loop variables.

        A piece of the built-in theme makes its links from a stand-in root, swapped for each
        page's own (escaped, as its links would be), so one card serves pages of every depth
        (a cold 10,000-case build rendered 37,000 cards, each case's about four times). A
        site's own piece may use its root in any way: it is rendered once per root too."""
        template = context.environment.get_template(name)
        shared = self.templates.is_builtin(template.filename)
        memo = (name, key) if shared else (name, context["root"], key)
        html = self._fragments.get(memo)
        if html is None:
            html = template.render({**context.get_all(), **values, **(self._links(ROOT_STAND_IN) if shared else {})})
            if len(self._fragments) >= 20_000:  # pages near each other share cards; bound the memory
                self._fragments.clear()
            self._fragments[memo] = html
        return Markup(html.replace(ROOT_STAND_IN, escape(context["root"])) if shared else html)

    def body_html(self, doc: Case | Report | Page, root: str, absolute: bool = False) -> str:
        base = self.site.base_url if absolute else root

        def target(kind: str, slug: str) -> str:
            return self.link(base, urls.for_kind(kind, slug))
        linked = resolve_links(self._body_of(doc), target, base, lambda path: self.link(base, path))
        return self.media.body_images(doc, linked, lambda path: self.link(base, path)) if doc.media else linked

    def _body_of(self, doc: Case | Report | Page) -> str:
        try:
            return self._body(doc.body)
        except BodyTooComplex:
            problems = Problems(self.site.config.language)
            problems.add(doc.path, doc.body_start_line,
                         f"正文过于复杂，{RENDER_SECONDS:.0f} 秒内排不完（例如一段里有成千上万个未配对的 [ 或 *）；请拆开长段落，或把代码和数据放进 ``` 代码块",
                         f"the body is too complex to render within {RENDER_SECONDS:.0f} s (thousands of unpaired [ or * in one "
                         "paragraph, say); split long paragraphs or put code and data in ``` blocks")
            raise TemplateProblem(problems.items[0]) from None

    def link(self, root: str, path: str) -> str:
        if self.site.config.index_links and (path == "" or path.endswith("/")) and not root.startswith("http"):
            path += "index.html"
        return root + path if (root != "./" or path) else "./"

    def place_chain(self, township_slug: str) -> tuple[Place, ...]:
        township = self.townships[township_slug]
        return tuple(self.places[township.path[:i]] for i in range(1, len(township.path) + 1))

    def cases(self, slugs: tuple[str, ...] | list[str]) -> list[Case]:
        return [self.index.case_by_slug[s] for s in slugs]

    # -- rendering -------------------------------------------------------------------
    def render(self, job: Job) -> tuple[str, bytes | Iterator[bytes]]:
        kind = job[0]
        if kind == "sitemap":
            return "sitemap.xml", sitemap.sitemap_xml(self.site, plan(self.site, self.index)).encode()
        if kind == "robots":
            return "robots.txt", sitemap.robots_txt(self.site).encode()
        if kind == "json":   # the open data files come in pieces (see writer.put_parts)
            return "data/cases.json", _encoded(export.cases_json_parts(self.site, self.index, self.records))
        if kind == "csv":
            return "data/cases.csv", _encoded(export.cases_csv_parts(self.site, self.index, self.records))
        if kind == "schema":
            return "data/schema.json", data_schema.schema_json(self.site).encode()
        if kind == "xsl":   # how a browser shows a feed or the sitemap (templates/feed.xsl, sitemap.xsl)
            return f"{job[1]}.xsl", self.templates.render(f"{job[1]}.xsl", {"site": self.site.config}).encode()
        if kind == "places":
            return "data/places.json", placesdata.places_json(self.site).encode()
        if kind == "feed":
            path, context = feeds.feed_context(self, *job[1:])
            return path, self.templates.render("feed.xml", context).encode()
        url, template, context = getattr(self, "_ctx_" + kind)(*job[1:])
        root = "/" + self.site.base_url.split("/", 3)[3] if kind == "404" else urls.root_for(url)
        context.update(self._common(url, root))
        context.setdefault("draft", False)   # a draft's own page (built with --drafts) says so
        if kind == "moved":   # search engines and readers are sent to the new address
            context["canonical"] = self.site.base_url + context["target"]
        return urls.out_path(url), self.templates.render(template, context).encode()

    def _links(self, root: str) -> dict[str, Any]:
        """What a template makes links with, from the page's `root` ("../../")."""
        def url_for(path: str) -> str:
            return self.link(root, path)

        def asset(path: str) -> str:   # a theme file, with its version (Theme.asset_versions)
            version = self.asset_versions.get(path)
            return url_for(path) + (f"?v={version}" if version else "")
        return {"root": root, "url": url_for, "asset": asset,
                "picture": lambda view, lazy=True: Markup(media.picture_html(view, url_for, lazy))}

    def _common(self, url: str, root: str) -> dict[str, Any]:
        site = self.site
        return {
            **self._links(root), "site": site.config, "base_url": site.base_url, "urls": urls,
            "page_url": url, "canonical": site.base_url + url, "stages": site.config.stages,
            "stage_counts": self.stage_counts, "township": self.townships.get, "topic": self.topics.get,
            "place_chain": self.place_chain, "today": site.today_iso, "total_cases": len(site.cases),
            "case_loop": self.tracker.of, "site_figures": self.site_figures, "league": self.league,
            "site_pages": site.pages,
            # For partials, in Python: Jinja's selectattr costs ~10 µs a use, a case page made seven.
            "stage_dates": lifecycle.first_reached, "split_by_township": split_by_township,
            "photos_of": self.media.photos, "attachments_of": self.media.attachments, "cover_of": self.media.cover,
        }

    def _listing(self, slugs: tuple[str, ...], page: int, url_of: Any) -> dict[str, Any]:
        per = self.site.config.per_page
        count = max(1, math.ceil(len(slugs) / per))
        return {"items": self.cases(slugs[(page - 1) * per: page * per]),
                "pager": pager(page, count, len(slugs), url_of)}

    def _ctx_home(self) -> tuple[str, str, dict[str, Any]]:
        return "", "home.html", {"recent": list(self.site.cases[:8]), "reports": list(self.site.reports[:3]),
                                 "township_list": self._township_tree(), "topic_list": self._topic_list()}

    def _ctx_404(self) -> tuple[str, str, dict[str, Any]]:
        return "404.html", "404.html", {}

    def _ctx_case(self, slug: str) -> tuple[str, str, dict[str, Any]]:
        case = self.index.case_by_slug[slug]
        url = urls.case(slug)
        return url, "case.html", {
            "case": case, "body": self.body_html(case, urls.root_for(url)), "draft": case.draft,
            "related": self.index.related(case),
            "reports": [self.index.report_by_slug[s] for s in self.index.reports_by_case.get(slug, ())]}

    def _ctx_township(self, slug: str, page: str) -> tuple[str, str, dict[str, Any]]:
        place = self.townships[slug]
        slugs = self.index.by_township.get(slug, ())
        context = self._listing(slugs, int(page), lambda n: urls.township(slug, n))
        figures = self._list_figures("township", slug, slugs)
        context.update(kind="township", place=place, title=place.name, description=place.description,
                       feed=f"townships/{slug}/feed.xml", breadcrumb=self.place_chain(slug)[:-1],
                       # the stages the township has cases in: each its page and its feed (an
                       # empty stage's feed is published, not offered)
                       stage_links=[(s, urls.township_stage(slug, s.key), f"townships/{slug}/stages/{s.key}/feed.xml", n)
                                    for s in self.site.config.stages if (n := figures["by_stage"][s.key])])
        context.update(figures)
        return urls.township(slug, int(page)), "list.html", context

    def _ctx_township_stage(self, slug: str, key: str, page: str) -> tuple[str, str, dict[str, Any]]:
        place, stage = self.townships[slug], self.site.config.stage(key)
        slugs = self.index.in_township_at_stage(slug, key)
        context = self._listing(slugs, int(page), lambda n: urls.township_stage(slug, key, n))
        context.update(kind="township_stage", place=place, stage=stage, title=f"{place.name} · {stage.label}",
                       description="", feed=f"townships/{slug}/stages/{key}/feed.xml",
                       breadcrumb=self.place_chain(slug), by_stage={})
        return urls.township_stage(slug, key, int(page)), "list.html", context

    def _ctx_moved(self, old: str) -> tuple[str, str, dict[str, Any]]:
        new = dict(self.site.places.moved)[old]
        place = self.townships[new]
        return urls.township(old), "moved.html", {"place": place, "target": urls.township(new), "title": place.name}

    def _ctx_topic(self, slug: str, page: str) -> tuple[str, str, dict[str, Any]]:
        topic = self.topics[slug]
        slugs = self.index.by_topic.get(slug, ())
        context = self._listing(slugs, int(page), lambda n: urls.topic(slug, n))
        context.update(kind="topic", place=None, title=topic.name, description=topic.description,
                       feed=f"topics/{slug}/feed.xml", breadcrumb=())
        context.update(self._list_figures("topic", slug, slugs))
        return urls.topic(slug, int(page)), "list.html", context

    def _ctx_stage(self, key: str, page: str) -> tuple[str, str, dict[str, Any]]:
        stage = self.site.config.stage(key)
        slugs = self.index.by_stage.get(key, ())
        context = self._listing(slugs, int(page), lambda n: urls.stage(key, n))
        context.update(kind="stage", place=None, title=stage.label, description="", feed=f"stages/{key}/feed.xml",
                       breadcrumb=(), by_stage={}, stage=stage)
        return urls.stage(key, int(page)), "list.html", context

    def _list_figures(self, kind: str, slug: str, slugs: tuple[str, ...]) -> dict[str, Any]:
        """A township's or topic's figures over its whole list: cases per stage and the loop figures."""
        return {"by_stage": self._once(("stages", kind, slug), lambda: self._count_stages(slugs)),
                "figures": self._once(("figures", kind, slug), lambda: self.tracker.figures(slugs))}

    def _once(self, key: tuple[str, ...], compute: Any) -> Any:
        """A figure over a whole township or topic, computed once for all its pages."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _count_stages(self, slugs: tuple[str, ...]) -> dict[str, int]:
        counts = {s.key: 0 for s in self.site.config.stages}
        for slug in slugs:
            counts[self.index.case_by_slug[slug].status] += 1
        return counts

    def _township_tree(self) -> list[dict[str, Any]]:
        """Counties with their townships and case counts, in places.yaml order."""
        tree = []
        for county in self.site.places.counties():
            townships = [t for t in self.site.places.townships() if t.path[:-1] == county.path]
            rows = [{"place": t, "count": len(self.index.by_township.get(t.slug, ())),
                     "by_stage": self._count_stages(self.index.by_township.get(t.slug, ()))} for t in townships]
            tree.append({"county": county, "chain": [self.places[county.path[:i]] for i in range(1, len(county.path))],
                         "townships": rows, "count": sum(len(self.index.by_township.get(t.slug, ())) for t in townships)})
        return tree

    def _topic_list(self) -> list[dict[str, Any]]:
        return [{"topic": t, "count": len(self.index.by_topic.get(t.slug, ())),
                 "by_stage": self._count_stages(self.index.by_topic.get(t.slug, ()))} for t in self.site.topics]

    def _ctx_townships(self) -> tuple[str, str, dict[str, Any]]:
        return "townships/", "townships.html", {"tree": self._township_tree()}

    def _ctx_topics(self) -> tuple[str, str, dict[str, Any]]:
        return "topics/", "topics.html", {"topic_list": self._topic_list()}

    def _ctx_stages(self) -> tuple[str, str, dict[str, Any]]:
        return "stages/", "stages.html", {}

    def _ctx_subscribe(self) -> tuple[str, str, dict[str, Any]]:   # every feed, for people
        return "subscribe/", "subscribe.html", {"tree": self._township_tree(), "topic_list": self._topic_list()}

    def _ctx_site_map(self) -> tuple[str, str, dict[str, Any]]:    # every section, for people
        return "sitemap/", "site_map.html", {"tree": self._township_tree(), "topic_list": self._topic_list()}

    # -- the closed loop: overdue cases, figures, open data documentation --------------
    def _ctx_overdue(self, page: str) -> tuple[str, str, dict[str, Any]]:
        context = self._listing(self.tracker.overdue(), int(page), lambda n: urls.stage("overdue", n))
        return urls.stage("overdue", int(page)), "overdue.html", context

    def _ctx_data_readme(self) -> tuple[str, str, dict[str, Any]]:
        return "data/", "data_readme.html", {"fields": data_schema.FIELDS, "document_fields": data_schema.DOCUMENT_FIELDS,
                                             "csv_columns": export.CSV_COLUMNS}

    def site_figures(self) -> lifecycle.LoopFigures:
        return self.tracker.figures(c.slug for c in self.site.cases)

    def league(self) -> list[dict[str, Any]]:
        """The township league table for /stats/: resolved share and median days, best first."""
        order = [t.slug for t in self.site.places.townships()]
        return [{"rank": row.rank, "place": self.townships[row.township], "figures": row.figures}
                for row in self.tracker.league(self.index.by_township, order)]

    def _ctx_search(self) -> tuple[str, str, dict[str, Any]]:
        # Filter choices are rendered here, in places.yaml and topics.yaml order, only where cases exist.
        counties = [{**c, "townships": [r for r in c["townships"] if r["count"]]} for c in self._township_tree()]
        return "search/", "search.html", {"counties": [c for c in counties if c["townships"]],
                                          "topic_list": [t for t in self._topic_list() if t["count"]]}

    def _ctx_stats(self) -> tuple[str, str, dict[str, Any]]:
        return "stats/", "stats.html", {"summary": stats.summary(self.site, self.index),
                                        "charts": {c.key: c for c in stats.all_charts(self.site, self.index)}}

    def _ctx_reports(self, page: str) -> tuple[str, str, dict[str, Any]]:
        per = self.site.config.per_page
        number = int(page)
        count = max(1, math.ceil(len(self.site.reports) / per))
        return urls.reports(number), "reports.html", {
            "items": list(self.site.reports[(number - 1) * per: number * per]),
            "pager": pager(number, count, len(self.site.reports), urls.reports)}

    def _ctx_report(self, slug: str) -> tuple[str, str, dict[str, Any]]:
        report = self.index.report_by_slug[slug]
        url = urls.report(slug)
        linked = dict.fromkeys(list(report.cases) + [s for k, s, _ in report.links if k == "case"])
        return url, "report.html", {"report": report, "body": self.body_html(report, urls.root_for(url)), "draft": report.draft,
                                    "linked": self.cases([s for s in linked if s in self.index.case_by_slug])}

    def _ctx_page(self, slug: str) -> tuple[str, str, dict[str, Any]]:
        page = self.index.page_by_slug[slug]
        url = urls.page(slug)
        return url, "page.html", {"page": page, "body": self.body_html(page, urls.root_for(url)), "draft": page.draft}

    def excerpt(self, doc: Case | Report | Page, length: int = 120) -> str:
        text = plain_text(self._body_of(doc))
        return text if len(text) <= length else text[:length].rstrip() + "…"


def _encoded(parts: Iterator[str]) -> Iterator[bytes]:
    return (part.encode() for part in parts)
