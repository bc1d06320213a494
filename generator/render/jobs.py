"""The jobs of a build: one per output file, as a tuple naming its kind and its arguments. Pure.

("case", SLUG), ("township", SLUG, PAGE), ("feed", SCOPE, SLUG[, STAGE]) …: renderer.py
makes each one's file; build/keys.py gives each one's render key.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from generator.site import lifecycle
from generator.site.taxonomy import Index
from generator.source.model import Site

Job = tuple[str, ...]


def plan(site: Site, index: Index) -> list[Job]:
    """Every output file as a job; cheap, so it is redone on every build."""
    per = site.config.per_page

    def pages(n: int) -> range:
        return range(1, max(1, math.ceil(n / per)) + 1)
    jobs: list[Job] = [("home",), ("404",), ("townships",), ("topics",), ("stages",), ("stats",), ("sitemap",),
                       ("robots",), ("json",), ("csv",), ("places",), ("feed", "site", ""), ("search",),
                       ("xsl", "feed"), ("xsl", "sitemap"), ("subscribe",), ("site_map",)]
    jobs += [("case", c.slug) for c in site.cases]
    for t in site.places.townships():
        n = len(index.by_township.get(t.slug, ()))
        jobs += [("township", t.slug, str(p)) for p in pages(n)]
        jobs.append(("feed", "township", t.slug))
        at_stage = Counter(index.case_by_slug[s].status for s in index.by_township.get(t.slug, ()))
        for stage in site.config.stages:   # a page per stage the township has cases in
            if at_stage[stage.key]:
                jobs += [("township_stage", t.slug, stage.key, str(p)) for p in pages(at_stage[stage.key])]
    jobs += [("moved", old) for old, _ in site.places.moved]   # a township's old address leads on
    for topic in site.topics:
        jobs += [("topic", topic.slug, str(p)) for p in pages(len(index.by_topic.get(topic.slug, ())))]
        jobs.append(("feed", "topic", topic.slug))
    for stage in site.config.stages:
        jobs += [("stage", stage.key, str(p)) for p in pages(len(index.by_stage.get(stage.key, ())))]
        jobs.append(("feed", "stage", stage.key))
    jobs += _loop_jobs(site, pages)
    jobs += [("reports", str(p)) for p in pages(len(site.reports))]
    jobs += [("report", r.slug) for r in site.reports]
    jobs += [("page", p.slug) for p in site.pages]
    return jobs


def _loop_jobs(site: Site, pages: Callable[[int], range]) -> list[Job]:
    """The closed loop's outputs: the overdue list, feeds per township and stage, the data schema and README."""
    jobs: list[Job] = [("overdue", str(p)) for p in pages(len(lifecycle.track(site).overdue()))]
    jobs += [("feed", "township_stage", t.slug, s.key) for t in site.places.townships() for s in site.config.stages]
    return jobs + [("schema",), ("data_readme",)]
