"""The watcher: which paths count as sources, debounced batches, and real watchdog events."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from generator.preview.watch import Changes, Watcher, is_source


@pytest.mark.parametrize("rel", [
    "site.yaml", "content/cases/a.md", "content/places.yaml", "templates/case.html",
    "static/logo.png", "themes/default/i18n/zh-CN.yaml", "content", "themes",
])
def test_sources_are_watched(rel: str) -> None:
    assert is_source(rel)


@pytest.mark.parametrize("rel", [
    "output/index.html", "output", ".output.staging-123/index.html", ".cache/docs.db", ".cache",
    ".git/index", "content/cases/.a.md.swp", "content/cases/a.md~", "content/cases/4913",
    "content/cases/#a.md#", "content/cases/.#a.md", "README.md", "benchmarks/generate.py",
    "content/cases/a.md___jb_tmp___",
])
def test_outputs_caches_and_scratch_files_are_not(rel: str) -> None:
    assert not is_source(rel)


def test_changes_wait_for_a_quiet_moment_and_merge_a_burst() -> None:
    changes = Changes()
    def burst() -> None:
        for i in range(5):
            changes.add(f"content/cases/{i % 2}.md")
            time.sleep(0.02)
    threading.Thread(target=burst).start()
    started = time.monotonic()
    batch = changes.wait(quiet=0.1)
    assert batch == ["content/cases/0.md", "content/cases/1.md"]
    assert time.monotonic() - started >= 0.18   # the last event came ~80 ms in, then 100 ms of quiet


def test_a_completed_save_settles_sooner_than_a_write_in_progress() -> None:
    changes = Changes()
    changes.add("content/a.md")                  # modified: the editor may still be writing
    started = time.monotonic()
    assert changes.wait(quiet=0.5) == ["content/a.md"]
    assert time.monotonic() - started >= 0.45
    changes.add("content/a.md")
    changes.add("content/a.md", complete=True)   # closed after writing, or renamed into place
    started = time.monotonic()
    assert changes.wait(quiet=0.5) == ["content/a.md"]
    assert 0.04 <= time.monotonic() - started < 0.3   # a tenth of the quiet time


def test_a_real_save_is_reported_as_complete(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    seen: list[tuple[str, bool]] = []
    watcher = Watcher(site, lambda rel, complete: seen.append((rel, complete)))
    watcher.start()
    try:
        (site / "content" / "a.md").write_text("x", encoding="utf-8")
        deadline = time.monotonic() + 5
        while ("content/a.md", True) not in seen and time.monotonic() < deadline:
            time.sleep(0.01)
        assert seen[-1] == ("content/a.md", True)
    finally:
        watcher.stop()


def test_a_steady_stream_still_yields_a_batch_after_the_longest_wait() -> None:
    changes = Changes()
    stop = threading.Event()
    def stream() -> None:
        while not stop.is_set():
            changes.add("content/cases/a.md")
            time.sleep(0.01)
    threading.Thread(target=stream, daemon=True).start()
    started = time.monotonic()
    try:
        assert changes.wait(quiet=0.1, longest=0.3) == ["content/cases/a.md"]
        assert time.monotonic() - started < 1.0
    finally:
        stop.set()


def test_closing_releases_a_waiting_builder() -> None:
    changes = Changes()
    threading.Timer(0.05, changes.close).start()
    assert changes.wait() is None


def _collect(site: Path, extra: dict[str, Path] | None = None) -> tuple[Watcher, Changes]:
    changes = Changes()
    watcher = Watcher(site, changes.add, extra=extra)
    watcher.start()
    return watcher, changes


def test_real_edits_are_reported_site_relative_and_output_is_ignored(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content" / "cases").mkdir(parents=True)
    (site / "output").mkdir()
    (site / "site.yaml").write_text("title: x\n", encoding="utf-8")
    watcher, changes = _collect(site)
    try:
        (site / "output" / "index.html").write_text("built", encoding="utf-8")
        (site / ".output.staging-1").mkdir()
        (site / ".output.staging-1" / "a.html").write_text("x", encoding="utf-8")
        (site / ".cache").mkdir()
        (site / ".cache" / "db").write_text("x", encoding="utf-8")
        (site / "content" / "cases" / "a.md").write_text("---\n", encoding="utf-8")
        (site / "site.yaml").write_text("title: y\n", encoding="utf-8")
        batch = changes.wait(quiet=0.2)
        assert batch is not None and set(batch) == {"content/cases/a.md", "site.yaml"}
    finally:
        watcher.stop()


def test_reading_sources_does_not_count_as_a_change(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    case = site / "content" / "a.md"
    case.write_text("x", encoding="utf-8")
    watcher, changes = _collect(site)
    try:
        for _ in range(3):
            case.read_bytes()   # what every build does
        threading.Timer(0.5, changes.close).start()
        assert changes.wait(quiet=0.05) is None
    finally:
        watcher.stop()


def test_save_by_rename_touch_and_a_new_source_folder_are_seen(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "content" / "a.md").write_text("old", encoding="utf-8")
    watcher, changes = _collect(site)
    try:
        scratch = site / "content" / ".a.md.swp"
        scratch.write_text("new", encoding="utf-8")
        scratch.replace(site / "content" / "a.md")   # an editor's atomic save
        assert changes.wait(quiet=0.2) == ["content/a.md"]
        (site / "content" / "a.md").touch()          # watchdog 7 reports this as FileAttribEvent
        assert changes.wait(quiet=0.2) == ["content/a.md"]
        (site / "static").mkdir()
        assert changes.wait(quiet=0.2) == ["static"]
        (site / "static" / "style.css").write_text("b{}", encoding="utf-8")
        batch = changes.wait(quiet=0.2)
        assert batch is not None and "static/style.css" in batch
    finally:
        watcher.stop()


def test_a_rename_between_sources_reports_both_names(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "content" / "a.md").write_text("a", encoding="utf-8")
    watcher, changes = _collect(site)
    try:
        (site / "content" / "a.md").rename(site / "content" / "b.md")   # serve's listing must drop a.md
        batch = changes.wait(quiet=0.2)
        assert batch is not None and set(batch) == {"content/a.md", "content/b.md"}
    finally:
        watcher.stop()


def test_the_built_in_theme_outside_the_site_is_watched_too(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    theme = tmp_path / "builtin"
    (theme / "templates").mkdir(parents=True)
    watcher, changes = _collect(site, extra={"(built-in theme)": theme})
    try:
        (theme / "templates" / "case.html").write_text("x", encoding="utf-8")
        assert changes.wait(quiet=0.2) == ["(built-in theme)/templates/case.html"]
    finally:
        watcher.stop()
