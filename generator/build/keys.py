"""Render keys: for every job, a hash of everything its output depends on. Pure.

A page whose key is the one recorded for the file now in OUT is not rendered
again. The rule that keeps this correct: a job's key covers every value its
template context can reach. `global_key` covers what every page can reach (the
common context in render/renderer.py: config, places, topics, stage counts, plain pages,
theme, code, today); the per-job parts below mirror the `_ctx_*` builders. A
new context value must be added here too — tests compare warm builds with cold
ones after many kinds of edits.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

from generator.core.cachefiles import code_fingerprint
from generator.render.feeds import site_updated
from generator.source.model import Case, Site
from generator.site.taxonomy import Index

Job = tuple[str, ...]


@dataclass(frozen=True)
class Near:
    """What a change of front matter reached, when the cases and their order are the last
    build's (a township move, a new topic): the case pages and lists whose keys may differ
    from the ones recorded (Keys.near)."""
    cases: set[str]
    townships: set[str]
    topics: set[str]
    stages: set[str]


def _h(parts: Iterable[str]) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


class Keys:
    """Computes keys for the jobs of one build; group hashes are computed once."""

    def __init__(self, site: Site, index: Index, theme_fingerprint: str, per_page: int) -> None:
        self.site, self.index, self.per = site, index, per_page
        cases = site.cases
        stage_counts = [f"{k}={len(v)}" for k, v in sorted(index.by_stage.items())]
        self.global_key = _h([
            code_fingerprint(), theme_fingerprint, repr(site.config), repr(site.places.places), repr(site.places.moved),
            repr(site.topics),
            site.base_url, site.today_iso, str(len(cases)), *stage_counts,
            *(f"{p.slug}:{p.title}" for p in site.pages)])
        self.all_cards = _h([self.global_key] + [c.card for c in cases] + [r.card for r in site.reports])
        self._group: dict[tuple[str, str], str] = {}
        self.site_updated = site_updated(index)

    def case_frame(self) -> str:
        """What a case page's key reads besides the cards and the case's own digest: the global
        key, the cases in site order (which, with the cards, fixes the lists related cases come
        from) and the reports. When it and every case's card (case_places) equal the last
        build's, a case page whose digest did not change has the key it had then; when only
        some cards differ, see near()."""
        return _h([self.global_key] + [c.slug for c in self.site.cases]
                  + [f"{r.slug}\x1e{r.card}\x1e{r.digest}" for r in self.site.reports])

    def case_places(self) -> dict[str, str]:
        """Each case's card and the lists it is in (township, stage, topics): kept for the next build."""
        return {c.slug: "\x1f".join((c.card, c.township, c.status, *c.topics)) for c in self.site.cases}

    def near(self, places: dict[str, str], before: dict[str, str], digests: dict[str, str],
             digests_before: dict[str, str]) -> Near:
        """With the case frame as the last build's (`before`, `digests_before`: its case_places()
        and digests), what a change of front matter can reach: see Near.

        A list (a township's, a topic's, a stage's) changes only where a case whose card changed joins or
        leaves it, or shows that card (the order of cases is the frame's); a feed also shows
        bodies. A case page's key reads its own digest and the cards of its related cases: its
        neighbours in its township's and topics' lists (Index.related). So the case pages
        reached are those whose digest changed, every case of a township or topic that a case
        joined or left or whose card changed in a township, and the neighbours of a changed
        card in a topic it stayed in."""
        edited = {slug for slug, digest in digests.items() if digests_before.get(slug) != digest}
        townships: set[str] = set()
        topics: set[str] = set()
        stages: set[str] = set()
        carded: set[str] = set()   # townships where a card changed
        joined_or_left: set[str] = set()   # topics
        cases = set(edited)
        for slug, row in places.items():
            old = before.get(slug, "")
            if old == row and slug not in edited:
                continue
            _, township, stage, *in_topics = row.split("\x1f")
            _, township_before, stage_before, *topics_before = old.split("\x1f") if old else ("", township, stage, *in_topics)
            townships.update((township, township_before))
            topics.update(in_topics, topics_before)
            if old == row:
                continue   # a body edit: its own page and the feeds it is in
            carded.update((township, township_before))
            stages.update((stage, stage_before))   # stage lists and feeds show cards, not bodies
            joined_or_left.update(set(in_topics) ^ set(topics_before))
            for topic in set(in_topics) & set(topics_before):
                cases.update(self.index.within_reach(topic, slug))
        for township in carded:
            cases.update(self.index.by_township.get(township, ()))
        for topic in joined_or_left:
            cases.update(self.index.by_topic.get(topic, ()))
        return Near(cases, townships, topics, stages)

    def unchanged_near(self, job: Job, near: Near) -> bool:
        """True when `job`'s key must equal the one recorded by a build with this build's
        case_frame(), given what changed since (`near`). A township's, topic's or stage's pages
        and feed read only the cards, loop fields and digests of its own cases, and its length;
        an empty feed reads the site's newest change too, and is keyed again. Everything else is."""
        kind = job[0]
        if kind == "case":
            return job[1] not in near.cases
        if kind in ("township", "township_stage"):
            return job[1] not in near.townships
        if kind == "topic":
            return job[1] not in near.topics
        if kind == "stage":
            return job[1] not in near.stages
        if kind == "feed" and job[1] in ("township", "township_stage", "topic", "stage"):
            reached = {"topic": near.topics, "stage": near.stages}.get(job[1], near.townships)
            return job[2] not in reached and bool(self._feed_slugs(job))
        return False

    def touched_by(self, edited: dict[str, Case]) -> set[Job]:
        """The jobs whose key may differ from the one recorded by a build whose case_frame() and
        case_places() were this build's, given the cases whose digest changed since (`edited`,
        by slug); plain pages ("page" jobs) besides, always keyed again.

        With both equal, the cards, the lists and the reports are as they were:
        only the keys that read case digests can differ (below in key(): a case page reads
        its own, a feed with bodies its entries'; stage feeds read cards only), and a plain
        page's key reads its own digest."""
        touched: set[Job] = {("feed", "site", "")} if edited else set()
        for slug, case in edited.items():
            touched.add(("case", slug))
            touched.add(("feed", "township", case.township))
            touched.update(("feed", "topic", topic) for topic in case.topics)
        return touched

    def group(self, kind: str, name: str, slugs: tuple[str, ...]) -> str:
        """Hash of the cards of every case in one list (a township, topic or stage)."""
        key = (kind, name)
        if key not in self._group:
            cards = self.index.case_by_slug
            self._group[key] = _h([kind, name] + [cards[s].card for s in slugs])
        return self._group[key]

    def loop_group(self, kind: str, name: str, slugs: tuple[str, ...]) -> str:
        """Hash of the loop fields of every case in one list (for figures over the whole list)."""
        key = ("loop-" + kind, name)
        if key not in self._group:
            cases = self.index.case_by_slug
            self._group[key] = _h([kind, name] + [cases[s].loop for s in slugs])
        return self._group[key]

    def feed_entries(self, slugs: tuple[str, ...]) -> str:
        cases = self.index.case_by_slug
        return _h([cases[s].digest for s in slugs[: self.site.config.feed_limit]] + [str(len(slugs))])

    def key(self, job: Job) -> str:
        kind = job[0]
        index = self.index
        parts = [self.global_key, *job]
        if kind == "case":
            case = index.case_by_slug[job[1]]
            parts += [case.digest] + [r.card for r in index.related(case)]
            parts += [index.report_by_slug[s].card for s in index.reports_by_case.get(case.slug, ())]
        elif kind == "township_stage":   # one page of a township's cases at a stage: its cards and the count
            slugs = index.in_township_at_stage(job[1], job[2])
            page = int(job[3])
            parts.append(str(len(slugs)))
            parts += [index.case_by_slug[s].card for s in slugs[(page - 1) * self.per: page * self.per]]
        elif kind in ("township", "topic", "stage"):
            # A list page shows its own page of cards, the pager (the list's length) and, for
            # townships and topics, figures over the whole list that only loop fields change.
            slugs = {"township": index.by_township, "topic": index.by_topic, "stage": index.by_stage}[kind].get(job[1], ())
            page = int(job[2])
            cases = index.case_by_slug
            parts.append(str(len(slugs)))
            parts += [cases[s].card for s in slugs[(page - 1) * self.per: page * self.per]]
            if kind != "stage":
                parts.append(self.loop_group(kind, job[1], slugs))
        elif kind == "feed":
            slugs = self._feed_slugs(job)
            if not slugs:   # an empty feed is dated by the site's newest change (render/feeds.py)
                parts.append(self.site_updated)
            if job[1] == "site":   # the site feed lists the reports too
                parts += [f"{r.slug}\x1e{r.digest}" for r in self.site.reports[: self.site.config.feed_limit]]
            if job[1] in ("stage", "township_stage"):
                # Notices without bodies (render/feeds.py), ordered by when each case entered
                # the stage: any card in the list can change them, no body can.
                parts.append(self.group("stage-feed", "/".join(job[1:]), slugs))
            else:
                parts.append(self.feed_entries(slugs))
        elif kind == "report":
            report = index.report_by_slug[job[1]]
            parts.append(report.digest)
            parts += [c.card for s in report.cases if (c := index.case_by_slug.get(s)) is not None]
            parts += [c.card for k, s, _ in report.links if k == "case" and (c := index.case_by_slug.get(s)) is not None]
        elif kind == "reports":
            parts += [r.card for r in self.site.reports]
        elif kind == "page":
            parts.append(index.page_by_slug[job[1]].digest)
        elif kind == "search":
            # Its filters offer the townships and topics that have cases.
            parts += sorted(slug for slug, slugs in index.by_township.items() if slugs) + ["|"]
            parts += sorted(slug for slug, slugs in index.by_topic.items() if slugs)
        elif kind in ("404", "robots", "schema", "data_readme", "places", "moved", "xsl", "subscribe", "site_map"):
            pass  # the global key covers them (places.json, old addresses, the feed list and site map: the place tree)
        else:  # home, townships, topics, stages, stats, overdue, sitemap, json, csv and anything new
            parts.append(self.all_cards)
        return _h(parts)

    def _feed_slugs(self, job: Job) -> tuple[str, ...]:
        scope = job[1]
        index = self.index
        if scope == "township":
            return index.by_township.get(job[2], ())
        if scope == "topic":
            return index.by_topic.get(job[2], ())
        if scope == "stage":
            return index.by_stage.get(job[2], ())
        if scope == "township_stage":
            return index.in_township_at_stage(job[2], job[3])
        return tuple(c.slug for c in self.site.cases)
