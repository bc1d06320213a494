"""The files of the search index under OUT/search/, canonical (the same site gives the same bytes):

- index.js     counts, shard and chunk sizes, the filter values, a stamp of the content;
- facets.js    one fixed-width row per document: township, stage, topics (filters, counts);
- shards/N.js  the postings of the tokens whose hash puts them in shard N (searchformat.py);
- docs/N.js    CHUNK documents each: url, title, date and the plain text excerpts come from.

Each file is a script of one call, bulletinSearchData("shards/3", PAYLOAD): JSON for index and
docs, a base64 string for the binary facets and shards. The page loads them with <script>
elements, which browsers allow from a server and from file:// (a folder, a USB stick) alike;
fetch() and modules are refused to a page opened from file://. One engine and one index,
online and offline.
Read by themes/default/static/assets/search-engine.js. Pure.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from generator.build.searchformat import CHUNK, FORMAT, Record, join_shard, shard_count, stamp
from generator.source.model import Site

BUNDLE = "search"
INDEX = f"{BUNDLE}/index.js"
FACETS = f"{BUNDLE}/facets.js"
CALLBACK = "bulletinSearchData"   # what every file calls; defined by assets/search-engine.js


def _dump(value: Any) -> bytes:
    """JSON that is also a JavaScript literal in every browser: U+2028 and U+2029 are legal in
    JSON but ended a string literal in JavaScript before 2019 (Chrome 66, Safari 12)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def shard_path(number: int) -> str:
    return f"{BUNDLE}/shards/{number}.js"


def chunk_path(number: int) -> str:
    return f"{BUNDLE}/docs/{number}.js"


def _script(rel: str, payload: bytes) -> bytes:
    """A file of the index: one call of CALLBACK with the file's name (its path in search/, no .js)."""
    name = rel[len(BUNDLE) + 1:-len(".js")]
    return f'{CALLBACK}("{name}",'.encode() + payload + b");\n"


def _payload(data: bytes) -> bytes:
    """What _script() wrapped; ValueError for a file that is not such a script."""
    head = data.find(b'",')
    if not data.startswith(f'{CALLBACK}("'.encode()) or head < 0 or not data.endswith(b");\n"):
        raise ValueError("not a search index script")
    return data[head + 2:-3]


def binary_file(rel: str, data: bytes) -> bytes:
    return _script(rel, b'"' + base64.b64encode(data) + b'"')


def read_binary(data: bytes) -> bytes:
    payload = _payload(data)
    if payload[:1] != b'"' or payload[-1:] != b'"':
        raise ValueError("not a binary search index script")
    return base64.b64decode(payload[1:-1], validate=True)


def read_json(data: bytes) -> Any:
    return json.loads(_payload(data))


def shard_file(number: int, entries: dict[str, tuple[bytes, bytes]]) -> bytes:
    return binary_file(shard_path(number), join_shard(entries))


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


def index_file(keys: list[tuple[str, str]], facets: Facets, site_fp: str) -> bytes:
    return _script(INDEX, _dump({"format": FORMAT, "stamp": stamp(site_fp, keys), "documents": len(keys),
                                 "shards": shard_count(len(keys)), "chunk": CHUNK, "facets": facets.values,
                                 "widths": list(facets.widths)}))


def chunk_file(number: int, rows: list[list[str]]) -> bytes:
    return _script(chunk_path(number), _dump(rows))


def all_files(documents: int) -> set[str]:
    files = {INDEX, FACETS} | {shard_path(s) for s in range(shard_count(documents))}
    return files | {chunk_path(c) for c in range((documents + CHUNK - 1) // CHUNK)}
