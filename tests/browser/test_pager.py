"""The pager partial rendered on its own (no browser needed): a window of page numbers,
from what render.pager() gives it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.core.errors import Problems
from generator.render.listing import pager as make_pager
from generator.render.theme import load_theme, make_environment


@pytest.fixture(scope="module")
def pager():
    env = make_environment(load_theme(Path("/nonexistent-site"), "default", "zh-CN", Problems()))
    template = env.get_template("partials/pager.html")

    def render(page: int, pages: int) -> tuple[list[str], str]:
        html = template.render(pager=make_pager(page, pages, pages * 10, lambda n: f"p{n}/"),
                               url=lambda path: "../" + path)
        shown = re.findall(r'<li[^>]*>(?:<a[^>]*>)?(‹ 上一页|下一页 ›|\d+|…)', html)
        return shown, html
    return render


def test_one_page_needs_no_pager(pager) -> None:
    assert pager(1, 1)[1].strip() == ""


def test_few_pages_are_all_listed(pager) -> None:
    shown, html = pager(2, 3)
    assert shown == ["‹ 上一页", "1", "2", "3", "下一页 ›"]
    assert '<a href="../p2/" aria-label="第 2 页" aria-current="page">2</a>' in html
    assert 'rel="prev"' in html and 'href="../p1/" rel="prev"' in html


def test_many_pages_show_first_last_and_two_either_side(pager) -> None:
    assert pager(10, 40)[0] == ["‹ 上一页", "1", "…", "8", "9", "10", "11", "12", "…", "40", "下一页 ›"]
    assert pager(1, 40)[0] == ["1", "2", "3", "…", "40", "下一页 ›"]
    assert pager(40, 40)[0] == ["‹ 上一页", "1", "…", "38", "39", "40"]
    assert pager(4, 40)[0][:7] == ["‹ 上一页", "1", "2", "3", "4", "5", "6"]   # no gap hiding a single number
