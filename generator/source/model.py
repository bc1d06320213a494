"""The site as frozen values. No I/O, no behaviour beyond derived properties.

Relations are stored as slugs and keys, so values pickle cleanly for worker processes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from generator.source.config import SiteConfig
from generator.core.dates import When
from generator.source.places import PlaceTree
from generator.source.topics import Topic


class TimelineEntry(NamedTuple):
    """One step of a case's history. A named tuple, not a frozen dataclass like the rest:
    a warm build makes 30,000 of them from the cache, and a tuple is made five times faster."""
    when: When
    stage: str | None
    text: str


class MediaRef(NamedTuple):
    """A file a document brings: a photo of `photos:`, an attachment of `attachments:`, or an
    image of the body (`![alt](bridge.jpg)`). `file` is site-relative."""
    role: str          # "photo", "attachment" or "image"
    file: str
    title: str         # a photo's caption, an attachment's title
    alt: str
    line: int


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Case:
    path: str                      # site-relative POSIX path of the file
    slug: str
    title: str
    when: When
    township: str                  # township slug
    villages: tuple[str, ...]
    topics: tuple[str, ...]        # topic slugs
    status: str                    # stage key
    body: str
    body_start_line: int
    form: str = ""
    convener: str = ""
    participants: int | None = None
    beneficiaries: int | None = None
    outcome: str = ""
    timeline: tuple[TimelineEntry, ...] = ()
    source: Source | None = None
    draft: bool = False
    follow_up: When | None = None
    updated: When | None = None    # the last edit worth telling subscribers of, when it is later than the timeline
    links: tuple[tuple[str, str, int], ...] = ()   # (kind, slug, line) of case:/report:/page: links
    slug_line: int = 1                             # where the slug comes from (slug: or title:)
    digest: str = ""       # hash of the file: changes with any edit
    card: str = ""         # hash of the front matter: changes when what lists show may change
    personal_allowed: tuple[tuple[str, str, int], ...] = ()  # allow_personal_data: (kind, reason, line)
    personal_found: tuple[tuple[str, int, str], ...] = ()    # privacy.scan: (kind, line, masked text)
    media: tuple[MediaRef, ...] = ()                         # photos, attachments and body images
    loop: str = ""         # hash of what the loop figures read: status, dates, timeline stages, follow-up

    kind = "case"

    @property
    def last_changed(self) -> dt.datetime:
        """The newest of its date, its timeline's dates and `updated`: feeds' and the sitemap's date."""
        moments = [self.when.moment] + [e.when.moment for e in self.timeline]
        if self.updated is not None:
            moments.append(self.updated.moment)
        return max(moments)


@dataclass(frozen=True, slots=True)
class Report:
    path: str
    slug: str
    title: str
    when: When
    body: str
    body_start_line: int
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    author: str = ""
    image: str = ""
    cases: tuple[str, ...] = ()
    draft: bool = False
    links: tuple[tuple[str, str, int], ...] = ()
    slug_line: int = 1
    digest: str = ""       # hash of the file: changes with any edit
    card: str = ""         # hash of the front matter: changes when what lists show may change
    personal_allowed: tuple[tuple[str, str, int], ...] = ()  # allow_personal_data: (kind, reason, line)
    personal_found: tuple[tuple[str, int, str], ...] = ()    # privacy.scan: (kind, line, masked text)
    media: tuple[MediaRef, ...] = ()                         # photos, attachments and body images

    kind = "report"

    @property
    def last_changed(self) -> dt.datetime:
        """Its date (a report has no timeline): what feeds date it by, as a case by its own."""
        return self.when.moment


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    slug: str
    title: str
    when: When | None
    body: str
    body_start_line: int
    description: str = ""
    draft: bool = False
    links: tuple[tuple[str, str, int], ...] = ()
    slug_line: int = 1
    digest: str = ""       # hash of the file: changes with any edit
    card: str = ""         # hash of the front matter: changes when what lists show may change
    personal_allowed: tuple[tuple[str, str, int], ...] = ()  # allow_personal_data: (kind, reason, line)
    personal_found: tuple[tuple[str, int, str], ...] = ()    # privacy.scan: (kind, line, masked text)
    media: tuple[MediaRef, ...] = ()                         # photos, attachments and body images

    kind = "page"


Document = Case | Report | Page


@dataclass(frozen=True, slots=True)
class Site:
    config: SiteConfig
    places: PlaceTree
    topics: tuple[Topic, ...]
    cases: tuple[Case, ...]        # published, newest first (date desc, slug)
    reports: tuple[Report, ...]    # newest first
    pages: tuple[Page, ...]        # by slug
    base_url: str
    today_iso: str
    static_files: tuple[tuple[str, str], ...] = field(default=())  # (OUT-relative path, absolute source path)
    media: dict[str, Any] = field(default_factory=dict)   # site-relative path → media.Facts of every file brought
    unpublished: tuple[int, int] = (0, 0)   # (drafts, future-dated documents) left out of this build
