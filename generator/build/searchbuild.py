"""The search index's postings made anew from every document, vectorised with numpy.

Every (token, document) pair becomes one 64-bit key, token code above the document id:
a CJK character is its code point, a bigram two code points (21 bits each), a word 2**42
plus its number in this build's vocabulary. Documents are cut in batches; each batch's
distinct keys are written to a temporary file ordered by group of consecutive shards, and
each group is then read back, sorted and encoded on its own: memory holds a batch or a
group, never every posting, and never a Python object per posting.
The bytes are those searchformat.encode_ids() and searchfiles.shard_file() give (tests compare them).
"""
from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.source.model import Document
from generator.build.searchformat import CJK, FNV_OFFSET, FNV_PRIME, M32, WORD, WORD_MAX, Record, fnv, normalize, varint

_CODE_BITS = 21
_CJK_END = 0x31350   # past the last CJK code point (searchformat.CJK)
_WORD_BASE = 1 << 42
SHARDS_PER_GROUP = 64


def _tables() -> tuple[np.ndarray, np.ndarray]:
    """Per BMP code point: what to read it as before NFKC, and whether it is CJK.

    Most characters that NFKC changes in Chinese text are full-width forms and punctuation
    (，：（）…). Each becomes its one-character compatibility decomposition, or a space when
    it decomposes to punctuation only (the tokens stay the same); then unicodedata's quick
    check passes on most text and normalising costs almost nothing. What is left is
    normalised as usual.
    """
    narrow = np.arange(0x10000, dtype=np.uint32)
    for c in range(0x10000):
        ch = chr(c)
        if 0xD800 <= c < 0xE000 or unicodedata.normalize("NFKC", ch) == ch or unicodedata.combining(ch):
            continue
        wide = unicodedata.normalize("NFKD", ch)
        if len(wide) == 1 and not unicodedata.combining(wide):
            narrow[c] = ord(wide)
        elif not any(x.isalnum() or unicodedata.combining(x) for x in wide):
            narrow[c] = 0x20
    cjk = np.zeros(0x10000, dtype=bool)
    for low, high in CJK:
        cjk[low:min(high, 0xFFFF) + 1] = True
    return narrow, cjk


_NARROW, _CJK_BMP = _tables()


class _Words:
    """Latin and digit words met so far: word → number, with each word's FNV hash."""

    def __init__(self) -> None:
        self.number: dict[str, int] = {}
        self.words: list[str] = []
        self.hashes: list[int] = []
        self._array = np.zeros(0, dtype=np.uint64)

    def code(self, word: str) -> int:
        n = self.number.get(word)
        if n is None:
            n = self.number[word] = len(self.words)
            self.words.append(word)
            self.hashes.append(fnv(word))
        return _WORD_BASE + n

    def hashes_of(self, codes: np.ndarray) -> np.ndarray:
        """The FNV hashes of words, by code."""
        if len(self._array) != len(self.hashes):
            self._array = np.array(self.hashes, dtype=np.uint64)
        return self._array[(codes - np.uint64(_WORD_BASE)).astype(np.intp)]



def _cjk_token(code: int) -> str:
    """The character or bigram of a CJK token code."""
    if code < 1 << _CODE_BITS:
        return chr(code)
    return chr(code >> _CODE_BITS) + chr(code & ((1 << _CODE_BITS) - 1))


def _cut(texts: list[str], first: int, doc_bits: int) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """The distinct CJK keys of documents first, first+1, ... holding `texts`, and their (word, id) pairs."""
    cp = np.frombuffer("\x00".join(t.replace("\x00", " ") for t in texts).encode("utf-32-le"), dtype=np.uint32)
    cp = np.where(cp < 0x10000, _NARROW[cp & 0xFFFF], cp)
    text = normalize(cp.tobytes().decode("utf-32-le"))
    cp = np.frombuffer((text + "\x00").encode("utf-32-le"), dtype=np.uint32)
    sep = cp == 0
    local = np.cumsum(sep) - sep                      # each character's document, 0 for the first
    doc = local.astype(np.uint64) + np.uint64(first)
    cjk = np.where(cp < 0x10000, _CJK_BMP[cp & 0xFFFF], (cp >= 0x20000) & (cp <= 0x3134F))
    wide = cp.astype(np.uint64)
    shift = np.uint64(doc_bits)
    pair = cjk[:-1] & cjk[1:]
    bigrams = (((wide[:-1][pair] << np.uint64(_CODE_BITS)) | wide[1:][pair]) << shift) | doc[:-1][pair]
    bigrams.sort()
    distinct = np.ones(len(bigrams), dtype=bool)
    distinct[1:] = bigrams[1:] != bigrams[:-1]
    words = [(word, n) for n, part in enumerate(text.split("\x00"), first)
             for word in {w[:WORD_MAX] for w in WORD.findall(part)}]
    return np.concatenate((_distinct_characters(cp[cjk], local[cjk], first, doc_bits), bigrams[distinct])), words


def _distinct_characters(chars: np.ndarray, docs: np.ndarray, first: int, doc_bits: int) -> np.ndarray:
    """The distinct (character, document) keys of a batch, without sorting: a table of the
    batch's characters by its documents, marked where a document holds a character (half the
    keys of a batch are single characters, and sorting them took a quarter of the index)."""
    present = np.zeros(_CJK_END, dtype=bool)
    present[chars] = True
    codes = np.flatnonzero(present)
    row = np.cumsum(present) - 1
    table = np.zeros((len(codes), int(docs.max()) + 1 if len(docs) else 0), dtype=bool)
    table[row[chars], docs] = True
    char_at, doc_at = np.nonzero(table)
    return (codes[char_at].astype(np.uint64) << np.uint64(doc_bits)) | (doc_at.astype(np.uint64) + np.uint64(first))


def _shards(codes: np.ndarray, word_hashes: Callable[[np.ndarray], np.ndarray] | None, shards: int) -> np.ndarray:
    """searchindex.shard_of() for many token codes at once; word_hashes(word codes) gives words' FNV hashes."""
    mask = np.uint64(M32)
    low = codes & np.uint64((1 << _CODE_BITS) - 1)
    single = codes < np.uint64(1 << _CODE_BITS)
    word = codes >= np.uint64(_WORD_BASE)
    first = np.where(single, codes, (codes >> np.uint64(_CODE_BITS)) & np.uint64((1 << _CODE_BITS) - 1))
    h = ((np.uint64(FNV_OFFSET) ^ first) * np.uint64(FNV_PRIME)) & mask
    h = np.where(single | word, h, ((h ^ low) * np.uint64(FNV_PRIME)) & mask)
    if word_hashes is not None and word.any():
        h[word] = word_hashes(codes[word])
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & mask
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & mask
    h ^= h >> np.uint64(16)
    return (h & np.uint64(shards - 1)).astype(np.intp)


def _varints(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """All values as varints, one after another, and where each value's bytes end."""
    size = np.ones(len(values), dtype=np.int64)
    for k in range(1, 5):
        size += values >= (1 << (7 * k))
    ends = np.cumsum(size)
    out = np.zeros(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    starts = ends - size
    for k in range(5):
        sel = size > k
        if not sel.any():
            break
        byte = (values[sel] >> (7 * k)) & 0x7F
        byte |= (size[sel] > k + 1).astype(np.int64) << 7
        out[starts[sel] + k] = byte
    return out.tobytes(), ends


class _Lists:
    """The encoded id list of every token among some sorted distinct keys."""

    def __init__(self, keys: np.ndarray, doc_bits: int) -> None:
        codes = keys >> np.uint64(doc_bits)
        ids = (keys & np.uint64((1 << doc_bits) - 1)).astype(np.int64)
        head = np.ones(len(keys), dtype=bool)
        head[1:] = codes[1:] != codes[:-1]
        starts = np.flatnonzero(head)
        ends = np.append(starts[1:], len(keys)) if len(starts) else starts
        gaps = ids.copy()
        gaps[1:] -= ids[:-1]
        gaps[starts] = ids[starts]
        self.buffer, value_ends = _varints(gaps)
        offsets = np.concatenate(([0], value_ends))
        sizes = offsets[ends] - offsets[starts]
        bitmap = ((ids[ends - 1] >> 3) + 1 < sizes) if len(keys) else np.zeros(0, dtype=bool)
        self.codes = codes[starts]
        self.ids = ids
        self.spans = list(zip(starts.tolist(), ends.tolist(), offsets[starts].tolist(), offsets[ends].tolist(),
                              bitmap.tolist()))

    def encoded(self, t: int) -> bytes:
        start, end, low, high, bitmap = self.spans[t]
        if bitmap:
            ids = self.ids[start:end]
            bits = np.zeros(((int(ids[-1]) >> 3) + 1) * 8, dtype=bool)
            bits[ids] = True
            payload = np.packbits(bits, bitorder="little").tobytes()
        else:
            payload = self.buffer[low:high]
        return varint((end - start) * 2 + bitmap) + varint(len(payload)) + payload


@dataclass(frozen=True)
class _Job:
    text_of: Callable[[Document], str]
    put: Callable[[str, bytes], bool]   # writes one file; True if its bytes changed
    doc_bits: int
    shards: int
    per_group: int
    folder: Path                        # keys spilled to disk between the two passes

    @property
    def groups(self) -> int:
        return self.shards // self.per_group

    def spill(self, name: str, keys: np.ndarray, word_hashes: Callable[[np.ndarray], np.ndarray] | None) -> tuple[str, list[int]]:
        """Write keys ordered by group of shards to a file; (file, where each group starts and ends)."""
        group = _shards(keys >> np.uint64(self.doc_bits), word_hashes, self.shards) // self.per_group
        order = np.argsort(group, kind="stable")
        path = str(self.folder / name)
        keys[order].tofile(path)
        return path, np.searchsorted(group[order], np.arange(self.groups + 1)).tolist()


def _batch(job: _Job, first: int, recs: list[Record]) -> tuple[Any, ...]:
    """One batch of documents: the docs/N.js files written, their keys spilled by group."""
    from generator.build.searchformat import CHUNK
    from generator.build.searchfiles import chunk_file, chunk_path
    texts = [job.text_of(r.doc) for r in recs]
    written = []
    for c in range(0, len(recs), CHUNK):
        rel = chunk_path((first + c) // CHUNK)
        if job.put(rel, chunk_file((first + c) // CHUNK, [[r.url, r.title, r.date, t] for r, t in zip(recs[c:c + CHUNK], texts[c:c + CHUNK])])):
            written.append(rel)
    body, body_words = _cut([f"{r.title} {t}" for r, t in zip(recs, texts)], first, job.doc_bits)
    title, title_words = _cut([r.title for r in recs], first, job.doc_bits)
    return (written, job.spill(f"{first}.body", body, None), body_words,
            job.spill(f"{first}.title", title, None), title_words)


def _read(spans: list[tuple[str, int, int]]) -> np.ndarray:
    parts = [np.fromfile(path, dtype=np.uint64, count=stop - start, offset=start * 8) for path, start, stop in spans]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)


def _group(job: _Job, g: int, body_spans: list[tuple[str, int, int]], title_spans: list[tuple[str, int, int]],
           words: _Words) -> list[str]:
    """Sort, encode and write the shards of one group; the paths whose bytes changed."""
    from generator.build.searchfiles import shard_file, shard_path
    body, title = _Lists(_read(body_spans), job.doc_bits), _Lists(_read(title_spans), job.doc_bits)
    in_title = dict(zip(title.codes.tolist(), range(len(title.codes))))
    entries: list[dict[str, tuple[bytes, bytes]]] = [{} for _ in range(job.per_group)]
    where = (_shards(body.codes, words.hashes_of, job.shards) - g * job.per_group).tolist()
    for t, (code, local) in enumerate(zip(body.codes.tolist(), where)):
        at = in_title.get(code)
        token = words.words[code - _WORD_BASE] if code >= _WORD_BASE else _cjk_token(code)
        entries[local][token] = (body.encoded(t), title.encoded(at) if at is not None else b"\x00")
    numbers = [g * job.per_group + local for local in range(job.per_group)]
    return [shard_path(n) for n, found in zip(numbers, entries) if job.put(shard_path(n), shard_file(n, found))]


def build_index(recs: list[Record], text_of: Callable[[Document], str], put: Callable[[str, bytes], bool],
                shards: int, batch: int) -> set[str]:
    """Write every docs/N.js and shards/N.js through put(); return the paths whose bytes changed.

    Two passes: documents in batches (text, chunk files, keys spilled to a temporary folder by
    group of shards), then groups (read back, sort, encode, write), so memory holds one batch
    or one group at a time.
    """
    from generator.build.searchformat import CHUNK
    batch = max(CHUNK, batch // CHUNK * CHUNK)  # a batch writes whole docs/N.js files
    words = _Words()
    spans: dict[str, list[tuple[str, list[int]]]] = {"body": [], "title": []}
    written: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="bulletin-search-") as folder:
        job = _Job(text_of, put, max(1, (len(recs) - 1).bit_length()), shards, min(shards, SHARDS_PER_GROUP), Path(folder))
        for first in range(0, len(recs), batch):
            changed, body, body_words, title, title_words = _batch(job, first, recs[first:first + batch])
            written.update(changed)
            for stream, spilled, found in (("body", body, body_words), ("title", title, title_words)):
                spans[stream].append(spilled)
                if found:
                    keys = (np.array([words.code(w) for w, _ in found], dtype=np.uint64) << np.uint64(job.doc_bits)) \
                        | np.array([n for _, n in found], dtype=np.uint64)
                    spans[stream].append(job.spill(f"{first}.{stream}-words", keys, words.hashes_of))
        for g in range(job.groups):
            body_spans, title_spans = ([(path, bounds[g], bounds[g + 1]) for path, bounds in spans[stream]
                                        if bounds[g] < bounds[g + 1]] for stream in ("body", "title"))
            written.update(_group(job, g, body_spans, title_spans, words))
    return written
