"""The search index's format: how text becomes tokens, and the files under OUT/search/. Pure.

Written by build/searchindex.py (and build/searchbuild.py for large sites); read by
themes/default/static/assets/search-engine.js.

Pagefind, used before, read the rendered HTML back: on a 2-core machine it took 124 s and
2.9 GB of memory to index 10,000 cases, and it cannot update an index in place. This index
is made from the parsed documents (no HTML is read, no Markdown rendered), in about a
second per 10,000 documents, and a build that changed a few documents patches only the
files those documents touch.

The files under OUT/search/ and how a page loads them: build/searchfiles.py.

Documents are numbered newest first (date descending, then URL). Text is NFKC-normalised and
lower-cased; each run of CJK characters gives its characters and its pairs of neighbours
(bigrams), each run of other letters and digits one word. assets/search-engine.js cuts a
query the same way (the pairs of a CJK run of two or more, the one character of a run of
one) and a document matches when it holds every query token.
"""
from __future__ import annotations

import hashlib
import html
import operator
import re
import unicodedata
from dataclasses import dataclass

from generator.core import urls
from generator.source.model import Case, Document, Report, Site


FORMAT = 2
FACET_KEYS = ("township", "stage", "topic")
CHUNK = 4              # documents per docs/N.js: a result list of ten fetches about ten small files
DOCS_PER_SHARD = 64    # S is the power of two that keeps about this many documents per shard
WORD_MAX = 40          # longer Latin words are cut to this many characters
BATCH = 1024           # documents tokenised at a time (a multiple of CHUNK): 50 MB of arrays
PATCH_LIMIT = 200      # more changed documents than this: rebuild, it is as fast
NUMPY_FROM = 100       # smaller sites are indexed in plain Python, without importing numpy (40 ms)

# -- text and tokens ------------------------------------------------------------------

CJK = ((0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_CJK_CLASS = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in CJK)
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
WORD = re.compile(f"[^\\W_{_CJK_CLASS}]+")
def _heading(found: re.Match[str]) -> str:
    text = found[1].rstrip("：:")
    if not text:
        return " "
    return text + ("：" if _CJK_RUN.search(text[-1]) else ": ")


# (pattern, replacement, the strings one of which the text must hold for the pattern to apply)
_MARKUP = (
    (re.compile(r"<!--.*?-->", re.DOTALL), " ", ("<!--",)),
    (re.compile(r"^ {0,3}(?:```|~~~).*$", re.MULTILINE), " ", ("```", "~~~")),    # code fences (the code stays)
    (re.compile(r"^ {0,3}\[[^\]\n]+\]:.*$", re.MULTILINE), " ", ("]:",)),        # link definitions
    (re.compile(r"!?\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])"), r"\1", ("]",)),  # links, images: their text
    (re.compile(r"<[A-Za-z/!][^>\n]*>"), " ", ("<",)),                      # HTML tags
    # A heading ends with a colon, so an excerpt reads 背景：2021年6月… and not 背景 2021年6月…
    (re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE), _heading, ("#",)),
    (re.compile(r"^[ \t]*(?:#{1,6}|(?:>[ \t]*)+|[-*+]|\d{1,9}[.)])(?=[ \t]|$)", re.MULTILINE), " ", ("",)),  # block marks
    (re.compile(r"\\([!-/:-@\[-`{-~])"), r"\1", ("\\",)),                  # backslash escapes
    (re.compile(r"-{3,}|={3,}"), " ", ("---", "===")),                        # rules
    # control characters that str.split() below does not take for spaces
    (re.compile("[\x00-\x08\x0e-\x1b\x7f]+"), " ", tuple(map(chr, [*range(0x09), *range(0x0E, 0x1C), 0x7F]))),
)
_EMPHASIS = "*_`~|"   # emphasis, code and table marks: each becomes a space


def plain(markdown: str) -> str:
    """The text of a Markdown body, for searching: syntax dropped by patterns, nothing rendered."""
    for pattern, replacement, needed in _MARKUP:
        if any(n in markdown for n in needed):
            markdown = pattern.sub(replacement, markdown)
    for mark in _EMPHASIS:   # str.replace: a regex over every character took 60% of this function
        if mark in markdown:
            markdown = markdown.replace(mark, " ")
    if "&" in markdown:
        markdown = html.unescape(markdown)
    return " ".join(markdown.split()).replace("： ", "：")   # no space after a full-width colon


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> set[str]:
    """Every token of `text`: CJK characters and bigrams, and words."""
    text = normalize(text)
    found: set[str] = set()
    for run in _CJK_RUN.findall(text):
        found.update(run)
        found.update(map(operator.add, run[:-1], run[1:]))
    found.update(word[:WORD_MAX] for word in WORD.findall(text))
    return found


def query_tokens(query: str) -> set[str]:
    """What a query must match (as the browser cuts it): a CJK run's bigrams, or its one character."""
    query = normalize(query)
    found: set[str] = set()
    for run in _CJK_RUN.findall(query):
        found.update(map(operator.add, run[:-1], run[1:]) if len(run) > 1 else run)
    found.update(word[:WORD_MAX] for word in WORD.findall(query))
    return found


FNV_OFFSET, FNV_PRIME, M32 = 0x811C9DC5, 0x01000193, 0xFFFFFFFF


def fnv(token: str) -> int:
    h = FNV_OFFSET
    for ch in token:
        h = ((h ^ ord(ch)) * FNV_PRIME) & M32
    return h


def _mix(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    return h ^ (h >> 16)


def shard_of(token: str, shards: int) -> int:
    """FNV-1a over the token's code points, then murmur3's finaliser; the same in search-engine.js."""
    return _mix(fnv(token)) & (shards - 1)


def shard_count(documents: int) -> int:
    return 1 << ((max(documents, 1) - 1) // DOCS_PER_SHARD).bit_length()


# -- records --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Record:
    """One searchable document, as the index shows it."""
    url: str        # site-relative, as the site links it ("cases/x/index.html", or "cases/x/" without index_links)
    doc: Document

    @property
    def key(self) -> tuple[str, str]:
        """What the previous build is compared by: the text is a function of the file."""
        return self.url, self.doc.digest

    @property
    def title(self) -> str:
        return self.doc.title

    @property
    def date(self) -> str:
        """As the site shows it ("2021-06", "2021-06-15"); "" for an undated page."""
        return self.doc.when.iso() if self.doc.when is not None else ""

    @property
    def township(self) -> str:
        return self.doc.township if isinstance(self.doc, Case) else ""

    @property
    def topics(self) -> tuple[str, ...]:
        return self.doc.topics if isinstance(self.doc, Case) else ()

    @property
    def stage(self) -> str:
        return self.doc.status if isinstance(self.doc, Case) else ""


def records(site: Site) -> list[Record]:
    """Every published case, report and page, newest first (then by URL): position is the id."""
    suffix = "index.html" if site.config.index_links else ""
    url_of = {"case": urls.case, "report": urls.report, "page": urls.page}
    docs: list[Document] = [*site.cases, *site.reports, *site.pages]
    found = [Record(url_of[doc.kind](doc.slug) + suffix, doc) for doc in docs]
    found.sort(key=operator.attrgetter("url"))
    dated = [r for r in found if r.doc.when is not None]
    dated.sort(key=lambda r: r.doc.when.moment, reverse=True)  # type: ignore[union-attr]  # stable
    return dated + [r for r in found if r.doc.when is None]


class Texts:
    """The searchable text of a document (its title apart): lead, body, and the facts its page shows."""

    def __init__(self, site: Site) -> None:
        self.places = site.places.township_by_slug()
        self.topics = {t.slug: t.name for t in site.topics}

    def __call__(self, doc: Document) -> str:
        parts: list[str]
        if isinstance(doc, Case):
            place = self.places.get(doc.township)
            parts = [doc.outcome, plain(doc.body), *(place.path[-2:] if place else ()), *doc.villages,
                     *(self.topics.get(slug, "") for slug in doc.topics), doc.form, doc.convener,
                     *(entry.text for entry in doc.timeline), doc.source.name if doc.source else ""]
        elif isinstance(doc, Report):
            parts = [plain(doc.body), doc.author, *doc.categories, *doc.tags]
        else:
            parts = [doc.description, plain(doc.body)]
        return " ".join(" ".join(p.split()) for p in parts if p)


def site_fingerprint(site: Site) -> str:
    """What every record's text and filters depend on besides the document itself."""
    parts = (FORMAT, repr(site.config), [(p.slug, p.path) for p in site.places.places],
             [(t.slug, t.name) for t in site.topics])
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def stamp(site_fp: str, keys: list[tuple[str, str]]) -> str:
    return hashlib.sha1("".join([site_fp, *(f"\0{url}\0{digest}" for url, digest in keys)]).encode()).hexdigest()[:16]


# -- posting lists: varint deltas, or a bitmap when that is smaller --------------------

def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def encode_ids(ids: list[int]) -> bytes:
    """A sorted id list: varint(count*2 + is_bitmap), varint(payload length), payload.

    The payload is the first id and the gaps, as varints, or a bitmap (bit i of byte i//8,
    least significant first) when that is strictly shorter. Empty: one zero byte.
    """
    if not ids:
        return b"\x00"
    gaps = [ids[0], *map(operator.sub, ids[1:], ids[:-1])]
    payload = bytes(gaps) if max(gaps) < 0x80 else b"".join(map(varint, gaps))
    bitmap_size = (ids[-1] >> 3) + 1
    bitmap = bitmap_size < len(payload)
    if bitmap:
        bits = bytearray(bitmap_size)
        for i in ids:
            bits[i >> 3] |= 1 << (i & 7)
        payload = bytes(bits)
    return varint(len(ids) * 2 + bitmap) + varint(len(payload)) + payload


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        n |= (byte & 0x7F) << shift
        if byte < 0x80:
            return n, pos
        shift += 7


def _list_end(data: bytes, pos: int) -> int:
    head, pos = _read_varint(data, pos)
    if head == 0:
        return pos
    size, pos = _read_varint(data, pos)
    return pos + size


def decode_ids(data: bytes) -> list[int]:
    """The ids of one encode_ids() value."""
    head, pos = _read_varint(data, 0)
    if head == 0:
        return []
    size, pos = _read_varint(data, pos)
    payload = data[pos:pos + size]
    if head & 1:
        return [i * 8 + bit for i, byte in enumerate(payload) if byte for bit in range(8) if byte >> bit & 1]
    ids: list[int] = []
    at, last = 0, 0
    while at < size:
        gap, at = _read_varint(payload, at)
        last = gap if not ids else last + gap
        ids.append(last)
    return ids


def parse_shard(data: bytes) -> dict[str, tuple[bytes, bytes]]:
    """token → (encoded ids of the documents holding it, of those whose title holds it)."""
    entries = {}
    pos = 0
    while pos < len(data):
        size, pos = _read_varint(data, pos)
        token = data[pos:pos + size].decode()
        body_end = _list_end(data, pos + size)
        title_end = _list_end(data, body_end)
        entries[token] = (data[pos + size:body_end], data[body_end:title_end])
        pos = title_end
    return entries


def join_shard(entries: dict[str, tuple[bytes, bytes]]) -> bytes:
    """A shard file: its tokens in code point order, each as varint(length) UTF-8 body-ids title-ids."""
    out: list[bytes] = []
    for token in sorted(entries):
        raw = token.encode()
        body, title = entries[token]
        out += (varint(len(raw)), raw, body, title)
    return b"".join(out)
