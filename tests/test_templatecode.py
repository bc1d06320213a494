"""Templates compiled for speed (render/templatecode.py) give the pages plain Jinja gives,
honour a site's own partials, and report errors where they are."""
from __future__ import annotations

from pathlib import Path
import pytest

from conftest import REPO, case_text, make_site, run
from generator.build.load import load_site
from generator.render import templates
from generator.render.jobs import plan
from generator.render.renderer import Renderer
from generator.render.templatecode import output_escape
from generator.source.config import BuildOptions


def _pages(site_dir: Path) -> dict[str, bytes]:
    site, theme, _ = load_site(site_dir, BuildOptions(jobs=1, use_cache=False))
    renderer = Renderer(site, theme)
    pages = {}
    for job in plan(site, renderer.index):
        path, data = renderer.render(job)
        pages[path] = data if isinstance(data, bytes) else b"".join(data)
    return pages


def test_inlined_partials_give_the_pages_plain_jinja_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _pages(REPO)
    plain = templates.make_environment
    monkeypatch.setattr(templates, "make_environment", lambda theme, folder=None, inline=True: plain(theme, folder, False))
    exact = _pages(REPO)
    assert fast.keys() == exact.keys()
    assert [path for path in fast if fast[path] != exact[path]] == []
    assert len(fast) > 200


def test_output_escape_writes_what_markupsafe_writes() -> None:
    from markupsafe import Markup, escape
    for value in ["<a href=\"x\">&'</a>", "中文", "", 3, 2.5, None]:
        assert output_escape(value) == str(escape(value))
        assert type(output_escape(value)) is str   # no Markup object made: that is the point
    assert output_escape(Markup("<b>kept</b>")) == "<b>kept</b>"


def test_a_site_partial_replaces_the_inlined_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The built-in case.html compiles the built-in facts panel into itself; a site's own
    partials/facts.html, added after a build left compiled templates in .cache, is used."""
    site = make_site(tmp_path / "site", {"content/cases/bridge.md": case_text()})
    assert run(["build", str(site)], capsys)[0] == 0
    page = site / "output" / "cases" / "bridge" / "index.html"
    assert 'class="facts"' in page.read_text("utf-8")
    (site / "templates" / "partials").mkdir(parents=True)
    (site / "templates" / "partials" / "facts.html").write_text('<p class="own-facts">{{ case.title }}</p>\n', "utf-8")
    assert run(["build", str(site)], capsys)[0] == 0
    html = page.read_text("utf-8")
    assert '<p class="own-facts">南干渠新架桥梁</p>' in html and 'class="facts"' not in html


def test_an_error_in_an_inlined_partial_is_told_at_its_own_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """related.html is compiled into case.html; its failing line is still named as its own."""
    line = next(n for n, text in enumerate((REPO / "themes/default/templates/partials/related.html")
                                           .read_text("utf-8").splitlines(), 1) if "related_place" in text)
    site = make_site(tmp_path / "site", {
        "content/cases/bridge.md": case_text(),
        "content/cases/canal.md": case_text(title="支渠清淤", slug="canal"),
        # a site's string asks for a value the template does not give
        "themes/default/i18n/zh-CN.yaml": 'related_place: "同在{township}的案例"\n'})
    code, _, err = run(["build", str(site)], capsys)
    assert code == 1
    assert f"themes/default/templates/partials/related.html (built-in):{line}: 模板错误：'township'" in err



def test_a_card_serves_pages_of_every_depth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A built-in card is rendered once, with a stand-in root swapped for each page's own; a
    site's own card is rendered for each root, as it may use the root in any way it likes."""
    cases = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}", date=f"2021-06-{i + 1:02d}")
             for i in range(5)}
    site = make_site(tmp_path / "site", {**cases, "site.yaml": "title: 测试公报\nbase_url: https://bulletin.test/\nper_page: 2\n"})
    assert run(["build", str(site), "--jobs", "1"], capsys)[0] == 0
    out = site / "output"
    first = (out / "townships/liangquan/index.html").read_text("utf-8")
    third = (out / "townships/liangquan/page/3/index.html").read_text("utf-8")
    assert 'href="../../cases/c4/index.html"' in first and 'href="../../../../cases/c0/index.html"' in third
    assert "\x00" not in first + third
    (site / "templates" / "partials").mkdir(parents=True)
    (site / "templates" / "partials" / "card.html").write_text(
        '<li class="own-card" data-root="{{ root }}"><a href="{{ url(urls.case(case.slug)) }}">{{ case.title }}</a></li>\n', "utf-8")
    assert run(["build", str(site), "--jobs", "1"], capsys)[0] == 0
    third = (out / "townships/liangquan/page/3/index.html").read_text("utf-8")
    assert '<li class="own-card" data-root="../../../../"><a href="../../../../cases/c0/index.html">案例0</a></li>' in third
