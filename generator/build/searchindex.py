"""Full-text search for /search/: a static index for Chinese, written by the build itself.

Pagefind, used before, read the rendered HTML back: on a 2-core machine it took 124 s and
2.9 GB of memory to index 10,000 cases, and it cannot update an index in place. This index
is made from the parsed documents (no HTML is read, no Markdown rendered), in about a
second per 10,000 documents, and a build that changed a few documents patches only the
files those documents touch.

Files under OUT/search/, canonical (the same site gives the same bytes however it was built):
- index.json   counts, shard and chunk sizes, the filter values, a stamp of the content;
- facets.bin   one fixed-width row per document: township, stage, topics (filters, counts);
- shards/N.bin the postings, token by token: each token lives in shard hash(token) mod S and
               lists the documents that hold it and those whose title holds it;
- docs/N.json  CHUNK documents each: url, title, date and the plain text excerpts come from;
- offline.js   (sites with index_links) every record in one script, for search from file://.

Documents are numbered newest first (date descending, then URL). Text is NFKC-normalised and
lower-cased; each run of CJK characters gives its characters and its pairs of neighbours
(bigrams), each run of other letters and digits one word. assets/search-engine.js cuts a
query the same way (the pairs of a CJK run of two or more, the one character of a run of
one) and a document matches when it holds every query token.
"""
from __future__ import annotations

import hashlib
import html
import json
import operator
import os
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.core import urls
from generator.build.cache import CACHE_DIR, PageManifest, _read, _write, code_fingerprint, same_stat
from generator.source.model import Case, Document, Report, Site

if TYPE_CHECKING:
    from generator.build.writer import Transaction

FORMAT = 1
BUNDLE = "search"
INDEX = f"{BUNDLE}/index.json"
FACETS = f"{BUNDLE}/facets.bin"
OFFLINE = f"{BUNDLE}/offline.js"
FACET_KEYS = ("township", "stage", "topic")
CHUNK = 4              # documents per docs/N.json: a result list of ten fetches about ten small files
DOCS_PER_SHARD = 64    # S is the power of two that keeps about this many documents per shard
WORD_MAX = 40          # longer Latin words are cut to this many characters
BATCH = 2048           # documents tokenised at a time (a multiple of CHUNK)
PATCH_LIMIT = 200      # more changed documents than this: rebuild, it is as fast
NUMPY_FROM = 100       # smaller sites are indexed in plain Python, without importing numpy (40 ms)

# -- text and tokens ------------------------------------------------------------------

_CJK = ((0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_CJK_CLASS = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in _CJK)
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_WORD = re.compile(f"[^\\W_{_CJK_CLASS}]+")
# (pattern, replacement, a string the text must hold for the pattern to apply at all)
_MARKUP = (
    (re.compile(r"<!--.*?-->", re.DOTALL), " ", "<!--"),
    (re.compile(r"^ {0,3}(?:```|~~~).*$", re.MULTILINE), " ", ""),                 # code fences (the code stays)
    (re.compile(r"^ {0,3}\[[^\]\n]+\]:.*$", re.MULTILINE), " ", "]:"),             # link definitions
    (re.compile(r"!?\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])"), r"\1", "]"),  # links, images: their text
    (re.compile(r"<[A-Za-z/!][^>\n]*>"), " ", "<"),                          # HTML tags
    (re.compile(r"^[ \t]*(?:#{1,6}|(?:>[ \t]*)+|[-*+]|\d{1,9}[.)])(?=[ \t]|$)", re.MULTILINE), " ", ""),  # block marks
    (re.compile(r"\\([!-/:-@\[-`{-~])"), r"\1", "\\"),                       # backslash escapes
    (re.compile(r"[*_`~|]+|-{3,}|={3,}|[\x00-\x20\x7f]+"), " ", ""),         # emphasis, rules, table bars, space
)


def plain(markdown: str) -> str:
    """The text of a Markdown body, for searching: syntax dropped by patterns, nothing rendered."""
    for pattern, replacement, needed in _MARKUP:
        if needed in markdown:
            markdown = pattern.sub(replacement, markdown)
    if "&" in markdown:
        markdown = html.unescape(markdown)
    return " ".join(markdown.split())


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> set[str]:
    """Every token of `text`: CJK characters and bigrams, and words."""
    text = normalize(text)
    found: set[str] = set()
    for run in _CJK_RUN.findall(text):
        found.update(run)
        found.update(map(operator.add, run[:-1], run[1:]))
    found.update(word[:WORD_MAX] for word in _WORD.findall(text))
    return found


def query_tokens(query: str) -> set[str]:
    """What a query must match (as the browser cuts it): a CJK run's bigrams, or its one character."""
    query = normalize(query)
    found: set[str] = set()
    for run in _CJK_RUN.findall(query):
        found.update(map(operator.add, run[:-1], run[1:]) if len(run) > 1 else run)
    found.update(word[:WORD_MAX] for word in _WORD.findall(query))
    return found


_FNV_OFFSET, _FNV_PRIME, _M32 = 0x811C9DC5, 0x01000193, 0xFFFFFFFF


def _fnv(token: str) -> int:
    h = _FNV_OFFSET
    for ch in token:
        h = ((h ^ ord(ch)) * _FNV_PRIME) & _M32
    return h


def _mix(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    return h ^ (h >> 16)


def shard_of(token: str, shards: int) -> int:
    """FNV-1a over the token's code points, then murmur3's finaliser; the same in search-engine.js."""
    return _mix(_fnv(token)) & (shards - 1)


def shard_count(documents: int) -> int:
    return 1 << ((max(documents, 1) - 1) // DOCS_PER_SHARD).bit_length()


# -- records --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Record:
    """One searchable document, as the index shows it."""
    url: str        # site-relative ("cases/x/", or "cases/x/index.html" with index_links)
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
    found = [Record(url_of[doc.kind](doc.slug) + suffix, doc) for doc in (*site.cases, *site.reports, *site.pages)]
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

def _varint(n: int) -> bytes:
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
    payload = bytes(gaps) if max(gaps) < 0x80 else b"".join(map(_varint, gaps))
    bitmap_size = (ids[-1] >> 3) + 1
    bitmap = bitmap_size < len(payload)
    if bitmap:
        bits = bytearray(bitmap_size)
        for i in ids:
            bits[i >> 3] |= 1 << (i & 7)
        payload = bytes(bits)
    return _varint(len(ids) * 2 + bitmap) + _varint(len(payload)) + payload


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
        out += (_varint(len(raw)), raw, body, title)
    return b"".join(out)


# -- the other files ------------------------------------------------------------------

def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def shard_path(number: int) -> str:
    return f"{BUNDLE}/shards/{number}.bin"


def chunk_path(number: int) -> str:
    return f"{BUNDLE}/docs/{number}.json"


@dataclass(slots=True)
class Facets:
    """Filter values present, sorted, and each document's row: township, stage, topic bits."""
    values: dict[str, list[str]]
    widths: tuple[int, int, int]

    @classmethod
    def of(cls, site: Site) -> Facets:
        values = {"township": sorted({c.township for c in site.cases}), "stage": sorted({c.status for c in site.cases}),
                  "topic": sorted({t for c in site.cases for t in c.topics})}
        widths = (max(1, (len(values["township"]).bit_length() + 7) // 8), 1, (len(values["topic"]) + 7) // 8)
        return cls(values, widths)

    def row(self, r: Record) -> bytes:
        township = self.values["township"].index(r.township) + 1 if r.township else 0
        stage = self.values["stage"].index(r.stage) + 1 if r.stage else 0
        bits = sum(1 << self.values["topic"].index(t) for t in set(r.topics))
        wt, ws, wp = self.widths
        return township.to_bytes(wt, "little") + stage.to_bytes(ws, "little") + bits.to_bytes(wp, "little")

    def rows(self, recs: list[Record]) -> bytes:
        index = {key: {v: i for i, v in enumerate(vals, 1)} for key, vals in self.values.items()}
        wt, ws, wp = self.widths
        return b"".join(index["township"].get(r.township, 0).to_bytes(wt, "little")
                        + index["stage"].get(r.stage, 0).to_bytes(ws, "little")
                        + sum(1 << (index["topic"][t] - 1) for t in set(r.topics)).to_bytes(wp, "little")
                        for r in recs)


def index_json(keys: list[tuple[str, str]], facets: Facets, site_fp: str) -> bytes:
    return _dump({"format": FORMAT, "stamp": stamp(site_fp, keys), "documents": len(keys),
                  "shards": shard_count(len(keys)), "chunk": CHUNK, "facets": facets.values,
                  "widths": list(facets.widths)}) + b"\n"


def chunk_json(rows: list[list[str]]) -> bytes:
    return _dump(rows) + b"\n"


def offline_js(recs: list[Record], texts: list[str]) -> bytes:
    """search/offline.js: every record in one script, which a page opened from file:// may load."""
    items = [{"url": r.url, "title": r.title, "date": r.date, "text": text,
              "filters": {k: v for k, v in (("township", [r.township] if r.township else []),
                                            ("stage", [r.stage] if r.stage else []),
                                            ("topic", list(r.topics))) if v}}
             for r, text in zip(recs, texts)]
    return b"window.bulletinOffline = " + _dump(items) + b";\n"


def all_files(documents: int, offline: bool) -> set[str]:
    files = {INDEX, FACETS} | {shard_path(s) for s in range(shard_count(documents))}
    files |= {chunk_path(c) for c in range((documents + CHUNK - 1) // CHUNK)}
    return files | ({OFFLINE} if offline else set())


# -- building -------------------------------------------------------------------------

@dataclass
class Bundle:
    """What write_index() produced: every file of the index, those whose bytes changed, and
    the state to remember for the next build (saved once OUT holds the new files)."""
    files: set[str]
    written: set[str]
    how: str                                   # "cold", "patched" or "unchanged"
    state_path: Path | None = None
    state: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None
    known: dict[str, tuple[int, int]] = field(default_factory=dict)  # stats of files kept as they were

    def save(self) -> None:
        """Remember the records and each file's size and mtime, to trust OUT's index next time."""
        if self.state_path is None or self.out_dir is None:
            return
        stats = {rel: seen for rel, seen in self.known.items() if rel in self.files and rel not in self.written}
        root = str(self.out_dir)
        for rel in sorted(self.files - stats.keys()):
            try:
                st = os.stat(f"{root}/{rel}")
            except OSError:
                return  # OUT is not what this build wrote: remember nothing
            stats[rel] = (st.st_size, st.st_mtime_ns)
        _write(self.state_path, {**self.state, "files": stats})


def state_path(site_dir: Path, out_dir: Path) -> Path:
    return site_dir / CACHE_DIR / f"search-{PageManifest.name(out_dir)}.marshal"


def write_index(site: Site, site_dir: Path, tx: Transaction, use_cache: bool = True, jobs: int = 1) -> Bundle:
    """Write the search index through `tx`: patch the last build's when it can, else make it anew.

    `jobs` is not used: the index is made in this one process. Forked workers would each count
    the whole site in their resident memory, and spawned ones re-import the caller's main
    module (a script without a __main__ guard would start them over and over).
    """
    recs = records(site)
    site_fp = site_fingerprint(site)
    facets = Facets.of(site)
    path = state_path(site_dir, tx.out_dir) if use_cache else None
    fingerprint = f"{code_fingerprint()}:{site_fp}"
    keys = [(r.url, r.doc.digest) for r in recs]
    state = {"fingerprint": fingerprint, "records": keys, "facets": facets.values}
    previous = _read(path, fingerprint) if path is not None else None
    bundle = None
    if previous is not None and not site.config.index_links:
        bundle = _patch(previous, recs, keys, facets, site, site_fp, tx)
    if bundle is None:
        bundle = _build(recs, keys, facets, site, site_fp, tx)
    bundle.state_path, bundle.state, bundle.out_dir = path, state, tx.out_dir
    return bundle


def _put(tx: Transaction, rel: str, data: bytes, written: set[str]) -> None:
    if tx.put(rel, data):
        written.add(rel)


def _build(recs: list[Record], keys: list[tuple[str, str]], facets: Facets, site: Site, site_fp: str,
           tx: Transaction) -> Bundle:
    """The whole index, from every document."""
    written: set[str] = set()
    texts: list[str] | None = [] if site.config.index_links else None
    shards = shard_count(len(recs))
    if len(recs) >= NUMPY_FROM:
        from generator.render import searchbuild  # numpy: imported only when an index is made anew, and not for a few documents
        written |= searchbuild.build_index(recs, Texts(site), tx.put, texts, shards, BATCH)
    else:
        for rel, data in small_index(recs, Texts(site), texts, shards):
            _put(tx, rel, data, written)
    _put(tx, FACETS, facets.rows(recs), written)
    _put(tx, INDEX, index_json(keys, facets, site_fp), written)
    if texts is not None:
        _put(tx, OFFLINE, offline_js(recs, texts), written)
    return Bundle(all_files(len(recs), texts is not None), written, "cold")


def small_index(recs: list[Record], text_of: Callable[[Document], str], texts: list[str] | None,
                shards: int) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of every docs/N.json and shards/N.bin, in plain Python: for small sites, and
    the reference that searchbuild.build_index() is tested against."""
    body: dict[str, list[int]] = {}
    title: dict[str, list[int]] = {}
    rows = []
    for i, r in enumerate(recs):
        text = text_of(r.doc)
        rows.append([r.url, r.title, r.date, text])
        if texts is not None:
            texts.append(text)
        for token in tokens(f"{r.title} {text}"):
            body.setdefault(token, []).append(i)
        for token in tokens(r.title):
            title.setdefault(token, []).append(i)
    for c in range(0, len(rows), CHUNK):
        yield chunk_path(c // CHUNK), chunk_json(rows[c:c + CHUNK])
    entries: list[dict[str, tuple[bytes, bytes]]] = [{} for _ in range(shards)]
    for token, ids in body.items():
        entries[shard_of(token, shards)][token] = (encode_ids(ids), encode_ids(title.get(token, [])))
    for number, found in enumerate(entries):
        yield shard_path(number), join_shard(found)


def _unchanged(out_dir: Path, stats: dict[str, tuple[int, int]]) -> bool:
    root = str(out_dir)
    return all(same_stat(f"{root}/{rel}", seen) for rel, seen in stats.items())


def _patch(previous: dict[str, Any], recs: list[Record], keys: list[tuple[str, str]], facets: Facets, site: Site, site_fp: str,
           tx: Transaction) -> Bundle | None:
    """Update the last build's index for the documents that changed, or None when ids moved."""
    old = previous.get("records")
    if (not isinstance(old, list) or len(old) != len(recs) or previous.get("facets") != facets.values
            or not all(digest for _, digest in keys)):
        return None
    changed = [i for i, (was, now) in enumerate(zip(old, keys)) if was != now]
    if len(changed) > PATCH_LIMIT or any(old[i][0] != keys[i][0] for i in changed):
        return None  # ids moved (a document added, removed, renamed or re-dated), or too much to patch
    files = all_files(len(recs), False)
    stats = previous.get("files")
    if not isinstance(stats, dict) or set(stats) != files or not _unchanged(tx.out_dir, stats):
        return None  # OUT is not what the last build wrote
    try:
        new_files = _patched_files(changed, recs, keys, facets, site, site_fp, tx.out_dir)
    except (OSError, ValueError, LookupError, TypeError):
        return None  # OUT's index files are not what they should be: make them anew
    written: set[str] = set()
    for rel, data in new_files.items():
        _put(tx, rel, data, written)
    for rel in files - new_files.keys():
        tx.keep(rel)
    return Bundle(files, written, "patched" if changed else "unchanged", known=stats)


def _patched_files(changed: list[int], recs: list[Record], keys: list[tuple[str, str]], facets: Facets, site: Site,
                   site_fp: str, out_dir: Path) -> dict[str, bytes]:
    """The new bytes of the index files that documents `changed` touch, from OUT's files (read only)."""
    shards = shard_count(len(recs))
    text_of = Texts(site)
    edits: dict[int, dict[str, list[tuple[int, int, bool]]]] = {}  # shard → token → (id, list, add)
    chunks: dict[int, list[list[str]]] = {}
    for i in changed:
        rows = chunks.get(i // CHUNK)
        if rows is None:
            rows = chunks[i // CHUNK] = json.loads((out_dir / chunk_path(i // CHUNK)).read_bytes())
        _, old_title, _, old_text = rows[i % CHUNK]
        r = recs[i]
        new_text = text_of(r.doc)
        rows[i % CHUNK] = [r.url, r.title, r.date, new_text]
        for which, before, after in ((0, tokens(f"{old_title} {old_text}"), tokens(f"{r.title} {new_text}")),
                                     (1, tokens(old_title), tokens(r.title))):
            for token, add in [(t, False) for t in before - after] + [(t, True) for t in after - before]:
                edits.setdefault(shard_of(token, shards), {}).setdefault(token, []).append((i, which, add))
    out: dict[str, bytes] = {}
    for number, ops in edits.items():
        entries = parse_shard((out_dir / shard_path(number)).read_bytes())
        for token, changes in ops.items():
            lists = [decode_ids(part) for part in entries.get(token, (b"\x00", b"\x00"))]
            for i, which, add in changes:
                ids = lists[which]
                at = bisect_left(ids, i)
                if add:
                    ids.insert(at, i)
                elif at < len(ids) and ids[at] == i:
                    del ids[at]
            if lists[0]:
                entries[token] = (encode_ids(lists[0]), encode_ids(lists[1]))
            else:
                entries.pop(token, None)
        out[shard_path(number)] = join_shard(entries)
    for number, rows in chunks.items():
        out[chunk_path(number)] = chunk_json(rows)
    width = sum(facets.widths)
    facet_rows = bytearray((out_dir / FACETS).read_bytes())
    for i in changed:
        facet_rows[i * width:(i + 1) * width] = facets.row(recs[i])
    out[FACETS] = bytes(facet_rows)
    out[INDEX] = index_json(keys, facets, site_fp)
    return out
