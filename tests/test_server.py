"""`bulletin serve`: serving only OUT, live reload over server-sent events, the error overlay,
surviving broken edits, and a clean Ctrl-C."""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
from conftest import REPO, case_text, make_site, run, tree_hash

from generator.source.config import BuildOptions
from generator.preview.live import EVENTS_PATH, LiveState, inject
from generator.preview.server import Preview, resolve

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours

BROKEN_YAML = "---\ntitle: 南干渠新架桥梁\ndate: [2021-06-20\ntownship: 凉泉乡\n---\n正文。\n"


class Events:
    """A minimal server-sent-events client: each message's JSON, in order."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        self.conn.request("GET", EVENTS_PATH)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")

    def next(self) -> dict[str, object]:
        while True:
            line = self.response.fp.readline()
            if not line:
                raise EOFError("event stream closed")
            if line.startswith(b"data: "):
                return json.loads(line[6:])  # type: ignore[no-any-return]

    def until(self, test: object, limit: float = 20.0) -> dict[str, object]:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            message = self.next()
            if test(message):  # type: ignore[operator]
                return message
        raise AssertionError("no matching event")

    def close(self) -> None:
        self.conn.close()


def get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)   # the path goes out exactly as given
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", {
        "content/cases/bridge.md": case_text(),
        "content/cases/canal.md": case_text(title="杨庙镇支渠清淤", slug="canal", township="杨庙镇"),
    })


@pytest.fixture
def live(site: Path) -> Iterator[tuple[Preview, list[str]]]:
    lines: list[str] = []
    preview = Preview(site, site / "output", BuildOptions(jobs=1), port=0,
                      out=lines.append, err=lines.append)
    with preview.running():
        yield preview, lines


def port_of(preview: Preview) -> int:
    return int(preview.httpd.server_address[1])


def build_errors(site: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> list[str]:
    """What `bulletin build` prints for the site as it is now."""
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "check-out"), "--jobs", "1"], capsys)
    assert code == 1
    return err.splitlines()


def test_serves_pages_with_the_live_script_while_out_stays_as_built(live: tuple[Preview, list[str]], site: Path,
                                                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    preview, lines = live
    status, headers, body = get(port_of(preview), "/cases/bridge/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "南干渠新架桥梁" in body.decode()
    assert body.count(b'id="bulletin-live"') == 1 and body.index(b'id="bulletin-live"') < body.rindex(b"</body>")
    assert b"bulletin-live" not in (site / "output" / "cases" / "bridge" / "index.html").read_bytes()
    code, _, _ = run(["build", str(site), "-o", str(tmp_path / "plain"), "--jobs", "1"], capsys)
    assert code == 0 and tree_hash(site / "output") == tree_hash(tmp_path / "plain")
    status, headers, body = get(port_of(preview), "/feed.xml")
    assert status == 200 and body == (site / "output" / "feed.xml").read_bytes()   # only HTML gets the script
    assert any("写入" in line and "首次构建" in line for line in lines)


def test_directories_redirect_to_their_index_and_are_never_listed(live: tuple[Preview, list[str]], site: Path) -> None:
    preview, _ = live
    port = port_of(preview)
    status, headers, _ = get(port, "/cases/bridge?x=1")
    assert status == 301 and headers["Location"] == "/cases/bridge/?x=1"
    assert get(port, "/")[0] == 200
    (site / "output" / "empty").mkdir()
    status, _, body = get(port, "/empty/")
    assert status == 404 and b"bulletin-live" in body          # the site's 404 page, with the script
    assert get(port, "/nope.html")[0] == 404
    status, headers, body = get(port, "/cases/bridge/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


@pytest.mark.parametrize("path", [
    "/../site.yaml", "/cases/../../site.yaml", "/%2e%2e/site.yaml", "/%2E%2E/site.yaml", "/..%2fsite.yaml",
    "/%2e%2e%2fsite.yaml", "/%252e%252e/site.yaml", "/..%5csite.yaml", "/cases/..\\..\\site.yaml",
    "/./index.html", "/%00", "/%ff",
])
def test_paths_that_could_leave_out_are_refused(live: tuple[Preview, list[str]], path: str) -> None:
    preview, _ = live
    status, _, body = get(port_of(preview), path)
    assert status == 400
    assert "title:" not in body.decode("utf-8", "replace")


def test_a_symlink_out_of_out_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (out / "link.txt").symlink_to(tmp_path / "secret.txt")
    (out / "a.txt").write_text("a", encoding="utf-8")
    assert resolve(out, "/link.txt").status == HTTPStatus.FORBIDDEN
    assert resolve(out, "/a.txt").file == out / "a.txt"


def test_injection_goes_before_the_last_body_end_and_survives_script_breaking_text() -> None:
    state = LiveState()
    state.publish(False, ("content/cases/a.md:3: </script><b>x</b>",), "zh-CN")
    html = inject(b"<html><body><p>hi</p></body></html>", state.snapshot())
    assert html.startswith(b"<html><body><p>hi</p><script") and html.endswith(b"</script></body></html>")
    assert html.count(b"</script>") == 1   # the problem text cannot close the script early
    assert inject(b"<p>no body end", state.snapshot()).startswith(b"<p>no body end<script")


def test_an_edit_rebuilds_and_tells_open_pages_to_reload(live: tuple[Preview, list[str]], site: Path) -> None:
    preview, lines = live
    events = Events(port_of(preview))
    try:
        first = events.next()
        assert first["lines"] == []
        (site / "content" / "cases" / "bridge.md").write_text(case_text(title="凉泉乡新桥通车"), encoding="utf-8")
        message = events.until(lambda m: m["version"] != first["version"])
        assert message["lines"] == []
    finally:
        events.close()
    assert "凉泉乡新桥通车" in get(port_of(preview), "/cases/bridge/")[2].decode()
    # Pages reload as soon as OUT is swapped; the terminal line follows once the caches are saved.
    deadline = time.monotonic() + 10
    while not any(line.split(" ", 1)[1].startswith("content/cases/bridge.md：写入") for line in lines[1:]):
        assert time.monotonic() < deadline, lines
        time.sleep(0.01)


def test_a_hand_edit_of_out_is_repaired_once_the_preview_is_idle(live: tuple[Preview, list[str]], site: Path,
                                                                  tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rebuilds under serve trust OUT to hold what they wrote (session.Session); the check
    made when the preview is idle finds a hand edit, and a rebuild puts the page back."""
    preview, lines = live
    from generator.build import pipeline
    from generator.build import writer
    spare = pipeline.spare_dir(site, site / "output")
    deadline = time.monotonic() + 20
    while writer._read_state(spare.with_name(spare.name + ".state"), site / "output") is None:
        assert time.monotonic() < deadline, "the idle preview made no spare tree"
        time.sleep(0.02)
    # The check right after the first build is over: the next comes after the rebuild below.
    # (Made while the edits below were under way, it found them all at once and named the
    # case first: "bridge.md 等 2 个文件", and the page came back with no line naming it.)
    while preview.idle_checks < 1:
        assert time.monotonic() < deadline, "the preview made no check after its first build"
        time.sleep(0.02)
    page = site / "output" / "cases" / "canal" / "index.html"
    page.write_text("hand edit", encoding="utf-8")
    # A body edit elsewhere: the canal page's key does not change, so the rebuild keeps OUT's file.
    (site / "content" / "cases" / "bridge.md").write_text(case_text(body="桥已通车。"), encoding="utf-8")
    while not any("output/cases/canal/index.html" in line for line in lines):
        assert time.monotonic() < deadline, lines
        time.sleep(0.05)
    while page.read_text(encoding="utf-8") == "hand edit":
        assert time.monotonic() < deadline, lines
        time.sleep(0.05)
    assert "杨庙镇支渠清淤" in page.read_text(encoding="utf-8")
    assert run(["build", str(site), "-o", str(tmp_path / "plain"), "--jobs", "1"], capsys)[0] == 0
    assert tree_hash(site / "output") == tree_hash(tmp_path / "plain")


@pytest.mark.parametrize("name, path, text", [
    ("bad yaml", "content/cases/bridge.md", BROKEN_YAML),
    ("unknown township", "content/cases/bridge.md", case_text(township="凉泉镇")),
    ("template error", "templates/case.html", '{% extends "base.html" %}{% block main %}{% if %}{% endblock %}'),
])
def test_a_broken_edit_shows_the_build_errors_and_fixing_it_clears_them(
        live: tuple[Preview, list[str]], site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        name: str, path: str, text: str) -> None:
    preview, lines = live
    port = port_of(preview)
    good = (site / path).read_text(encoding="utf-8") if (site / path).exists() else None
    events = Events(port)
    try:
        version = events.next()["version"]
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text, encoding="utf-8")
        broken = events.until(lambda m: m["lines"])
        expected = build_errors(site, capsys, tmp_path)
        assert broken["lines"] == expected and broken["version"] == version
        assert all(re.match(r"^[\w/.-]+\.(md|html)(:\d+)?: ", line) for line in expected)
        # The last good site is still served, and every page carries the overlay's lines.
        status, _, body = get(port, "/cases/canal/")
        assert status == 200 and "杨庙镇支渠清淤" in body.decode()
        assert json.dumps(expected[0], ensure_ascii=False).replace("<", "\\u003c").encode() in body
        assert get(port, "/cases/bridge/")[0] == 200
        if good is None:
            (site / path).unlink()
        else:
            (site / path).write_text(good, encoding="utf-8")
        fixed = events.until(lambda m: not m["lines"])
        assert fixed["version"] != version
    finally:
        events.close()
    assert b'"lines": []' in get(port, "/cases/canal/")[2]
    assert any("构建失败" in line for line in lines) and any(line == "  " + expected[0] for line in lines)


def test_a_site_broken_from_the_start_is_served_with_the_overlay(site: Path) -> None:
    (site / "content" / "cases" / "bridge.md").write_text(BROKEN_YAML, encoding="utf-8")
    preview = Preview(site, site / "output", BuildOptions(jobs=1), port=0, out=lambda _: None,
                      err=lambda _: None)
    with preview.running():
        status, _, body = get(port_of(preview), "/")
        assert status == 404 and b"content/cases/bridge.md:3: " in body
        (site / "content" / "cases" / "bridge.md").write_text(case_text(), encoding="utf-8")
        events = Events(port_of(preview))
        try:
            events.until(lambda m: m["version"] == 1 and not m["lines"])
        finally:
            events.close()
        assert get(port_of(preview), "/")[0] == 200


def test_a_busy_port_is_a_usage_error(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    preview = Preview(site, site / "output", BuildOptions(jobs=1), port=0)
    try:
        code, _, err = run(["serve", str(site), "--port", str(port_of(preview))], capsys)
    finally:
        preview.close()
    assert code == 2 and "--port" in err
    assert not (site / "output").exists()


@pytest.mark.slow
def test_soak_500_rapid_edits_valid_and_broken_end_with_the_last_good_content(site: Path) -> None:
    lines: list[str] = []
    preview = Preview(site, site / "output", BuildOptions(jobs=1), port=0, out=lines.append, err=lines.append)
    with preview.running():
        _soak(preview, site, lines)
    assert not list(site.glob(".output.staging-*"))


def _soak(preview: Preview, site: Path, lines: list[str]) -> None:
    case = site / "content" / "cases" / "bridge.md"
    rng = random.Random(500)
    broken = [BROKEN_YAML, case_text(township="不存在乡"), case_text(status="finished"), b"\xff\xfe GBK?"]
    for i in range(500):
        if i % 2 == 0:
            case.write_text(case_text(title=f"第{i}次修改的标题"), encoding="utf-8")
        else:
            bad = broken[(i // 2) % len(broken)]
            case.write_bytes(bad if isinstance(bad, bytes) else bad.encode())
        time.sleep(rng.choice((0.0, 0.0, 0.01, 0.05, 0.12)))
    case.write_text(case_text(title="最后一次修改"), encoding="utf-8")
    events = Events(port_of(preview))
    try:
        deadline = time.monotonic() + 30
        while "最后一次修改" not in get(port_of(preview), "/cases/bridge/")[2].decode():
            assert time.monotonic() < deadline, "the last good edit was never served"
            time.sleep(0.1)
        events.until(lambda m: not m["lines"])
    finally:
        events.close()
    failed = sum("构建失败" in line for line in lines)
    built = sum("写入" in line for line in lines)
    assert failed >= 10 and built >= 10, (failed, built)   # both kinds of build happened mid-stream
    assert not any("internal error" in line for line in lines)
    assert preview._http_thread is not None and preview._http_thread.is_alive()


def _start_cli(site: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", str(site), "--port", "0", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
    assert match, "serve did not print its address"
    return proc, int(match.group(1))


def test_ctrl_c_during_a_parallel_build_exits_cleanly_without_staging_folders(tmp_path: Path) -> None:
    files = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}", body="正文。\n" * 40) for i in range(400)}
    site = make_site(tmp_path / "site", files)
    proc, _ = _start_cli(site, "--jobs", "2")
    deadline = time.monotonic() + 30
    while not list(site.glob(".output.staging-*")):   # interrupt the first build midway
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert not (site / "output").exists()   # the interrupt did land in the middle of the first build
    assert "Traceback" not in err
    assert not list(site.glob(".output.staging-*"))
    assert "已停止预览" in out


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_ctrl_c_lost_in_a_callback_still_ends_the_rebuild_loop() -> None:
    """Python prints a KeyboardInterrupt raised inside a weak reference's callback (or a
    __del__) as ignored and goes on: a Ctrl-C landing there once kept serve running after its
    first build. The handler also closes the change queue, so the loop ends all the same."""
    import weakref
    from generator.preview.server import _interrupts_main_process_only
    from generator.preview.watch import Changes
    changes = Changes()

    class Thing:
        pass
    with _interrupts_main_process_only(changes.close):
        thing = Thing()
        ref = weakref.ref(thing, lambda _: (os.kill(os.getpid(), signal.SIGINT), time.sleep(0.5)))
        del thing   # the callback runs; the KeyboardInterrupt raised in it is lost
        started = time.monotonic()
        assert changes.wait(idle=5.0) is None   # closed: loop() returns
        assert time.monotonic() - started < 1.0 and ref() is None


def test_cli_serves_then_stops_on_sigint(site: Path) -> None:
    proc, port = _start_cli(site)
    assert proc.stdout is not None
    try:
        # The summary line comes once the first build has saved its caches, a moment after
        # OUT is there: wait for the line itself, not for OUT (a Ctrl-C in between is
        # another test's subject).
        deadline = time.monotonic() + 30
        line = ""
        while not line.strip():
            assert time.monotonic() < deadline and proc.poll() is None, "no first-build line"
            if select.select([proc.stdout], [], [], 0.1)[0]:
                line = proc.stdout.readline()
        assert re.search(r"^\d\d:\d\d:\d\d 首次构建：写入 \d+ 个文件（共 \d+ 个），用时 \d+\.\d\d 秒$", line), line
        assert get(port, "/cases/bridge/")[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
    assert proc.returncode == 0 and err == ""
    assert "已停止预览" in out, out


def test_a_parallel_build_under_serve_finishes_and_its_workers_exit(tmp_path: Path) -> None:
    """Workers inherit serve's signal handlers; stopping them once hung the first build."""
    files = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}", body="正文。\n" * 40) for i in range(400)}
    site = make_site(tmp_path / "site", files)
    proc, port = _start_cli(site, "--jobs", "2")
    try:
        deadline = time.monotonic() + 60
        while not (site / "output" / "index.html").exists():
            assert time.monotonic() < deadline and proc.poll() is None, "the first build did not finish"
            time.sleep(0.05)
        assert get(port, "/cases/c7/")[0] == 200
        workers = [c for c in Path(f"/proc/{proc.pid}/task").glob("*/children") if c.read_text().split()]
        assert not workers, "build workers are left behind"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        finally:
            proc.kill()
    assert proc.returncode == 0
