"""Open data: every published case as data/cases.json and data/cases.csv. Pure.

The fields are documented in the README ("Open data"). CSV cells that a
spreadsheet would run as a formula (= + - @ at the start) get a leading quote.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, Callable, Iterator

from generator.site import media
from generator.core import urls
from generator.site.lifecycle import case_loop

if TYPE_CHECKING:
    from generator.source.model import Case, Site
    from generator.site.taxonomy import Index

CSV_COLUMNS = ("slug", "title", "date", "province", "city", "county", "township", "villages", "topics",
               "status", "status_label", "form", "convener", "participants", "beneficiaries", "outcome",
               "follow_up", "updated", "source_name", "source_url", "url", "timeline", "photos", "cover")


def case_record(site: Site, case: Case, index: Index) -> dict[str, Any]:
    township = site.places.township_by_slug()[case.township]
    chain = list(township.path) + [""] * 4
    topics = {t.slug: t.name for t in site.topics}
    loop = case_loop(case, dt.date.fromisoformat(site.today_iso))
    return {
        "slug": case.slug, "title": case.title, "date": case.when.iso(), "url": site.base_url + urls.case(case.slug),
        "province": chain[0], "city": chain[1], "county": chain[2], "township": township.name,
        "township_slug": township.slug, "villages": list(case.villages),
        "topics": [topics[t] for t in case.topics], "topic_slugs": list(case.topics),
        "status": case.status, "status_label": site.config.stage(case.status).label,
        "form": case.form, "convener": case.convener, "participants": case.participants,
        "beneficiaries": case.beneficiaries, "outcome": case.outcome,
        "follow_up": case.follow_up.iso() if case.follow_up else None,
        "updated": case.updated.iso() if case.updated else None,
        "timeline": [{"date": e.when.iso(), "stage": e.stage, "text": e.text} for e in case.timeline],
        "source_name": case.source.name if case.source else "", "source_url": case.source.url if case.source else "",
        "reports": list(index.reports_by_case.get(case.slug, ())),
        # The largest copy of each photo, and the cover of cards and feeds (media.py).
        "photos": [site.base_url + p.src for p in media.Views(site.media).photos(case)],
        "cover": site.base_url + cover if (cover := media.Views(site.media).cover(case)) else None,
        # Derived by the build as of site.today_iso (lifecycle.py); not written by editors.
        "raised_on": loop.raised_on.isoformat(), "stage_since": loop.stage_since.isoformat(),
        "days_in_stage": loop.days_in_stage, "overdue": loop.overdue, "days_overdue": loop.days_overdue,
        "resolved_on": loop.resolved_on.isoformat() if loop.resolved_on else None,
        "days_to_resolve": loop.days_to_resolve,
    }


class RecordMemo:
    """Each case's JSON text and CSV row, kept between builds (SITE/.cache) by the pipeline.

    cases.json and cases.csv hold every case, so any edit rewrites them; with the
    unchanged records' text at hand that is a join, not 10,000 serialisations.
    `stamp` covers what every record shares (code, names, today, base URL).
    """

    def __init__(self, stamp: str = "", entries: dict[str, tuple[str, str]] | None = None,
                 load: Callable[[], dict[str, tuple[str, str]]] | None = None,
                 made: MutableMapping[str, tuple[str, str]] | None = None) -> None:
        """`load`: where the kept records come from, asked only when a record is first needed
        (an edit that changes no record never reads them). `made`: where the records this
        build makes are kept until both files are written (the pipeline's lives on disk:
        100,000 records are 280 MB of text)."""
        self.stamp = stamp
        self._entries = entries
        self._load = load
        self.made: MutableMapping[str, tuple[str, str]] = made if made is not None else {}
        self.used: dict[str, None] = {}   # the keys of every record this build used, in order

    @property
    def entries(self) -> dict[str, tuple[str, str]]:
        if self._entries is None:
            self._entries = self._load() if self._load is not None else {}
        return self._entries

    def text(self, key: str) -> tuple[str, str]:
        """A used record's texts, made by this build or kept from an earlier one."""
        found = self.made.get(key)
        return found if found is not None else self.entries[key]

    def get(self, site: Site, case: Case, index: Index) -> tuple[str, str]:
        key = case.card + "/" + ",".join(index.reports_by_case.get(case.slug, ()))
        found = self.entries.get(key)
        if found is None:
            found = self.made.get(key)   # made for cases.json, asked again for cases.csv
        if found is None:
            record = case_record(site, case, index)
            # One line a record: json's C encoder (with indent it falls back to Python, 50 µs a
            # record), a file a quarter smaller, and each case one line to grep or diff.
            fragment = json.dumps(record, ensure_ascii=False, sort_keys=True)
            found = (fragment, csv_row(record))
            self.made[key] = found
        self.used[key] = None
        return found


def cases_json_parts(site: Site, index: Index, memo: RecordMemo | None = None) -> Iterator[str]:
    """Every published case, in pieces of one record (100,000 records are 250 MB as one string).
    The document is laid out as json.dumps(indent=1, sort_keys) would, except that each
    record is written on one line of its own."""
    memo = memo or RecordMemo()
    head = {"as_of": site.today_iso}
    tail = {"count": len(site.cases), "site": site.config.title, "url": site.base_url}

    def field(name: str, value: Any) -> str:
        return f' {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)}'
    yield "\n".join(["{"] + [field(k, v) + "," for k, v in head.items()]) + "\n"
    if site.cases:
        yield ' "cases": [\n  '
        for number, case in enumerate(site.cases):
            yield (",\n  " if number else "") + memo.get(site, case, index)[0]
        yield "\n ],\n"
    else:
        yield ' "cases": [],\n'
    yield "\n".join(field(k, v) + ("," if i < len(tail) - 1 else "") for i, (k, v) in enumerate(tail.items())) + "\n}\n"


def csv_row(record: dict[str, Any]) -> str:
    """A record's line of cases.csv."""
    cells = []
    for column in CSV_COLUMNS:
        value = record[column]
        text = value if type(value) is str else cell_text(value)
        cells.append(safe_cell(text))
    row = io.StringIO()
    csv.writer(row, lineterminator="\n").writerow(cells)
    return row.getvalue()


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ (or tab/CR) gets a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        return "|".join(str(v) for v in value)
    return str(value)


def cases_csv(site: Site, index: Index, memo: RecordMemo | None = None) -> str:
    return "".join(cases_csv_parts(site, index, memo))


def cases_csv_parts(site: Site, index: Index, memo: RecordMemo | None = None) -> Iterator[str]:
    """cases.csv in pieces, one row each."""
    memo = memo or RecordMemo()
    head = io.StringIO()
    head.write("\ufeff")  # so spreadsheet programs read the Chinese text as UTF-8
    csv.writer(head, lineterminator="\n").writerow(CSV_COLUMNS)
    yield head.getvalue()
    for case in site.cases:
        yield memo.get(site, case, index)[1]
