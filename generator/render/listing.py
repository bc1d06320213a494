"""Helpers of list pages: the pager's numbers, and a list split by township. Pure."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.source.model import Case


def split_by_township(cases: Any, township: str) -> tuple[list[Case], list[Case]]:
    """(the cases in `township`, the others), each in the order given."""
    here = [c for c in cases if c.township == township]
    return here, [c for c in cases if c.township != township]


def pager(page: int, pages: int, total: int, url_of: Any) -> dict[str, Any]:
    """A list page's pager: `urls` of every page, and `shown`, the (number, url) pairs the
    page numbers show — first, last and two either side of `page` — with (None, None)
    where numbers are left out. Worked out here: a template looping over every page of
    every page was quadratic (a stage of 2,000 cases has 100 pages)."""
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    shown: list[tuple[int | None, str | None]] = []
    for n in numbers:
        previous = shown[-1][0] if shown else None
        if previous is not None and n - previous > 1:
            shown.append((None, None))
        shown.append((n, url_of(n)))
    return {"page": page, "pages": pages, "total": total, "shown": shown,
            "urls": [url_of(n) for n in range(1, pages + 1)]}
