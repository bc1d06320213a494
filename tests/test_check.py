"""Golden errors: each broken fixture site gives its exact stderr, exit 1, and leaves OUT untouched.

Also: `bulletin check` validates the same things and writes nothing anywhere.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import case_text, make_site, run, tree_hash, without_count

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
BASE = FIXTURES / "base"
BROKEN = sorted(p.name for p in (FIXTURES / "broken").iterdir() if p.is_dir())


def compose(name: str, target: Path) -> Path:
    """The base site with one broken overlay on top."""
    shutil.copytree(BASE, target)
    shutil.copytree(FIXTURES / "broken" / name, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt"))
    return target


def all_paths(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.fixture(scope="module")
def good_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("good")
    out = root / "out"
    shutil.copytree(BASE, root / "site")        # never build inside the repository (SITE/.cache)
    from generator.cli import main
    assert main(["build", str(root / "site"), "-o", str(out), "--jobs", "1"]) == 0
    assert (out / "cases" / "liangquan-bridge" / "index.html").is_file()
    return out


def test_there_are_enough_fixtures() -> None:
    assert len(BROKEN) >= 20
    overlays = [FIXTURES / "broken" / n / "site.yaml" for n in BROKEN]
    english = [p for p in overlays if p.exists() and "language: en" in p.read_text("utf-8")]
    assert len(english) >= 2


@pytest.mark.parametrize("name", BROKEN)
def test_broken_site_build(name: str, tmp_path: Path, good_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = compose(name, tmp_path / "site")
    out = tmp_path / "out"
    shutil.copytree(good_out, out)
    before = tree_hash(out)
    expected = (FIXTURES / "broken" / name / "expected.txt").read_text("utf-8")
    assert expected.strip(), "expected.txt must hold the stderr lines"

    code, stdout, stderr = run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)

    assert code == 1
    assert stderr == expected
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert stdout == ""
    assert tree_hash(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"], "staging folders were left behind"
    assert not (site / "output").exists()


@pytest.mark.parametrize("name", BROKEN)
def test_broken_site_check(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = compose(name, tmp_path / "site")
    before = all_paths(tmp_path)
    code, _, stderr = run(["check", str(site)], capsys)
    assert code == 1
    assert without_count(stderr) == (FIXTURES / "broken" / name / "expected.txt").read_text("utf-8")
    assert all_paths(tmp_path) == before


@pytest.mark.parametrize(("rel", "text", "expected"), [
    ("content/places.yaml", "- name: 安徽省\n  children:\n  - name: 安庆市\n   slug: x\n",
     "content/places.yaml:4: YAML 格式错误：缩进不一致或缺少冒号；请检查这一行和上一行"),
    ("content/places.yaml", "- name: 望江县\n  children:\n    - name: 凉泉乡\n",
     ("content/places.yaml:1: places.yaml 中没有乡镇（街道）一级：乡镇（街道）应写在 省 > 市 > 县（区） 之下，"
      "例如 安徽省 > 安庆市 > 望江县 > 凉泉乡")),
    ("content/topics.yaml", "- name: 交通出行\n  name: 农田水利\n", "content/topics.yaml:2: 键「name」重复（第 1 行已经写过）；请删除其中一个"),
])
def test_a_broken_shared_file_is_one_error_however_many_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              rel: str, text: str, expected: str) -> None:
    files = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}") for i in range(30)}
    files[rel] = text
    site = make_site(tmp_path / "site", files)
    code, _, stderr = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1
    assert stderr.splitlines() == [expected]


def test_every_problem_is_reported_sorted_by_path_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        "content/cases/b.md": case_text(slug="b", status="resolvd", extra="outcom: x\n"),
        "content/cases/a.md": case_text(slug="a", township="凉泉镇"),
        "content/pages/p.md": "no front matter\n",
        "site.yaml": "title: 测试\nper_pag: 2\n",
    })
    code, _, stderr = run(["check", str(site)], capsys)
    assert code == 1
    assert [line.split(": ")[0] for line in without_count(stderr).splitlines()] == [
        "content/cases/a.md:4", "content/cases/b.md:6", "content/cases/b.md:8", "content/pages/p.md:1", "site.yaml:2"]


def test_check_on_a_good_site_writes_nothing_anywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    shutil.copytree(BASE, site)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    before = all_paths(tmp_path)
    hashed = tree_hash(site)
    code, stdout, stderr = run(["check", str(site)], capsys)
    assert (code, stderr) == (0, "")
    assert stdout.strip() == "检查通过，没有发现问题"
    assert all_paths(tmp_path) == before      # no output/, no .cache/, no temporary files
    assert tree_hash(site) == hashed


def test_check_finds_broken_internal_links_in_templates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(BASE, site)
    make_site(site, {"templates/page.html": '{% extends "default/page.html" %}{% block main %}'
                                            '<a href="{{ url(\'nowhere/\') }}">x</a>{{ super() }}{% endblock %}'},
              defaults=False)
    code, _, stderr = run(["check", str(site)], capsys)
    assert code == 1
    assert "nowhere/index.html" in stderr and stderr.startswith("about/index.html: ")


def test_a_broken_link_in_a_body_is_reported_at_its_source_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(BASE, site)
    about = site / "content" / "pages" / "about.md"
    about.write_text(about.read_text("utf-8") + "\n[坏链接](/nowhere/)\n", encoding="utf-8")
    code, _, stderr = run(["check", str(site)], capsys)
    assert code == 1
    assert stderr.startswith("content/pages/about.md:7: ")
