"""data/places.json: the place tree as open data, and the record of township URLs that the
next build reads back so that those URLs stay where they are. Pure.

Each township carries its slug, its URL and `moved_from`, the slugs it had before; a build
publishes a page at each old address that sends the reader on (render/renderer.py "moved").
"""
from __future__ import annotations

import json
from typing import Any

from generator.core import urls
from generator.source.model import Site
from generator.source.places import TOWNSHIP_DEPTH, PlaceHistory

LEVELS = ("province", "city", "county", "township", "village")


def places_json(site: Site) -> str:
    moved: dict[str, list[str]] = {}
    for old, new in site.places.moved:
        moved.setdefault(new, []).append(old)
    records: list[dict[str, Any]] = []
    for place in site.places.places:
        record: dict[str, Any] = {"name": place.name, "level": LEVELS[min(place.depth, len(LEVELS) - 1)],
                                  "path": list(place.path), "slug": place.slug, "pinyin": site.places.reading(place)}
        if place.depth == TOWNSHIP_DEPTH:
            record["url"] = site.base_url + urls.township(place.slug)
            record["moved_from"] = sorted(moved.get(place.slug, ()))
        records.append(record)
    return json.dumps({"places": records}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def read_history(text: str) -> PlaceHistory:
    """Township label (县/乡 path joined by /) → (slug, earlier slugs), from an earlier
    build's data/places.json; anything unreadable gives no history rather than an error."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    records = data.get("places") if isinstance(data, dict) else None
    for record in records if isinstance(records, list) else ():
        if not isinstance(record, dict) or record.get("level") != "township":
            continue
        path, slug, before = record.get("path"), record.get("slug"), record.get("moved_from", [])
        if (isinstance(path, list) and all(isinstance(p, str) for p in path) and isinstance(slug, str)
                and isinstance(before, list) and all(isinstance(s, str) for s in before)):
            found["/".join(path)] = (slug, tuple(before))
    return found
