"""One clock: every path takes today in the site's timezone, at any hour of the machine's day.

Asia/Shanghai is UTC+8, so from 16:00 to 24:00 UTC the machine's local date (on a
UTC machine) is a day behind the site's. A path that read the local date would
publish a different site from `bulletin build` for those eight hours. The last
test runs every test marked `clock` under libfaketime at 10:00 and 20:00
UTC, either side of Shanghai's midnight, so such a path cannot come back unseen.
"""
from __future__ import annotations

import ast
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import REPO, case_text, make_site, run, tree_hash

from generator.build import pipeline
from generator.source.config import BuildOptions, today_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Attribute calls that read the machine's local clock or zone.
LOCAL_CLOCK = {"today", "utcnow", "utcfromtimestamp", "localtime", "ctime", "mktime"}
# Calls that read the local zone unless they are given one.
NEEDS_ZONE = {"now": 1, "fromtimestamp": 2}


def _clock_module(node: ast.expr) -> bool:
    """`date`, `datetime`, `time`, `dt.date`, `datetime.datetime`: where the clock calls live."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name in ("date", "datetime", "time", "dt")


def local_clock_reads(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in LOCAL_CLOCK and _clock_module(node.value):
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in NEEDS_ZONE
                and _clock_module(node.func.value)):
            zoned = len(node.args) >= NEEDS_ZONE[node.func.attr] or any(k.arg == "tz" for k in node.keywords)
            if not zoned:
                found.append(f"{path.name}:{node.lineno}: .{node.func.attr}() without a zone")
    return found


def test_no_code_reads_the_machine_local_clock() -> None:
    files = [f for folder in ("generator", "benchmarks") for f in sorted((REPO / folder).rglob("*.py"))
             if not any(part.startswith(".") for part in f.relative_to(REPO).parts)]   # not the peers' venvs
    assert len(files) > 20
    found = [hit for f in files for hit in local_clock_reads(f)]
    assert found == []


def test_the_walk_finds_each_kind_of_local_clock_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime as dt, time\n"
                      "a = dt.date.today()\nb = dt.datetime.now()\nc = dt.datetime.fromtimestamp(0)\n"
                      "d = time.localtime()\ne = dt.datetime.now(dt.UTC)\nf = dt.datetime.fromtimestamp(0, dt.UTC)\n"
                      "g = dt.datetime.now(tz=dt.UTC)\nh = self.today\n", encoding="utf-8")
    lines = sorted(hit.split(":")[1] for hit in local_clock_reads(sample))
    assert lines == ["2", "3", "4", "5"]


def test_default_options_leave_today_to_the_build() -> None:
    assert BuildOptions().today is None
    assert BuildOptions().today_in(SHANGHAI) == today_for(SHANGHAI)
    assert BuildOptions(today=dt.date(2022, 1, 1)).today_in(SHANGHAI) == dt.date(2022, 1, 1)


@pytest.mark.clock
def test_library_default_and_cli_build_the_same_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        "content/cases/late.md": case_text(slug="late", status="following_up",
                                           extra="follow_up: 2022-01-01\n"),
    })
    report = pipeline.build(site, tmp_path / "lib", BuildOptions(jobs=1, use_cache=False))
    assert report.pages > 0
    assert run(["build", str(site), "-o", str(tmp_path / "cli"), "--no-cache"], capsys)[0] == 0
    assert tree_hash(tmp_path / "lib") == tree_hash(tmp_path / "cli")
    data = json.loads((tmp_path / "lib" / "data" / "cases.json").read_text(encoding="utf-8"))
    assert data["as_of"] == dt.datetime.now(SHANGHAI).date().isoformat()


def test_a_site_in_another_timezone_takes_its_own_today(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 2022-05-31 20:00 UTC: already 1 June in Shanghai, still 31 May in New York.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2022, 5, 31, 20, tzinfo=dt.UTC).timestamp())))
    days = {}
    for zone in ("Asia/Shanghai", "America/New_York"):
        site = make_site(tmp_path / zone.replace("/", "-"), {
            "site.yaml": f"title: 测试\nbase_url: https://bulletin.test/\ntimezone: {zone}\n",
            "content/cases/a.md": case_text(slug="a"),
        })
        out = tmp_path / f"out-{zone.replace('/', '-')}"
        pipeline.build(site, out, BuildOptions(jobs=1, use_cache=False))
        days[zone] = json.loads((out / "data" / "cases.json").read_text(encoding="utf-8"))["as_of"]
    assert days == {"Asia/Shanghai": "2022-06-01", "America/New_York": "2022-05-31"}


def _faked_clock_env(when: str) -> dict[str, str]:
    """An environment whose processes see the wall clock start at `when` (UTC), through
    libfaketime's preload library as python-libfaketime ships it. Only the wall clock is
    faked: Python's sleeps and timeouts run on the monotonic clock, which a faked one
    breaks (Debian's libfaketime 0.9.10 fails time.sleep with EINVAL then)."""
    import libfaketime
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "PYTEST_ADDOPTS")}
    env.update(libfaketime.get_reload_information()[1])
    # The machine's zone is UTC, so its local date and Shanghai's differ after 16:00.
    env.update(TZ="UTC", FAKETIME=f"@{when}", DONT_FAKE_MONOTONIC="1", FAKETIME_DONT_FAKE_MONOTONIC="1",
               PYTHONDONTWRITEBYTECODE="1")
    return env


def test_date_sensitive_tests_pass_either_side_of_shanghai_midnight() -> None:
    hours = {"10:00": dt.date(2026, 12, 2), "20:00": dt.date(2026, 12, 3)}   # Shanghai's date at each
    envs = {hour: _faked_clock_env(f"2026-12-02 {hour}:00") for hour in hours}
    # The faked clock is in force, and sleeping still works under it.
    for hour, shanghai_day in hours.items():
        probe = subprocess.run(
            [sys.executable, "-c",
             "import datetime as d, time, zoneinfo as z; time.sleep(0.01);"
             " print(d.datetime.now(z.ZoneInfo('Asia/Shanghai')).date(), d.datetime.now(d.UTC).hour)"],
            env=envs[hour], capture_output=True, text=True, timeout=60, check=True)
        assert probe.stdout.split() == [shanghai_day.isoformat(), hour[:2]]
    # Both hours at once: two processes on two cores.
    runs = {hour: subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "clock and not slow",
         str(REPO / "tests")],
        cwd=REPO, env=envs[hour], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for hour in hours}
    results = {hour: proc.communicate(timeout=400)[0] for hour, proc in runs.items()}
    for hour, proc in runs.items():
        tail = "\n".join(results[hour].splitlines()[-25:])
        assert proc.returncode == 0, f"at {hour} UTC:\n{tail}"
        assert " passed" in tail and "failed" not in tail
