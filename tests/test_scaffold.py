"""`bulletin init` gives a site that builds as is; `bulletin new` writes a draft case that builds."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import case_text, make_site, run, tree_hash

INIT_BASE_URL_WARNING = ("site.yaml:3: warning: base_url 仍是示例地址 https://example.org/；发布前请改成网站的真实地址"
                         "（如 https://zx.example.gov.cn/），否则订阅、站点地图和开放数据中的链接都会指向别处")

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours


@pytest.fixture
def init_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    target = tmp_path / "新站点"
    code, stdout, stderr = run(["init", str(target)], capsys)
    assert (code, stderr) == (0, "")
    assert stdout.strip() == str(target.resolve())
    return target


def test_init_writes_a_skeleton_that_builds(init_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for rel in ("site.yaml", "content/places.yaml", "content/topics.yaml"):
        assert (init_site / rel).is_file()
    assert list((init_site / "content" / "cases").glob("*.md"))
    code, _, stderr = run(["build", str(init_site)], capsys)
    assert (code, stderr) == (0, INIT_BASE_URL_WARNING + "\n")   # init writes a placeholder address
    site_yaml = init_site / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8").replace("https://example.org/", "https://zx.wangjiang.gov.cn/"), "utf-8")
    code, _, stderr = run(["build", str(init_site)], capsys)
    assert (code, stderr) == (0, "")   # and says nothing once the real address is set
    cases = json.loads((init_site / "output" / "data" / "cases.json").read_text("utf-8"))["cases"]
    assert len(cases) == 1 and (init_site / "output" / "cases" / cases[0]["slug"] / "index.html").is_file()
    assert run(["check", str(init_site)], capsys)[0] == 0


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, stderr = run(["init", str(tmp_path / "x")], capsys)
    assert code == 2 and "not an empty folder" in stderr
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["notes.txt"]


def test_init_refuses_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site.txt").write_text("mine", encoding="utf-8")
    code, _, stderr = run(["init", str(tmp_path / "site.txt")], capsys)
    assert code == 2 and stderr.startswith("bulletin: ") and "Traceback" not in stderr
    assert (tmp_path / "site.txt").read_text("utf-8") == "mine"


def test_init_into_an_empty_existing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert run(["init", str(tmp_path / "empty")], capsys)[0] == 0
    assert (tmp_path / "empty" / "site.yaml").is_file()


def test_new_writes_a_draft_case_that_builds(init_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2022, 3, 1, 12, tzinfo=dt.UTC).timestamp())))
    code, stdout, stderr = run(["new", str(init_site), "南干渠新架桥梁：群众“出行难”解决了",
                                "--township", "凉泉乡", "--topic", "交通出行"], capsys)
    assert code == 0
    assert stderr.startswith("这是一篇草稿（draft: true），不会出现在公开网站上；用 bulletin serve --drafts 预览")
    path = Path(stdout.strip())
    assert path.resolve() == (init_site / "content" / "cases" / "nan-gan-qu-xin-jia-qiao-liang-qun-zhong-chu-xing-nan-jie-jue-le.md").resolve()
    text = path.read_text("utf-8")
    assert "date: 2022-03-01" in text and "draft: true" in text and "南干渠新架桥梁：群众“出行难”解决了" in text

    out = tmp_path / "out"
    code, stdout, _ = run(["build", str(init_site), "-o", str(out)], capsys)
    assert code == 0 and stdout.rstrip().endswith("；未发布：1 篇草稿（用 --drafts 预览）")
    assert not (out / "cases" / "nan-gan-qu-xin-jia-qiao-liang-qun-zhong-chu-xing-nan-jie-jue-le").exists()
    code, stdout, stderr = run(["build", str(init_site), "-o", str(out), "--drafts"], capsys)
    assert (code, stderr) == (0, INIT_BASE_URL_WARNING + "\n") and "未发布" not in stdout
    page = (out / "cases" / "nan-gan-qu-xin-jia-qiao-liang-qun-zhong-chu-xing-nan-jie-jue-le" / "index.html").read_text("utf-8")
    assert "南干渠新架桥梁：群众“出行难”解决了" in page
    # A preview cannot pass for the public page: a banner, and no search engine indexes it.
    assert '<p class="draft-banner" role="note"><strong>草稿</strong>' in page
    assert '<meta name="robots" content="noindex">' in page
    home = (out / "index.html").read_text("utf-8")
    assert "draft-banner" not in home and 'content="noindex"' not in home


def test_skipped_drafts_and_future_documents_are_counted_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2022, 3, 1, 12, tzinfo=dt.UTC).timestamp())))
    site = make_site(tmp_path / "site", {
        "site.yaml": "title: Test\nlanguage: en\n",
        "content/cases/a.md": case_text(slug="a", extra="draft: true\n"),
        "content/cases/b.md": case_text(slug="b", extra="draft: true\n"),
        "content/cases/c.md": case_text(slug="c", date="2023-01-01"),
        "content/cases/d.md": case_text(slug="d")})
    code, stdout, _ = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 0 and stdout.rstrip().endswith("; not published: 2 drafts, 1 dated after today (preview with --drafts)")


def test_new_refuses_to_overwrite(init_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["new", str(init_site), "卫生室视察", "--township", "凉泉乡", "--topic", "交通出行"]
    assert run(argv, capsys)[0] == 0
    written = init_site / "content" / "cases" / "wei-sheng-shi-shi-cha.md"
    written.write_text(written.read_text("utf-8") + "\n编辑过的内容\n", encoding="utf-8")
    before = tree_hash(init_site)
    code, _, stderr = run(argv, capsys)
    assert code == 1
    assert stderr == "content/cases/wei-sheng-shi-shi-cha.md: 文件已存在，不会覆盖；请换一个标题或先改名原文件\n"
    assert tree_hash(init_site) == before


@pytest.mark.parametrize(("township", "topic", "expected"), [
    ("凉泉镇", "交通出行", "content/places.yaml: content/places.yaml 中没有乡镇（街道）「凉泉镇」；你是不是想写 凉泉乡？\n"),
    ("凉泉乡", "交通", "content/topics.yaml: 没有议题「交通」；你是不是想写 交通出行？\n"),
])
def test_new_with_unknown_names_is_an_error(init_site: Path, township: str, topic: str, expected: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_hash(init_site)
    code, stdout, stderr = run(["new", str(init_site), "标题", "--township", township, "--topic", topic], capsys)
    assert (code, stdout, stderr) == (1, "", expected)
    assert tree_hash(init_site) == before


def test_new_accepts_a_township_path_and_several_topics(init_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (init_site / "content" / "topics.yaml").write_text("- name: 交通出行\n- name: 农田水利\n", encoding="utf-8")
    code, _, _ = run(["new", str(init_site), "两个议题", "--township", "望江县/凉泉乡",
                           "--topic", "交通出行", "--topic", "农田水利"], capsys)
    assert code == 0
    assert run(["build", str(init_site), "--drafts"], capsys)[0] == 0
    record = [c for c in json.loads((init_site / "output" / "data" / "cases.json").read_text("utf-8"))["cases"]
              if c["title"] == "两个议题"]
    assert record and record[0]["topics"] == ["交通出行", "农田水利"]


def test_new_with_a_title_that_makes_no_slug(init_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run(["new", str(init_site), "！？", "--township", "凉泉乡", "--topic", "交通出行"], capsys)
    assert code == 1 and "！？" in stderr


@pytest.mark.parametrize(("rel", "front"), [
    ("content/cases/2021/older.md", "title: 卫生室视察\n"),                          # the same title in a subfolder
    ("content/cases/other.md", "title: 别的标题\nslug: wei-sheng-shi-shi-cha\n"),      # a given slug
])
def test_new_refuses_a_slug_another_case_already_has(init_site: Path, capsys: pytest.CaptureFixture[str],
                                                     rel: str, front: str) -> None:
    (init_site / rel).parent.mkdir(parents=True, exist_ok=True)
    (init_site / rel).write_text(f"---\n{front}date: 2021-06-20\ntownship: 凉泉乡\ntopics: [交通出行]\nstatus: raised\n---\n",
                                 encoding="utf-8")
    before = tree_hash(init_site)
    code, _, stderr = run(["new", str(init_site), "卫生室视察", "--township", "凉泉乡", "--topic", "交通出行"], capsys)
    assert code == 1
    assert stderr == f"{rel}: 网址 slug「wei-sheng-shi-shi-cha」已被这个案例使用，新案例会与它冲突；请换一个标题\n"
    assert tree_hash(init_site) == before
