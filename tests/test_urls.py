"""URL rules and safe_join: nothing a slug says can land outside OUT."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator.core import urls


def test_url_shapes() -> None:
    assert urls.case("liangquan-bridge") == "cases/liangquan-bridge/"
    assert urls.township("liangquan") == "townships/liangquan/"
    assert urls.township("liangquan", 1) == "townships/liangquan/"
    assert urls.township("liangquan", 2) == "townships/liangquan/page/2/"
    assert urls.topic("transport", 3) == "topics/transport/page/3/"
    assert urls.stage("resolved") == "stages/resolved/"
    assert urls.stage("resolved", 2) == "stages/resolved/page/2/"
    assert urls.report("roundup") == "reports/roundup/"
    assert urls.reports(2) == "reports/page/2/"
    assert urls.page("about") == "about/"
    assert urls.for_kind("case", "x") == "cases/x/"
    assert urls.for_kind("report", "x") == "reports/x/"
    assert urls.for_kind("page", "x") == "x/"


@pytest.mark.parametrize(("url", "out", "root"), [
    ("", "index.html", "./"),
    ("cases/x/", "cases/x/index.html", "../../"),
    ("townships/x/page/2/", "townships/x/page/2/index.html", "../../../../"),
    ("404.html", "404.html", "./"),
    ("feed.xml", "feed.xml", "./"),
    ("townships/x/feed.xml", "townships/x/feed.xml", "../../"),
])
def test_out_path_and_root(url: str, out: str, root: str) -> None:
    assert urls.out_path(url) == out
    assert urls.root_for(url) == root


def test_safe_join_accepts_plain_relative_paths(tmp_path: Path) -> None:
    assert Path(urls.safe_join(tmp_path, "cases/x/index.html")) == tmp_path / "cases" / "x" / "index.html"
    assert Path(urls.safe_join(tmp_path, "a.css")) == tmp_path / "a.css"


@pytest.mark.parametrize("rel", [
    "../x", "../../etc/passwd", "cases/../../x", "/etc/passwd", "a\\..\\b", "a\x00b", "..",
    "cases/..", "./../x", "", "cases//x", "cases/x/",
])
def test_safe_join_refuses_escapes(tmp_path: Path, rel: str) -> None:
    with pytest.raises(ValueError):
        urls.safe_join(tmp_path, rel)
