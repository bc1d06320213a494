"""Township addresses: pinyin that reads place names as places (长岭镇 → chang-ling-zhen), a
places.yaml override, and URLs that stay where the last build published them, with a page
at any old address that leads to the new one."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_site, run

PLACES = """\
- name: 安徽省
  children:
    - name: 安庆市
      children:
        - name: 望江县
          children:
            - 凉泉乡
            - 长岭镇
"""
ANOTHER_COUNTY = """\
        - name: 太湖县
          children:
            - 凉泉乡
"""


def case(township: str = "凉泉乡", title: str = "南干渠新架桥梁", slug: str | None = "bridge") -> str:
    return (f"---\ntitle: {title}\ndate: 2021-06-20\ntownship: {township}\ntopics: [交通出行]\nstatus: resolved\n"
            + (f"slug: {slug}\n" if slug else "") + "---\n正文。\n")


def places_json(out: Path) -> dict[str, dict[str, object]]:
    records = json.loads((out / "data/places.json").read_text("utf-8"))["places"]
    return {"/".join(r["path"]): r for r in records}


def build(site: Path, capsys: pytest.CaptureFixture[str], out: Path | None = None) -> tuple[str, str]:
    code, stdout, err = run(["build", str(site), "--jobs", "1", *(["-o", str(out)] if out else [])], capsys)
    assert code == 0, err
    return stdout, err


def test_place_names_read_as_places_and_places_yaml_can_say_how(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/places.yaml": PLACES + "            - name: 乐平镇\n              pinyin: Le Ping  Zhen\n",
                                         "content/cases/a.md": case("长岭镇")})
    build(site, capsys)
    records = places_json(site / "output")
    assert records["安徽省/安庆市/望江县/长岭镇"]["slug"] == "chang-ling-zhen"
    assert records["安徽省/安庆市/望江县/长岭镇"]["url"] == "https://bulletin.test/townships/chang-ling-zhen/"
    assert records["安徽省/安庆市/望江县/乐平镇"]["slug"] == "le-ping-zhen"
    assert records["安徽省/安庆市/望江县/乐平镇"]["pinyin"] == "le ping zhen"
    assert (site / "output/townships/chang-ling-zhen/index.html").is_file()


def test_titles_that_name_a_place_read_it_as_the_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/places.yaml": PLACES + "            - name: 长坝村\n              pinyin: chang ba cun\n",
                                         "content/cases/a.md": case("长岭镇", title="镇长走访长坝村", slug=None)})
    build(site, capsys)
    assert (site / "output/cases/zhen-zhang-zou-fang-chang-ba-cun/index.html").is_file()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_place_with_a_slug_is_read_as_a_place_all_the_same(jobs: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Its pinyin is made only when asked for (while workers parse, with 400 files or more),
    but titles that name it and data/places.json read it as before."""
    files = {"content/places.yaml": PLACES.replace("            - 长岭镇\n", "            - name: 长岭镇\n              slug: changling\n"),
             "content/cases/a.md": case("长岭镇", title="镇长走访长岭镇", slug=None)}
    files.update((f"content/cases/n{i}.md", case(slug=f"n{i}")) for i in range(400 if jobs == "2" else 0))
    site = make_site(tmp_path / "site", files)
    code, _, err = run(["build", str(site), "--jobs", jobs], capsys)
    assert code == 0, err
    assert (site / "output/cases/zhen-zhang-zou-fang-chang-ling-zhen/index.html").is_file()
    assert places_json(site / "output")["安徽省/安庆市/望江县/长岭镇"]["pinyin"] == "chang ling zhen"
    assert places_json(site / "output")["安徽省/安庆市/望江县/长岭镇"]["slug"] == "changling"


def test_a_pinyin_that_is_not_pinyin_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/places.yaml": PLACES + "            - name: 乐平镇\n              pinyin: lè píng\n",
                                         "content/cases/a.md": case()})
    code, _, err = run(["check", str(site)], capsys)
    assert code == 1
    assert err.splitlines() == ["content/places.yaml:10: pinyin「lè píng」应为不带声调的拼音，音节之间用空格隔开，例如 pinyin: chang ling zhen",
                                "发现 1 个问题"]


def test_a_township_keeps_its_address_when_another_county_adds_one_of_the_same_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/places.yaml": PLACES, "content/cases/a.md": case()})
    build(site, capsys)
    assert places_json(site / "output")["安徽省/安庆市/望江县/凉泉乡"]["slug"] == "liang-quan-xiang"
    (site / "content/places.yaml").write_text(PLACES + ANOTHER_COUNTY, "utf-8")
    (site / "content/cases/a.md").write_text(case("望江县/凉泉乡"), "utf-8")
    code, _, err = run(["check", str(site)], capsys)
    assert (code, err) == (0, "")   # nothing moves, so nothing to warn about
    _, err = build(site, capsys)
    assert err == ""
    records = places_json(site / "output")
    assert records["安徽省/安庆市/望江县/凉泉乡"]["slug"] == "liang-quan-xiang"      # where it was
    assert records["安徽省/安庆市/太湖县/凉泉乡"]["slug"] == "tai-hu-xian-liang-quan-xiang"   # the newcomer steps aside
    page = (site / "output/townships/liang-quan-xiang/index.html").read_text("utf-8")
    assert "南干渠新架桥梁" in page
    # A first build elsewhere has no earlier addresses: both same-named townships get their county's slug.
    build(site, capsys, tmp_path / "fresh")
    assert places_json(tmp_path / "fresh")["安徽省/安庆市/望江县/凉泉乡"]["slug"] == "wang-jiang-xian-liang-quan-xiang"


def test_a_moved_address_is_warned_about_and_leads_to_the_new_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/places.yaml": PLACES, "content/cases/a.md": case("长岭镇")})
    build(site, capsys)
    (site / "content/places.yaml").write_text(PLACES.replace("            - 长岭镇\n",
                                                             "            - name: 长岭镇\n              slug: changling\n"), "utf-8")
    warning = ("content/places.yaml:8: warning: 「安徽省/安庆市/望江县/长岭镇」的网址由 townships/chang-ling-zhen/ "
               "改为 townships/changling/；旧网址会生成一个跳转到新网址的页面")
    code, stdout, err = run(["check", str(site)], capsys)
    assert (code, err.splitlines()) == (0, [warning])
    _, err = build(site, capsys)
    assert err.splitlines() == [warning]
    old = (site / "output/townships/chang-ling-zhen/index.html").read_text("utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../../townships/changling/index.html">' in old
    assert '<link rel="canonical" href="https://bulletin.test/townships/changling/">' in old
    assert '<meta name="robots" content="noindex">' in old and "页面已搬到新地址" in old
    assert "chang-ling-zhen" not in (site / "output/sitemap.xml").read_text("utf-8")
    assert places_json(site / "output")["安徽省/安庆市/望江县/长岭镇"]["moved_from"] == ["chang-ling-zhen"]
    # The next builds say nothing more and keep the old address leading on.
    _, err = build(site, capsys)
    assert err == "" and (site / "output/townships/chang-ling-zhen/index.html").is_file()
    assert run(["check", str(site)], capsys)[:3:2] == (0, "")


def test_an_unreadable_places_json_means_no_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/places.yaml": PLACES, "content/cases/a.md": case()})
    build(site, capsys)
    for text in ("{not json", '{"places": 3}', '{"places": [{"level": "township", "path": "x", "slug": 1}]}'):
        (site / "output/data/places.json").write_text(text, "utf-8")
        _, err = build(site, capsys)
        assert err == "" and places_json(site / "output")["安徽省/安庆市/望江县/凉泉乡"]["slug"] == "liang-quan-xiang"
