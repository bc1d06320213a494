"""Atomicity: SIGKILL `bulletin build` at random moments of its write phase; OUT is always a whole site.

Two versions of one site (B edits, removes and adds cases and adds a report) are built
once each into reference folders. Then OUT is flipped between them by builds that are
killed at a random moment between the end of loading and the end of the build (timed
from calibration runs), 50 times. After every kill OUT must hash exactly like one of
the two references: the whole old site or the whole new one, never a mix, never a
missing OUT. Half the kills hit the whole process group; the other half only the main
process, leaving any child (the search indexer) to run on, as after an OOM kill.
Finally complete builds must give the references byte for byte, whatever the killed
builds left behind (spare trees, caches, staging folders), and leave no litter.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import REPO, case_text, make_site, tree_hash
from generator.core.themedir import builtin_theme_dir

KILLS = 30


def version_a() -> dict[str, str]:
    return {f"content/cases/c{i}.md": case_text(slug=f"c{i}", title=f"凉泉乡第{i}号议事案例", date=f"2021-{1 + i % 12:02d}-15",
                                                 body=f"第{i}个案例的经过。\n\n" + "群众反映，委员协商，部门落实。" * 40)
            for i in range(16)}


def version_b() -> dict[str, str]:
    files = version_a()
    del files["content/cases/c15.md"]
    files["content/cases/c3.md"] = case_text(slug="c3", title="改过标题的案例", status="consulting", body="改过的正文。\n")
    files["content/cases/c16.md"] = case_text(slug="c16", title="新增的案例", date="2021-12-31", body="新的正文。\n")
    files["content/reports/2022-01-04-roundup.md"] = "---\ntitle: 一月报道\ncases: [c1, c16]\n---\n报道正文。\n"
    return files


def put_version(site: Path, files: dict[str, str]) -> None:
    for folder in ("cases", "reports"):
        shutil.rmtree(site / "content" / folder, ignore_errors=True)
    make_site(site, files)


def command(site: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "build", str(site), "-o", str(out), "--jobs", "1"]


ENV = {**os.environ, "PYTHONPATH": str(REPO), "BULLETIN_TIMINGS": "1"}


def build(site: Path, out: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """A complete build: (wall seconds, seconds from start until loading ended)."""
    started = time.monotonic()
    done = subprocess.run(command(site, out), capture_output=True, text=True, env=env or ENV, cwd=REPO, timeout=120)
    wall = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    phases = dict(part.rsplit(" ", 1) for part in done.stderr.split("timings: ", 1)[1].splitlines()[0].split(", "))
    total = sum(float(v.rstrip("s")) for v in phases.values())
    load = float(phases["load"].rstrip("s"))
    return wall, wall - total + load      # interpreter start-up counts before loading


def differences(a: Path, b: Path) -> list[str]:
    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    left, right = files(a), files(b)
    return sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))[:20]


def wait_for_group(pgid: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)
    os.killpg(pgid, signal.SIGKILL)
    raise AssertionError("a killed build's children were still running after a minute")


def test_sigkill_during_writes_leaves_the_old_site_or_the_new_one(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", version_a())
    # The site's own copy of the theme: every build in this test renders with the same templates.
    shutil.copytree(builtin_theme_dir(), site / "themes" / "default")
    versions = {"A": version_a(), "B": version_b()}
    refs: dict[str, str] = {}
    for name, files in versions.items():
        put_version(site, files)
        build(site, tmp_path / f"ref-{name}", env={**ENV, "BULLETIN_NO_CACHE": "1"})
        refs[name] = tree_hash(tmp_path / f"ref-{name}")
    assert refs["A"] != refs["B"]
    by_hash = {h: name for name, h in refs.items()}

    out = tmp_path / "out"
    current = "A"
    put_version(site, versions[current])
    build(site, out)
    assert tree_hash(out) == refs[current]

    # Calibrate the write phase: from the end of loading to the end of the build.
    windows = []
    for _ in range(4):
        current = "B" if current == "A" else "A"
        put_version(site, versions[current])
        windows.append(build(site, out))
    wall = statistics.median(w for w, _ in windows)
    write_start = statistics.median(s for _, s in windows)

    seed = int(os.environ.get("BULLETIN_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    for attempt in range(KILLS):
        target = "B" if current == "A" else "A"
        put_version(site, versions[target])
        delay = rng.uniform(write_start, wall)
        process = subprocess.Popen(command(site, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env=ENV, cwd=REPO, start_new_session=True)
        time.sleep(delay)
        finished = process.poll() is not None
        try:
            if attempt % 2 == 0:
                os.killpg(process.pid, signal.SIGKILL)
            elif not finished:
                os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it had just finished
        process.wait()
        wait_for_group(process.pid)
        found = by_hash.get(tree_hash(out))
        assert found in (current, target), f"kill {attempt + 1} at {delay:.3f} s left a mixed OUT (seed {seed})"
        outcomes["completed before the kill" if finished else ("killed: old site" if found == current else "killed: new site")] += 1
        current = found
    print(f"{KILLS} kill points, seed {seed}, write window {write_start:.2f}-{wall:.2f} s: {dict(outcomes)}")
    assert outcomes["killed: old site"] >= KILLS // 5, (outcomes, seed)   # most kills really hit a running build

    # Whatever the killed builds left behind, complete builds give the references exactly.
    for name in ("B", "A", "B"):
        put_version(site, versions[name])
        build(site, out)
        assert tree_hash(out) == refs[name], (f"a build after the kills differs from a clean one (seed {seed}): "
                                              f"{differences(out, tmp_path / f'ref-{name}')}")
    litter = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    temporary = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.tmp")]
    assert litter == [] and temporary == [], (litter, temporary)
