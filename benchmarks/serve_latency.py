"""Save-to-reload latency of `bulletin serve`.

    python3 benchmarks/serve_latency.py [--cases 10000] [--runs 5] [--no-browser] [--keep DIR]
    BULLETIN_TIMINGS=1 python3 benchmarks/serve_latency.py ...   # also each rebuild's phases

Runs `python -m generator serve` on a copy of the example site and on a generated
site of N cases (benchmarks/generate.py), then edits one case's body and moves one
case to another township, several times each. For every edit it prints, measured
from the moment the file is written:

  disk    the case's page replaced in OUT (comparable to other generators' watch modes)
  signal  the reload message received on the live-reload event stream
  reload  Chromium's `load` event of the reloaded page (skipped with --no-browser)

and the server's own line for that rebuild (files written, build time).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("BULLETIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage"]
TOWNSHIP_RE = re.compile(r"^township:\s*(.+?)\s*$", re.MULTILINE)
SLUG_RE = re.compile(r"^slug:\s*([a-z0-9-]+)\s*$", re.MULTILINE)
BUILD_LINE_RE = re.compile(r"用时|构建失败| in [0-9.]+ s$|build failed")


class Server:
    """`bulletin serve` in a subprocess, with its event stream and its output lines followed in threads."""

    def __init__(self, site: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", str(site), "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        if not match:
            raise SystemExit(f"serve did not start: {first}{self.proc.stdout.read()}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}/"
        self.lines: list[tuple[float, str]] = []
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read_output, daemon=True).start()
        threading.Thread(target=self._read_events, daemon=True).start()

    def _read_output(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append((time.perf_counter(), line.rstrip("\n")))
                self.cond.notify_all()

    def _read_events(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=None)
        conn.request("GET", "/__bulletin/events")
        response = conn.getresponse()
        for raw in response.fp:
            if raw.startswith(b"data: "):
                with self.cond:
                    self.messages.append((time.perf_counter(), json.loads(raw[6:])))
                    self.cond.notify_all()

    def wait_message(self, after: int, limit: float = 900.0) -> tuple[float, dict[str, Any]]:
        """The first event-stream message past index `after` that ends a build (reload or overlay)."""
        with self.cond:
            ok = self.cond.wait_for(lambda: len(self.messages) > after, limit)
            if not ok:
                raise SystemExit("no reload message within the time limit")
            return self.messages[after]

    def first_build(self) -> float:
        """When the first build's message came (the ones before it carry neither a version nor
        errors); stops the server and exits when the site does not build."""
        index = 0
        when, message = self.wait_message(index)
        while not message["version"] and not message["lines"]:
            index += 1
            when, message = self.wait_message(index)
        if message["lines"]:
            self.stop()
            raise SystemExit("the site does not build:\n" + "\n".join(message["lines"]))
        return when

    def build_line(self, after: float, limit: float = 60.0) -> str:
        """The server's terminal line for the first build that ended after `after`."""
        def found() -> list[str]:
            return [line for t, line in self.lines if t >= after and BUILD_LINE_RE.search(line)]
        with self.cond:
            self.cond.wait_for(lambda: bool(found()), limit)
            return (found() or ["?"])[0]

    def stop(self) -> None:
        self.proc.send_signal(2)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def watch_disk(path: Path, started: threading.Event, result: list[float], limit: float = 900.0) -> None:
    """Record when `path` is replaced (new inode or size) after `started` is set."""
    try:
        before = path.stat()
        key = (before.st_ino, before.st_size, before.st_mtime_ns)
    except FileNotFoundError:
        key = None
    started.wait()
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        try:
            now = path.stat()
            if (now.st_ino, now.st_size, now.st_mtime_ns) != key:
                result.append(time.perf_counter())
                return
        except FileNotFoundError:
            pass
        time.sleep(0.001)


def copy_example(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ("site.yaml", "content", "templates", "static", "themes"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            shutil.copy(source, target / name)
    return target


def generated(n: int, target: Path) -> Path:
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), str(n), str(target)], check=True)
    return target


def pick_case(site: Path) -> tuple[Path, str, str, str]:
    """A published case file, its slug, its township and another township used by some other case."""
    files = sorted((site / "content" / "cases").rglob("*.md"))
    for case in files:
        text = case.read_text(encoding="utf-8")
        slug, town = SLUG_RE.search(text), TOWNSHIP_RE.search(text)
        if slug and town and (site / "output" / "cases" / slug.group(1) / "index.html").is_file():
            for other in files:
                found = TOWNSHIP_RE.search(other.read_text(encoding="utf-8"))
                if found and found.group(1) != town.group(1):
                    return case, slug.group(1), town.group(1), found.group(1)
    raise SystemExit(f"no case with a slug and a township in {site}")


def measure(label: str, site: Path, runs: int, browser: Any) -> None:
    started = time.perf_counter()
    server = Server(site)
    first_built = server.first_build()
    case, slug, home, away = pick_case(site)   # after the first build: drafts have no page to reload
    print(f"\n== {label}: {site} (editing {case.relative_to(site)})")
    print(f"   first build and serve: {first_built - started:.2f} s   ({server.build_line(started)})")
    page = None
    if browser is not None:
        page = browser.new_page()
        page.goto(f"{server.url}cases/{slug}/", wait_until="load")
    original = case.read_text(encoding="utf-8")
    out_page = site / "output" / "cases" / slug / "index.html"
    figures: dict[str, dict[str, list[float]]] = {}
    try:
        for kind in ("body edit", "township move"):
            rows = figures.setdefault(kind, {"disk": [], "signal": [], "reload": []})
            for i in range(runs):
                if kind == "body edit":
                    text = original.rstrip("\n") + f"\n\n基准测试第 {i + 1} 次修改正文。\n"
                else:
                    town = away if i % 2 == 0 else home
                    text = TOWNSHIP_RE.sub(f"township: {town}", original, count=1)
                seen = len(server.messages)
                go, disk = threading.Event(), []   # type: ignore[var-annotated]
                poller = threading.Thread(target=watch_disk, args=(out_page, go, disk), daemon=True)
                poller.start()
                time.sleep(0.05)
                if page is not None:
                    with page.expect_event("load", timeout=300_000):
                        t0 = time.perf_counter()
                        go.set()
                        case.write_text(text, encoding="utf-8")
                    rows["reload"].append(time.perf_counter() - t0)
                else:
                    t0 = time.perf_counter()
                    go.set()
                    case.write_text(text, encoding="utf-8")
                when, message = server.wait_message(seen)
                if message["lines"]:
                    raise SystemExit(f"the edit broke the build: {message['lines']}")
                rows["signal"].append(when - t0)
                poller.join(timeout=5)   # the page is on disk before the reload message
                if disk:
                    rows["disk"].append(disk[0] - t0)
                line = server.build_line(t0)
                timings = [text for t, text in server.lines if t >= t0 and text.startswith("timings: ")]
                if timings:
                    line += "\n" + " " * 10 + timings[0]
                print(f"   {kind} #{i + 1}: signal {rows['signal'][-1] * 1000:7.0f} ms"
                      + (f", reload {rows['reload'][-1] * 1000:7.0f} ms" if rows["reload"] else "")
                      + f"   | {line}")
                time.sleep(0.3)
        case.write_text(original, encoding="utf-8")
    finally:
        server.stop()
    print(f"   {'':14} {'median':>9} {'max':>9}   (ms from the file write)")
    for kind, rows in figures.items():
        for what, values in rows.items():
            if values:
                print(f"   {kind:14} {what:7} {statistics.median(values) * 1000:7.0f} {max(values) * 1000:9.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases in the generated site (0: skip it)")
    parser.add_argument("--runs", type=int, default=5, help="edits of each kind per site")
    parser.add_argument("--no-browser", action="store_true", help="measure only the event stream, not Chromium")
    parser.add_argument("--keep", type=Path, default=None, help="build the sites here and keep them")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    work = args.keep or Path(tempfile.mkdtemp(prefix="bulletin-serve-bench-"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPUs, load average {load:.2f} at start (figures on a busy machine are slower)")
    playwright = browser = None
    if not args.no_browser:
        from playwright.sync_api import sync_playwright
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        example = work / "example"
        shutil.rmtree(example, ignore_errors=True)
        measure("example site", copy_example(example), args.runs, browser)
        if args.cases:
            big = work / f"cases-{args.cases}"
            if not (big / "site.yaml").exists():
                generated(args.cases, big)
            measure(f"{args.cases} generated cases", big, args.runs, browser)
    finally:
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
