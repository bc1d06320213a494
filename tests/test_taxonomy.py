"""Cross-file rules (slug collisions, links naming nothing) and the lookup index."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import case_text, make_site, run, without_count


def build_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> list[str]:
    site = make_site(tmp_path / "site", files)
    code, _, stderr = run(["check", str(site)], capsys)
    assert code == 1, stderr
    return without_count(stderr).splitlines()


def test_slug_collision_names_both_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = build_errors(tmp_path, capsys, {
        "content/cases/a.md": case_text(slug="bridge"),
        "content/cases/sub/b.md": case_text(title="另一个", slug="bridge"),
    })
    assert errors == ["content/cases/sub/b.md:7: 案例网址 slug「bridge」与 content/cases/a.md:7 重复；请在其中一个文件里写不同的 slug"]


def test_default_slugs_collide_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "---\ntitle: 同一个标题\ndate: 2021-06-20\ntownship: 凉泉乡\ntopics: [交通出行]\nstatus: raised\n---\n"
    errors = build_errors(tmp_path, capsys, {"content/cases/a.md": text, "content/cases/b.md": text})
    assert errors == ["content/cases/b.md:2: 案例网址 slug「tong-yi-ge-biao-ti」与 content/cases/a.md:2 重复；请在其中一个文件里写不同的 slug"]


def test_three_files_one_slug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = build_errors(tmp_path, capsys, {f"content/cases/{n}.md": case_text(slug="x") for n in "abc"})
    assert [e.split(":")[0] for e in errors] == ["content/cases/b.md", "content/cases/c.md"]
    assert all("content/cases/a.md:7" in e for e in errors)


def test_reports_and_pages_have_their_own_collisions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = build_errors(tmp_path, capsys, {
        "content/cases/a.md": case_text(slug="about"),       # a case and a page may share a slug: different URLs
        "content/reports/2021-01-01-x.md": "---\ntitle: 甲\n---\n",
        "content/reports/x.md": "---\ntitle: 乙\ndate: 2021-01-02\n---\n",
        "content/pages/about.md": "---\ntitle: 关于\n---\n",
        "content/pages/more/about.md": "---\ntitle: 关于2\n---\n",
    })
    assert errors == [
        "content/pages/more/about.md:2: 页面网址 slug「about」与 content/pages/about.md:2 重复；请在其中一个文件里写不同的 slug",
        "content/reports/x.md:2: 报道网址 slug「x」与 content/reports/2021-01-01-x.md:2 重复；请在其中一个文件里写不同的 slug",
    ]


@pytest.mark.parametrize("slug", ["cases", "townships", "search", "stats", "data", "assets", "reports", "page"])
def test_pages_cannot_take_reserved_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str], slug: str) -> None:
    errors = build_errors(tmp_path, capsys, {"content/cases/a.md": case_text(),
                                             "content/pages/p.md": f"---\ntitle: 页\nslug: {slug}\n---\n"})
    assert errors == [f"content/pages/p.md:3: 页面 slug「{slug}」是网站保留的路径；请换一个 slug"]


def test_links_naming_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = build_errors(tmp_path, capsys, {
        "content/cases/a.md": case_text(slug="bridge", body="见[报道](report:nope)\n\n和[页面](page:abuot)"),
        "content/pages/about.md": "---\ntitle: 关于\n---\n[桥](case:bridge) [错](case:brigde)\n",
        "content/reports/r.md": "---\ntitle: 报道\ndate: 2021-07-01\ncases: [bridge, bridge-2]\n---\n",
    })
    assert errors == [
        "content/cases/a.md:9: 链接 report:nope 指向的报道不存在（或是草稿）；请检查 slug 拼写",
        "content/cases/a.md:11: 链接 page:abuot 指向的页面不存在（或是草稿）；请检查 slug 拼写；你是不是想写 about？",
        "content/pages/about.md:4: 链接 case:brigde 指向的案例不存在（或是草稿）；请检查 slug 拼写；你是不是想写 bridge？",
        "content/reports/r.md:4: 链接 case:bridge-2 指向的案例不存在（或是草稿）；请检查 slug 拼写；你是不是想写 bridge？",
    ]


def test_links_are_not_checked_twice_when_a_file_is_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A link to a file with an error of its own is not a second report of that error."""
    errors = build_errors(tmp_path, capsys, {
        "content/cases/a.md": case_text(slug="a", body="[b](case:b)"),
        "content/cases/b.md": case_text(slug="b", status="resolvd"),
    })
    assert len(errors) == 1 and errors[0].startswith("content/cases/b.md:6:")


def test_index_orders_and_relates(tmp_path: Path) -> None:
    import datetime as dt

    from generator.source.config import BuildOptions
    from generator.build.load import load_site
    from generator.site.taxonomy import build_index
    site_dir = make_site(tmp_path / "site", {
        "content/cases/a.md": case_text(slug="a", date="2021-06-20"),
        "content/cases/b.md": case_text(slug="b", date="2021-06-20"),
        "content/cases/c.md": case_text(slug="c", date="2021-07-01", township="赛口镇"),
        "content/cases/d.md": case_text(slug="d", date="2020-01-01", township="杨庙镇", status="raised",
                                        extra="", title="别处"),
        "content/reports/r.md": "---\ntitle: 报道\ndate: 2021-08-01\ncases: [d]\n---\n[a](case:a)\n",
    })
    loaded = load_site(site_dir, BuildOptions(today=dt.date(2022, 1, 1)))
    site = loaded[0]
    assert [c.slug for c in site.cases] == ["c", "a", "b", "d"]      # date desc, then slug
    index = build_index(site)
    assert index.by_township["liangquan"] == ("a", "b")
    assert index.by_stage["resolved"] == ("c", "a", "b") and index.by_stage["raised"] == ("d",)
    assert index.by_year[2021] == ("c", "a", "b") and index.by_year[2020] == ("d",)
    assert index.by_topic["transport"] == ("c", "a", "b", "d")
    assert index.reports_by_case == {"d": ("r",), "a": ("r",)}
    related = [c.slug for c in index.related(index.case_by_slug["a"])]
    assert related[0] == "b" and set(related) == {"b", "c", "d"} and "a" not in related


def test_pager_shows_first_last_and_two_either_side_with_one_gap_mark_each_side() -> None:
    """render.pager against the rule written out page by page (what the template once did)."""
    from generator.render.listing import pager
    for pages in range(1, 30):
        for page in range(1, pages + 1):
            expected: list[tuple[int | None, str | None]] = []
            for n in range(1, pages + 1):
                if n == 1 or n == pages or abs(n - page) <= 2:
                    expected.append((n, f"p{n}"))
                elif n in (2, pages - 1) and (None, None) not in expected[-1:]:
                    expected.append((None, None))
            made = pager(page, pages, pages * 20, lambda n: f"p{n}")
            assert made["shown"] == expected, (page, pages)
            assert made["urls"] == [f"p{n}" for n in range(1, pages + 1)]
