"""Same content, same bytes: across builds, OUT folders, file discovery order and --jobs."""
from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Self

import pytest
from conftest import REPO, case_text, make_site, run, tree_hash

FIXTURES = Path(__file__).parent / "fixtures" / "sites"


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same_tree(a: Path, b: Path) -> None:
    left, right = files_of(a), files_of(b)
    assert sorted(left) == sorted(right)
    differing = [rel for rel in left if left[rel] != right[rel]]
    assert differing == []
    assert tree_hash(a) == tree_hash(b)


def test_two_builds_of_the_example_are_byte_identical(example_out: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "elsewhere" / "public"
    assert run(["build", str(REPO), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert_same_tree(example_out, out)


def test_rebuilding_into_the_same_out_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "base", site)
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    first = tree_hash(out)
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert tree_hash(out) == first


def many_cases(count: int) -> dict[str, str]:
    """Cases spread over townships, topics, stages and dates, some with links and timelines."""
    townships = ["凉泉乡", "赛口镇", "杨庙镇"]
    stages = ["raised", "adopted", "consulting", "following_up", "resolved"]
    files = {}
    for i in range(count):
        extra = f"timeline:\n  - {{date: 2021-0{1 + i % 9}, stage: {stages[i % 5]}, text: 第{i}步}}\n"
        body = f"## 经过{i}\n\n第{i}号案例的正文。" + (f"见[上一个](case:case-{i - 1})。" if i else "")
        files[f"content/cases/{i % 7}/case-{i}.md"] = case_text(
            title=f"第{i}号协商案例", slug=f"case-{i}", township=townships[i % 3], status=stages[i % 5],
            date=f"20{20 + i % 3}-{1 + i % 12:02d}-{1 + i % 28:02d}", extra=extra, body=body)
    return files


def write_in_order(root: Path, files: dict[str, str], order: list[str]) -> Path:
    make_site(root, {}, defaults=True)
    for rel in order:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[rel], encoding="utf-8")
    return root


class _ShuffledScandir:
    """Like os.scandir's iterator (os.walk calls next() on it), in a shuffled order."""

    def __init__(self, entries: list[os.DirEntry[str]]) -> None:
        self.entries = iter(entries)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return self

    def __next__(self) -> os.DirEntry[str]:
        return next(self.entries)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def close(self) -> None:
        pass


def test_file_discovery_order_does_not_matter(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    files = many_cases(40)
    order = sorted(files)
    shuffled = order[:]
    random.Random(7).shuffle(shuffled)
    site_a = write_in_order(tmp_path / "a" / "site", files, order)
    site_b = write_in_order(tmp_path / "b" / "site", files, list(reversed(shuffled)))
    assert run(["build", str(site_a), "-o", str(tmp_path / "a" / "out"), "--jobs", "1"], capsys)[0] == 0

    # The second build also sees every directory listing in a random order.
    real_scandir = os.scandir
    rng = random.Random(11)

    def scandir(path: object = ".") -> _ShuffledScandir:
        with real_scandir(path) as it:  # type: ignore[arg-type]
            entries = list(it)
        rng.shuffle(entries)
        return _ShuffledScandir(entries)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", lambda path=".": [e.name for e in scandir(path)])
    assert run(["build", str(site_b), "-o", str(tmp_path / "b" / "out"), "--jobs", "1"], capsys)[0] == 0
    monkeypatch.undo()
    assert_same_tree(tmp_path / "a" / "out", tmp_path / "b" / "out")


def test_jobs_do_not_change_the_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With 400 files --jobs 2 parses (400 and up) and renders (200 jobs and up) in process pools;
    --jobs 1 --no-cache does both in this process, with no help from the first build's cache."""
    site = make_site(tmp_path / "site", many_cases(400))
    code, _, stderr = run(["build", str(site), "-o", str(tmp_path / "two"), "--jobs", "2"], capsys)
    assert (code, stderr) == (0, "")
    code, _, stderr = run(["build", str(site), "-o", str(tmp_path / "one"), "--jobs", "1", "--no-cache"], capsys)
    assert (code, stderr) == (0, "")
    assert len(list((tmp_path / "one" / "cases").iterdir())) == 400
    assert_same_tree(tmp_path / "one", tmp_path / "two")


def test_output_does_not_depend_on_the_site_or_out_location(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "base", tmp_path / "x" / "site")
    shutil.copytree(FIXTURES / "base", tmp_path / "另一个目录" / "站点")
    assert run(["build", str(tmp_path / "x" / "site"), "-o", str(tmp_path / "o1")], capsys)[0] == 0
    monkeypatch.chdir(tmp_path / "另一个目录")
    assert run(["build", "站点", "-o", "输出"], capsys)[0] == 0
    assert_same_tree(tmp_path / "o1", tmp_path / "另一个目录" / "输出")
    text = b"".join(files_of(tmp_path / "o1").values())
    assert str(tmp_path).encode() not in text
