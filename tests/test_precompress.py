"""site.yaml `precompress: true`: FILE.gz beside every text file, the same bytes unpacked,
reproducible, kept up to date by warm builds, and absent by default."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from conftest import case_text, make_site, run, tree_hash

from generator.build.assets import COMPRESSED_SUFFIXES

pytestmark = pytest.mark.clock   # builds pages that depend on today


def site_with(root: Path, precompress: bool) -> Path:
    flag = "precompress: true\n" if precompress else ""
    return make_site(root, {"site.yaml": f"title: 测试公报\nbase_url: https://bulletin.test/\n{flag}",
                            "content/cases/a.md": case_text(slug="a"),
                            "content/cases/b.md": case_text(slug="b", title="杨湾村渠道", body="渠道清淤。")})


def test_every_text_file_has_its_gz_and_nothing_else_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path / "site", True)
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    texts = {f for f in files if f.endswith(COMPRESSED_SUFFIXES)}
    assert {"index.html", "feed.xml", "data/cases.json", "data/cases.csv", "sitemap.xml"} <= texts
    assert {f + ".gz" for f in texts} <= files
    assert not {f for f in files if f.endswith(".gz") and f[:-3] not in texts}
    for rel in texts:
        assert gzip.decompress((out / (rel + ".gz")).read_bytes()) == (out / rel).read_bytes(), rel


def test_off_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path / "site", False)
    assert run(["build", str(site), "-o", str(tmp_path / "out"), "--jobs", "1"], capsys)[0] == 0
    assert not list((tmp_path / "out").rglob("*.gz"))


def test_reproducible_and_warm_builds_equal_cold_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path / "site", True)
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert run(["build", str(site), "-o", str(tmp_path / "again"), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    assert tree_hash(out) == tree_hash(tmp_path / "again")
    case = site / "content/cases/b.md"
    case.write_text(case.read_text(encoding="utf-8").replace("渠道清淤。", "渠道清淤，已完工。"), encoding="utf-8")
    (site / "content/cases/a.md").unlink()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert "已完工" in gzip.decompress((out / "cases/b/index.html.gz").read_bytes()).decode()
    assert not (out / "cases/a/index.html.gz").exists()
    copy = tmp_path / "copy"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".cache"))
    assert run(["build", str(copy), "-o", str(tmp_path / "cold"), "--jobs", "1"], capsys)[0] == 0
    assert tree_hash(out) == tree_hash(tmp_path / "cold")


def test_brotli_copies_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import brotli
    site = make_site(tmp_path / "site", {"site.yaml": "title: 测试公报\nbase_url: https://bulletin.test/\nprecompress: [gzip, brotli]\n",
                                         "content/cases/a.md": case_text(slug="a")})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    texts = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name.endswith(COMPRESSED_SUFFIXES)}
    for rel in texts:
        original = (out / rel).read_bytes()
        assert brotli.decompress((out / (rel + ".br")).read_bytes()) == original, rel
        assert gzip.decompress((out / (rel + ".gz")).read_bytes()) == original, rel
    home = out / "index.html"
    assert len((out / "index.html.br").read_bytes()) < len((out / "index.html.gz").read_bytes()) < len(home.read_bytes())
    only = make_site(tmp_path / "only", {"site.yaml": "title: 测试公报\nbase_url: https://bulletin.test/\nprecompress: brotli\n",
                                         "content/cases/a.md": case_text(slug="a")})
    assert run(["build", str(only), "-o", str(tmp_path / "only-out"), "--jobs", "1"], capsys)[0] == 0
    assert list((tmp_path / "only-out").rglob("*.br")) and not list((tmp_path / "only-out").rglob("*.gz"))


def test_an_unknown_format_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"site.yaml": "title: 测试公报\nbase_url: https://bulletin.test/\nprecompress: [gzip, brotly]\n",
                                         "content/cases/a.md": case_text(slug="a")})
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1
    assert err.splitlines() == ["site.yaml:3: precompress 中有未知的格式「brotly」；可写 true，或 [gzip, brotli]；你是不是想写 brotli？"]
