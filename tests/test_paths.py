"""Paths: nothing in content or on the command line makes bulletin write outside SITE and OUT.

Slugs (of cases, reports, pages, places, topics), titles that slugs are made from, report
permalinks, `bulletin new` titles and `-o` values are tried with `..`, absolute paths,
backslashes and symlinks. Every run is checked against a snapshot of the whole test
folder: the only changes allowed are OUT itself and SITE/.cache.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import case_text, make_site, run
from generator.core.themedir import builtin_theme_dir

import generator


def snapshot(root: Path, skip: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    """Every path under root (files and links with size and mtime, folders) except those under `skip`."""
    found = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if any(here == s or here.is_relative_to(s) for s in skip):
            dirs[:] = []
            continue
        for name in dirs + files:
            path = here / name
            if any(path == s for s in skip):
                continue
            stat = path.lstat()
            is_dir = name in dirs  # a folder's mtime changes when SITE/.cache appears in it: compare files only
            found[path.relative_to(root).as_posix()] = (0, 0) if is_dir else (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """tmp/site (the site), tmp/outside (a bystander folder with a file), OUT at tmp/out."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "keep.txt").write_text("bystander", "utf-8")
    make_site(tmp_path / "site", {"content/cases/ok.md": case_text(slug="ok")})
    return tmp_path


def build_confined(world: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """Build tmp/site into tmp/out; assert nothing changed outside OUT and SITE/.cache."""
    site, out = world / "site", world / "out"
    skip = (out, site / ".cache")
    before = snapshot(world, skip)
    code, _, err = run(["build", str(site), "-o", str(out), *extra], capsys)
    after = snapshot(world, skip)
    added = sorted(set(after) - set(before))
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert added == [] and changed == [], (added, changed)
    assert "Traceback" not in err and "internal error" not in err
    if code == 0:
        assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    return code, err


ESCAPES = ["../../../escape", "/tmp/escape", "..", "a/../../b", "..\\..\\escape", "%2e%2e/escape", "x\\..\\..\\y", " ../x"]


@pytest.mark.parametrize("slug", ESCAPES)
@pytest.mark.parametrize("kind", ["cases", "reports", "pages"])
def test_a_slug_cannot_leave_out(kind: str, slug: str, world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = {"cases": case_text(slug="placeholder", title="越界"),
            "reports": "---\ntitle: 越界报道\ndate: 2022-01-04\nslug: placeholder\n---\n正文\n",
            "pages": "---\ntitle: 越界页面\nslug: placeholder\n---\n正文\n"}[kind]
    (world / "site" / "content" / kind).mkdir(exist_ok=True)
    (world / "site" / "content" / kind / "x.md").write_text(text.replace("slug: placeholder", f"slug: {slug!r}"), "utf-8")
    code, err = build_confined(world, capsys)
    assert code == 1 and f"content/{kind}/x.md:" in err and "slug" in err


@pytest.mark.parametrize("title", ["../../../escape", "/tmp/escape", "..", "..\\..\\escape", "./.", "~/escape"])
def test_a_title_cannot_make_a_slug_that_leaves_out(title: str, world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (world / "site" / "content" / "cases" / "t.md").write_text(
        f"---\ntitle: {title!r}\ndate: 2021-06-20\ntownship: 凉泉乡\ntopics: [交通出行]\nstatus: raised\n---\n正文\n", "utf-8")
    (world / "site" / "content" / "reports").mkdir()
    (world / "site" / "content" / "reports" / "2022-01-04-..md").write_text(f"---\ntitle: {title!r}\n---\n正文\n", "utf-8")
    code, err = build_confined(world, capsys)
    assert code in (0, 1), err


def test_a_report_permalink_is_ignored(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (world / "site" / "content" / "reports").mkdir()
    (world / "site" / "content" / "reports" / "2022-01-04-roundup.md").write_text(
        "---\ntitle: 报道\npermalink: /../../../escape/index.html\nlayout: ../../../../etc/passwd\n---\n正文\n", "utf-8")
    code, err = build_confined(world, capsys)
    assert code == 0, err
    assert (world / "out" / "reports" / "roundup" / "index.html").is_file()


@pytest.mark.parametrize("field", ["slug: ../../../escape", "slug: /tmp/escape", "name: ..", "name: ../escape"])
def test_place_and_topic_slugs_cannot_leave_out(field: str, world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = world / "site"
    places = (site / "content" / "places.yaml").read_text("utf-8")
    (site / "content" / "places.yaml").write_text(places + f"            - {field}\n" + (
        "              name: 新乡镇\n" if field.startswith("slug") else ""), "utf-8")
    code, err = build_confined(world, capsys)
    assert code in (0, 1)
    topics = (site / "content" / "topics.yaml").read_text("utf-8")
    (site / "content" / "places.yaml").write_text(places, "utf-8")
    (site / "content" / "topics.yaml").write_text(topics + f"- {field}\n" + ("  name: 新议题\n" if field.startswith("slug") else ""), "utf-8")
    code, err = build_confined(world, capsys)
    assert code in (0, 1)
    if field.startswith("slug"):
        assert "content/topics.yaml:" in err and "slug" in err


@pytest.mark.parametrize("title", ["../../../escape", "/tmp/escape", "..\\..\\escape", "../../content/places"])
def test_new_writes_only_a_case_file_inside_site(title: str, world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = world / "site"
    before = snapshot(world, (site / "content" / "cases", site / ".cache"))
    code, out, err = run(["new", str(site), title, "--township", "凉泉乡", "--topic", "交通出行"], capsys)
    assert code == 0, err
    created = Path(out.strip())
    created = created if created.is_absolute() else Path.cwd() / created
    assert created.resolve().parent == (site / "content" / "cases").resolve() and created.suffix == ".md"
    assert snapshot(world, (site / "content" / "cases", site / ".cache")) == before


@pytest.mark.parametrize("title", ["..", "/", "../..", "\\"])
def test_new_refuses_a_title_with_nothing_to_name_a_file(title: str, world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(world, ())
    code, _, err = run(["new", str(world / "site"), title, "--township", "凉泉乡", "--topic", "交通出行"], capsys)
    assert code == 1 and err and snapshot(world, ()) == before


def refused(argv: list[str], world: Path, capsys: pytest.CaptureFixture[str]) -> str:
    before = snapshot(world, ())
    code, _, err = run(argv, capsys)
    assert code == 2, err
    assert snapshot(world, ()) == before
    return err


@pytest.mark.parametrize("where", ["site", ".", "/", "site/content", "site/content/cases", "site/templates", "site/static/x",
                                   "site/themes/default", "site/.cache", "site/output/../content", "site/content/../..",
                                   "outside", "outside/keep.txt", "site/site.yaml"])
def test_out_that_would_destroy_other_files_exits_2(where: str, world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = where if where.startswith("/") else str(world / where)
    refused(["build", str(world / "site"), "-o", target], world, capsys)


def test_out_through_a_symlink_into_the_sources_exits_2(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (world / "link").symlink_to(world / "site" / "content")
    refused(["build", str(world / "site"), "-o", str(world / "link")], world, capsys)
    (world / "site" / "output").symlink_to(world / "site" / "content")   # the default OUT, SITE/output
    refused(["build", str(world / "site")], world, capsys)


@pytest.mark.parametrize("inside", [builtin_theme_dir(), builtin_theme_dir() / "static" / "new",
                                    Path(generator.__file__).parent / "new"])
def test_out_in_bulletins_own_files_exits_2(inside: Path, world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(["build", str(world / "site"), "-o", str(inside)], world, capsys)
    assert "bulletin's own files" in err
    assert not inside.exists() or inside == builtin_theme_dir()


def test_a_folder_of_other_files_is_not_replaced(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(["build", str(world / "site"), "-o", str(world / "outside")], world, capsys)
    assert "index.html" in err
    assert (world / "outside" / "keep.txt").read_text("utf-8") == "bystander"


def test_an_empty_folder_or_an_earlier_build_is_fine(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (world / "out").mkdir()
    assert build_confined(world, capsys)[0] == 0
    assert build_confined(world, capsys)[0] == 0   # OUT now holds an earlier build


def test_links_out_of_the_site_are_never_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: 机密\n---\n不应发布\n", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("不应发布", encoding="utf-8")
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(slug="a")})
    (site / "content" / "pages").mkdir(parents=True, exist_ok=True)
    (site / "content" / "pages" / "leak.md").symlink_to(secret)
    (site / "static").mkdir()
    (site / "static" / "leak.txt").symlink_to(tmp_path / "outside.txt")
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and err.startswith("content/pages/leak.md: ")
    (site / "content" / "pages" / "leak.md").unlink()
    assert run(["build", str(site), "-o", str(tmp_path / "out")], capsys)[0] == 0
    assert not (tmp_path / "out" / "leak.txt").exists()
    assert "不应发布" not in "".join(p.read_text("utf-8", "replace") for p in (tmp_path / "out").rglob("*.html"))


def test_a_document_whose_title_and_file_name_make_no_slug_is_told_to_add_one(world: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`2022-01-04-..md` titled `..` gave the address reports//, written over the reports list."""
    (world / "site" / "content" / "reports").mkdir()
    (world / "site" / "content" / "reports" / "2022-01-04-..md").write_text("---\ntitle: '..'\n---\n正文\n", "utf-8")
    code, err = build_confined(world, capsys)
    assert code == 1
    assert "content/reports/2022-01-04-..md:1: 无法从标题或文件名生成网址；请写上 slug" in err
