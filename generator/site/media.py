"""The photos and attachments a site publishes: their facts, their OUT paths, and how pages show them. Pure.

Each published copy is named by content: `media/HASH-WIDTH.webp|jpg`,
`media/HASH-cover.jpg`, `files/HASH.EXT`; HASH covers the source's bytes and the
encoding settings (VERSION), so a name never changes meaning and OUT's copy is
kept. Checking sources and making the copies is build/mediafiles.py's work.
"""
from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import quote, unquote

from generator.source.mediarefs import resolve
from generator.source.model import Document, MediaRef

VERSION = "1"     # in every published name's hash: change it when photos.py encodes differently
MEDIA_DIR = "media"
FILES_DIR = "files"
SIZES = "(min-width: 1100px) 720px, (min-width: 760px) 65vw, 100vw"   # the case column's width
WIDTHS = (480, 960, 1600)       # the widths published (never wider than the source)
COVER = (480, 320)              # the cover of cards, feeds and open data (3:2, cropped)


class PhotoError(Exception):
    """A photo or attachment that cannot be published: zh and en say why and what to do.
    Here, not in build/photos.py, so that catching it does not import Pillow (12 ms a build)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def widths_for(width: int) -> tuple[int, ...]:
    """The published widths of a photo `width` pixels wide: each of WIDTHS below it, and its own (at most the largest)."""
    return tuple(sorted({w for w in WIDTHS if w < width} | {min(width, WIDTHS[-1])}))


@dataclass(frozen=True, slots=True)
class Facts:
    digest: str      # 20 hex digits over VERSION and the bytes
    kind: str        # JPEG, PNG, WEBP, GIF for images; the attachment's label (PDF, Word …) otherwise
    size: int        # bytes of the source
    width: int = 0   # images: as shown
    height: int = 0
    gps: bool = False

    @property
    def image(self) -> bool:
        return self.width > 0


# -- what OUT gets --------------------------------------------------------------------------------------

def photo_path(facts: Facts, variant: str) -> str:
    return f"{MEDIA_DIR}/{facts.digest}-{variant}"


def attachment_path(facts: Facts, rel: str) -> str:
    return f"{FILES_DIR}/{facts.digest}{posixpath.splitext(rel.lower())[1]}"


def plan(docs: Iterable[Document], media: dict[str, Facts]) -> dict[str, tuple[str, str]]:
    """OUT path → (source path, variant) of every published copy. Variant: "480.webp" …,
    "cover.jpg", "whole" (an image attachment re-encoded), "as-is" (any other attachment)."""
    out: dict[str, tuple[str, str]] = {}
    for doc in docs:
        for ref in doc.media:
            facts = media[ref.file]
            if ref.role == "attachment":
                out[attachment_path(facts, ref.file)] = (ref.file, "whole" if facts.image else "as-is")
                continue
            for width in widths_for(facts.width):
                for ext in ("webp", "jpg"):
                    out[photo_path(facts, f"{width}.{ext}")] = (ref.file, f"{width}.{ext}")
            out[photo_path(facts, "cover.jpg")] = (ref.file, "cover.jpg")
    return out


# -- what pages show -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PhotoView:
    """One photo as templates use it: OUT-relative paths; `url()` makes them page-relative."""
    alt: str
    caption: str
    width: int           # of the largest copy
    height: int
    webp: tuple[tuple[str, int], ...]   # (path, width), smallest first
    jpeg: tuple[tuple[str, int], ...]
    cover: str

    @property
    def src(self) -> str:
        return self.jpeg[-1][0]


@dataclass(frozen=True, slots=True)
class AttachmentView:
    title: str
    path: str
    kind: str            # PDF, Word, Excel …
    size: str            # 312 KB
    name: str            # the file's own name, offered when downloading


def _photo_view(ref: MediaRef, facts: Facts) -> PhotoView:
    widths = widths_for(facts.width)
    largest = widths[-1]
    return PhotoView(ref.alt, ref.title, largest, max(1, round(facts.height * largest / facts.width)),
                     tuple((photo_path(facts, f"{w}.webp"), w) for w in widths),
                     tuple((photo_path(facts, f"{w}.jpg"), w) for w in widths), photo_path(facts, "cover.jpg"))


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / 1024 / 1024:.1f} MB"


class Views:
    """The photos and attachments of each document, for templates, feeds and open data."""

    def __init__(self, media: dict[str, Facts]) -> None:
        self.media = media

    def photos(self, doc: Document) -> list[PhotoView]:
        return [_photo_view(r, self.media[r.file]) for r in doc.media if r.role == "photo" and r.file in self.media]

    def attachments(self, doc: Document) -> list[AttachmentView]:
        return [AttachmentView(r.title or posixpath.basename(r.file), attachment_path(self.media[r.file], r.file),
                               self.media[r.file].kind, human_size(self.media[r.file].size), posixpath.basename(r.file))
                for r in doc.media if r.role == "attachment" and r.file in self.media]

    def cover(self, doc: Document) -> str | None:
        """The cover of the first photo (or body image), OUT-relative; None without one."""
        for ref in doc.media:
            if ref.role != "attachment" and ref.file in self.media:
                return photo_path(self.media[ref.file], "cover.jpg")
        return None

    def body_images(self, doc: Document, body_html: str, link: Callable[[str], str]) -> str:
        """Body `<img>` of files beside the document become responsive pictures."""
        images = {r.file: r for r in doc.media if r.role == "image"}
        if not images:
            return body_html

        def picture(m: re.Match[str]) -> str:
            tag = m[0]
            src = re.search(r'\ssrc="([^"]*)"', tag)
            if src is None:
                return tag
            path, _, _ = resolve(doc.path, unquote(html.unescape(src[1])))
            ref = images.get(path or "")
            if ref is None or ref.file not in self.media:
                return tag
            return picture_html(_photo_view(ref, self.media[ref.file]), link, lazy=True)
        return re.sub(r"<img\b[^>]*>", picture, body_html)


def srcset(pairs: tuple[tuple[str, int], ...], link: Callable[[str], str]) -> str:
    return ", ".join(f"{quote(link(path), safe='/:.-_~%')} {width}w" for path, width in pairs)


def picture_html(view: PhotoView, link: Callable[[str], str], lazy: bool) -> str:
    """<picture> with WebP and JPEG at every width, sized so that nothing moves as it loads."""
    loading = ' loading="lazy"' if lazy else ""
    return (f'<picture><source type="image/webp" srcset="{srcset(view.webp, link)}" sizes="{SIZES}">'
            f'<img src="{html.escape(link(view.src))}" srcset="{srcset(view.jpeg, link)}" sizes="{SIZES}" '
            f'width="{view.width}" height="{view.height}" alt="{html.escape(view.alt)}" decoding="async"{loading}>'
            f"</picture>")
