"""Build the same N generated cases with bulletin and its peers, side by side.

    python3 benchmarks/run.py                 # 1,000 and 10,000 cases, 3 rounds
    python3 benchmarks/run.py --cases 1000 --rounds 5
    python3 benchmarks/run.py --100k          # the 100,000-case scale run (bulletin only)
    python3 benchmarks/run.py --keep          # keep the generated sites and outputs in WORK
    python3 benchmarks/run.py --load 2        # also beside one busy process per core: quiet and loaded

Each round runs every tool once, in alternating order, and the table shows
medians of wall time and of peak memory (the sum of the resident memory of
the whole process tree — proportional set size, so pages forked workers share
are not counted twice — sampled every 100 ms). Rows:
  bulletin cold           no cache, empty output folder
  bulletin warm, no edit  the next build with nothing changed
  bulletin warm, 1 body   after editing one case's body
  bulletin warm, move     after moving one case to another township
  bulletin warm, none after move  the build after the move, with nothing changed
  bulletin serve, …       `bulletin serve` started on that OUT: from saving one body edit,
                          then one township move, to the reload message (the new OUT in place;
                          Hugo's watch mode is the peer of these rows)
  pelican / hugo / eleventy  cold builds of the same cases (if installed)
Warm outputs are checked byte-identical to a cold build of the same content.
Before a cold build, the previous output (and bulletin's cache) is moved aside
into WORK/trash/ and deleted only after every run: on this machine's ext4,
creating files in the seconds after a large tree was deleted costs up to ten
times the kernel time (perf shows ext4's recently_deleted() scanning freed
inodes), which would otherwise measure the previous run's `rm -rf`. For the
same reason every timed build starts after `sync`: the hundreds of MB the
previous build left to write back are not charged to the next tool.
Peers: Pelican is installed into benchmarks/.peers/ (pip), Eleventy there too
(npm, when npm is present; see benchmarks/eleventy.py and PEERS.md), Hugo with
`apt-get install hugo`; a missing peer is skipped with a note.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
import eleventy  # noqa: E402
import serve_latency  # noqa: E402

PEERS = HERE / ".peers"


def _pss_kib(pid: int) -> int | None:
    """Proportional set size: shared pages (forked workers) are split, not counted twice."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _tree(root_pid: int) -> tuple[list[int], dict[int, int]]:
    """The pids of a process and all its descendants, and every process's RSS in KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            pid, ppid = int(entry), int(fields[1])
            rss[pid] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
            children.setdefault(ppid, []).append(pid)
        except (OSError, IndexError, ValueError):
            continue
    found, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return sorted(found), rss


def tree_rss_kib(root_pid: int) -> int | None:
    """Memory of a process and all its descendants, in KiB (PSS where the kernel gives it,
    else RSS); None when the figures cannot be added up honestly:
    - a process started or ended while they were read (the pages a fork shares are counted
      whole in the parent read before it and again in the child read after it);
    - a process's PSS could not be read (a worker exiting has no memory map left to read;
      its RSS would count every page it shares with the others again: a 100,000-case run
      reported 2,333 MiB that way where the processes' PSS added up to 1,750)."""
    pids, rss = _tree(root_pid)
    pss = {pid: _pss_kib(pid) for pid in pids}
    if _tree(root_pid)[0] != pids:
        return None
    if all(value is None for value in pss.values()):
        return sum(rss.get(pid, 0) for pid in pids)   # no PSS on this kernel
    if any(value is None for value in pss.values()):
        return None
    return sum(value for value in pss.values() if value is not None)


last_peak_at = 0.0   # seconds into the last measured run when its memory peaked
last_stderr = ""     # what the last measured run printed on stderr (BULLETIN_TIMINGS=1 phases)


class Run(NamedTuple):
    wall: float       # seconds
    peak: float       # MiB, PSS of the process tree
    cpu: float        # user + system seconds of the whole process tree (every descendant is reaped)
    switches: int     # context switches of the tree, voluntary + involuntary
    faults: int       # minor page faults of the tree (copy-on-write copies among them)


def measure(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Wall time, peak memory, CPU seconds and context switches of one run; raises if it fails."""
    os.sync()   # the previous build's writeback is not this one's (see the module notes)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            now = tree_rss_kib(process.pid) or 0
            if now > peak:
                peak = now
                peak_at[:] = [time.perf_counter() - started]
            done.wait(0.1)
    peak_at: list[float] = [0.0]
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stderr is not None
    err = process.stderr.read()
    # wait4 rather than wait: the rusage of the child and of every descendant it reaped.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{err.decode(errors='replace')[-2000:]}")
    global last_peak_at, last_stderr
    last_peak_at = peak_at[0]
    last_stderr = err.decode(errors="replace")
    return Run(elapsed, peak / 1024, usage.ru_utime + usage.ru_stime, usage.ru_nvcsw + usage.ru_nivcsw, usage.ru_minflt)


class BusyLoad:
    """N processes that each keep one core busy (a plain Python loop), as other work on an
    office PC or a shared CI runner does; started and stopped by the benchmark itself."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.running: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> "BusyLoad":
        self.running = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.processes)]
        time.sleep(0.5 if self.running else 0)   # let them reach the scheduler's steady state
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.running:
            process.kill()
        for process in self.running:
            process.wait()
        self.running = []


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def bulletin_command(site: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "build", str(site), "-o", str(out)]


def pelican_command() -> list[str] | None:
    binary = PEERS / "pelican" / "bin" / "pelican"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS / "pelican")], check=True)
        result = subprocess.run([str(PEERS / "pelican" / "bin" / "pip"), "install", "-q", "pelican", "markdown"])
        if result.returncode != 0:
            return None
    return [str(binary)]


def edit_body(path: Path, round_no: int) -> None:
    text = path.read_text("utf-8")
    path.write_text(text.rstrip("\n") + f"\n\n第 {round_no} 次修改：补充了跟进情况。\n", "utf-8")


def move_township(path: Path, round_no: int) -> None:
    lines = path.read_text("utf-8").split("\n")
    for i, line in enumerate(lines):
        if line.startswith("township: "):
            county, town = line[len("township: "):].split("/")
            stems = [f"{s}{'乡' if k % 3 == 0 else '镇'}" for k, s in enumerate(generate.TOWN_STEMS)]
            lines[i] = f"township: {county}/{stems[(stems.index(town) + 1 + round_no) % len(stems)]}"
            break
    path.write_text("\n".join(lines), "utf-8")


_trash: list[Path] = []


def serve_edits(site: Path, case: Path, round_no: int) -> tuple[Run, Run]:
    """`bulletin serve` started on the site just built (its OUT and cache warm), then one body
    edit and one township move of `case`, a second apart: for each, the seconds from the file
    saved to the reload message, sent once the new OUT is in place."""
    server = serve_latency.Server(site)
    try:
        server.first_build()
        time.sleep(2.0)   # the idle check after the first build, as an editor opening a file would give it
        times = []
        for change in (edit_body, move_township):
            seen = len(server.messages)
            started = time.perf_counter()
            change(case, 100 + round_no)
            when, message = server.wait_message(seen)
            if message["lines"]:
                raise SystemExit(f"serve: the edit broke the build: {message['lines']}")
            times.append(Run(when - started, float("nan"), float("nan"), 0, 0))
            time.sleep(1.0)
    finally:
        server.stop()
    return times[0], times[1]


def set_aside(path: Path) -> None:
    """Move a previous output out of the way without deleting it yet (see the module notes)."""
    if not path.exists():
        return
    trash = path.parent / "trash"
    trash.mkdir(exist_ok=True)
    target = trash / f"{len(_trash)}-{path.name}-{os.getpid()}"
    os.rename(path, target)
    _trash.append(target)


def empty_trash() -> None:
    for path in _trash:
        shutil.rmtree(path, ignore_errors=True)
    _trash.clear()


_made: list[Path] = []   # the sites and outputs of this run: deleted at its end unless --keep


def finish(keep: bool) -> None:
    """Delete what was set aside, and what the run made unless `keep` (a 100,000-case run
    made about 12 GB of sites and outputs; left behind, they once filled this machine's disk)."""
    if not keep:
        for path in _made:
            set_aside(path)
    _made.clear()
    empty_trash()


Rows = dict[str, dict[str, list[Run]]]   # row name → condition ("quiet", "loaded") → runs


def run_size(n: int, rounds: int, work: Path, peers: list[str], load: int = 0) -> tuple[Rows, dict[str, list[str]]]:
    """Every tool's runs at N cases, and bulletin's cold BULLETIN_TIMINGS lines per condition.
    With `load`, each round runs every tool quiet and again beside `load` busy processes
    (which condition goes first alternates by round, as does which tool)."""
    site, pelican_site, hugo_site = work / f"bulletin-{n}", work / f"pelican-{n}", work / f"hugo-{n}"
    eleventy_site = eleventy.ELEVENTY / "sites" / f"eleventy-{n}"
    print(f"\n## {n:,} cases (generating…)", flush=True)
    for old in (site, pelican_site, hugo_site, eleventy_site):
        set_aside(old)   # not deleted now: see the module notes
    _made.extend([site, pelican_site, hugo_site, eleventy_site, work / f"out-{n}-cold"])
    generate.write_bulletin(n, site)
    pelican = pelican_command() if "pelican" in peers else None
    if pelican:
        generate.write_pelican(n, pelican_site)
    hugo = shutil.which("hugo") if "hugo" in peers else None
    if hugo:
        generate.write_hugo(n, hugo_site)
    eleventy_files = 0
    if "eleventy" in peers and eleventy.available():
        print(f"Eleventy {eleventy.install()}", flush=True)
        eleventy_files = eleventy.write_eleventy(n, eleventy_site)
    rows: Rows = {}
    timings: dict[str, list[str]] = {}
    out = site / "output"   # where `bulletin serve` builds, so that it starts from the warm builds' OUT
    cases = sorted((site / "content" / "cases").glob("*.md"))
    timed = dict(os.environ, BULLETIN_TIMINGS="1")
    edits = 0
    conditions = ["quiet", "loaded"] if load else ["quiet"]
    for round_no in range(rounds):
        for condition in conditions[round_no % 2:] + conditions[:round_no % 2]:
            def record(name: str, result: Run) -> None:
                rows.setdefault(name, {}).setdefault(condition, []).append(result)
            with BusyLoad(load if condition == "loaded" else 0):
                tools = ["bulletin", "pelican", "hugo", "eleventy"]
                for tool in tools[round_no % 4:] + tools[:round_no % 4]:  # alternate who goes first
                    if tool == "bulletin":
                        set_aside(site / ".cache")
                        set_aside(out)
                        record("bulletin cold", measure(bulletin_command(site, out), env=timed))
                        timings.setdefault(condition, []).append(last_stderr)
                        record("bulletin warm, no edit", measure(bulletin_command(site, out)))
                        edit_body(cases[(edits * 37) % len(cases)], edits)
                        record("bulletin warm, 1 body edit", measure(bulletin_command(site, out)))
                        move_township(cases[(edits * 53 + 11) % len(cases)], edits)
                        record("bulletin warm, township move", measure(bulletin_command(site, out)))
                        record("bulletin warm, none after move", measure(bulletin_command(site, out)))
                        body, move = serve_edits(site, cases[(edits * 41 + 7) % len(cases)], edits)
                        record("bulletin serve, 1 body edit", body)
                        record("bulletin serve, township move", move)
                        edits += 1
                    elif tool == "pelican" and pelican:
                        set_aside(pelican_site / "output")
                        record("pelican cold", measure(pelican + ["content", "-o", "output", "-s", "pelicanconf.py", "-q"], cwd=pelican_site))
                    elif tool == "hugo" and hugo:
                        set_aside(hugo_site / "public")
                        record("hugo cold", measure([hugo, "--quiet", "--source", str(hugo_site)]))
                    elif tool == "eleventy" and eleventy_files:
                        set_aside(eleventy_site / "_site")
                        record("eleventy cold", measure(eleventy.COMMAND, cwd=eleventy_site))
                        eleventy.check_output(eleventy_site / "_site", n, eleventy_files)
    # The warm output must equal a cold build of the same (edited) content.
    cold_out = work / f"out-{n}-cold"
    set_aside(cold_out)
    env = dict(os.environ, BULLETIN_NO_CACHE="1")
    measure(bulletin_command(site, cold_out), env=env)
    identical = tree_digest(out) == tree_digest(cold_out)
    print(f"warm output byte-identical to a cold build: {'yes' if identical else 'NO'}")
    return rows, timings


def _phase(name: str) -> float:
    """A phase's seconds from the last run's BULLETIN_TIMINGS=1 line ("timings: load 0.07s, media 1.94s, …")."""
    m = re.search(rf"\b{name} ([0-9.]+)s", last_stderr)
    return float(m[1]) if m else float("nan")


def run_photos(n: int, rounds: int, work: Path) -> None:
    """The same cases with one in ten a folder of two photos: what processing photos costs
    cold, and that a warm build after a text edit processes none."""
    site, out = work / f"bulletin-{n}-photos", work / f"out-{n}-photos"
    for old in (site, out):
        set_aside(old)
    _made.extend([site, out, work / f"out-{n}-photos-cold"])
    print(f"\n## {n:,} cases, one in {generate.PHOTO_EVERY} with two photos (generating…)", flush=True)
    generate.write_bulletin(n, site, photos=True)
    sources = sorted((site / "content" / "cases").glob("*/*.jpg"))
    source_bytes = sum(p.stat().st_size for p in sources)
    env = dict(os.environ, BULLETIN_TIMINGS="1")
    colds, medias, edits, nones, swaps = [], [], [], [], []
    for round_no in range(rounds):
        set_aside(site / ".cache")
        set_aside(out)
        colds.append(measure(bulletin_command(site, out), env=env)[0])
        medias.append(_phase("media"))
        nones.append(measure(bulletin_command(site, out), env=env)[0])
        edit_body(site / "content" / "cases" / f"case-{(round_no * 10 + 10):06d}" / "index.md", round_no)
        edits.append(measure(bulletin_command(site, out), env=env)[0])
        assert _phase("media") < 0.5, last_stderr   # no photo was processed
        sources[round_no].write_bytes(generate.photo_bytes(generate._photo_bases(), 10**6 + round_no))
        swaps.append(measure(bulletin_command(site, out), env=env)[0])
    cold_out = work / f"out-{n}-photos-cold"
    set_aside(cold_out)
    measure(bulletin_command(site, cold_out), env=dict(os.environ, BULLETIN_NO_CACHE="1"))
    identical = tree_digest(out) == tree_digest(cold_out)
    published = [p for p in (out / "media").iterdir()]
    published_bytes = sum(p.stat().st_size for p in published)
    phone_bytes = sum(p.stat().st_size for p in published if p.name.endswith("-480.webp"))
    med = statistics.median
    print(f"{len(sources):,} photos of {generate.PHOTO_SIZE[0]}×{generate.PHOTO_SIZE[1]} px, {source_bytes / 2**20:.1f} MiB")
    print(f"{'bulletin cold, photos processed':32} {med(colds):>11.2f}s   media phase {med(medias):.2f} s = "
          f"{len(sources) / med(medias):.0f} photos/s ({len(published):,} copies)")
    print(f"{'bulletin warm, no edit':32} {med(nones):>11.2f}s")
    print(f"{'bulletin warm, 1 body edit':32} {med(edits):>11.2f}s   (no photo processed)")
    print(f"{'bulletin warm, 1 photo replaced':32} {med(swaps):>11.2f}s")
    print(f"bytes: sources {source_bytes / 2**20:.1f} MiB; published copies {published_bytes / 2**20:.1f} MiB; "
          f"what a phone loads (480 px WebP) {phone_bytes / 2**20:.1f} MiB = {phone_bytes / source_bytes:.0%} of the sources")
    print(f"warm output byte-identical to a cold build: {'yes' if identical else 'NO'}")


# Issue [11]'s targets at 10,000 cases: a row's median wall time at most this (seconds, or
# the median of the peer named).
TARGETS = {"bulletin cold": "hugo cold", "bulletin warm, no edit": 0.30, "bulletin warm, 1 body edit": 0.25,
           "bulletin warm, township move": 0.50, "bulletin warm, none after move": 0.30, "bulletin serve, 1 body edit": 0.25,
           "bulletin serve, township move": 0.50}


def print_table(rows: Rows, n: int = 0) -> None:
    """Medians per row; with a loaded condition, quiet and loaded side by side."""
    med = statistics.median

    def wall(name: str, condition: str) -> float:
        return med(r.wall for r in rows[name][condition])

    def target(name: str) -> str:
        goal = TARGETS.get(name) if n == 10_000 else None
        if isinstance(goal, str):
            if goal not in rows:
                return ""
            goal_text, goal = f"≤ {goal.split()[0]}", wall(goal, "quiet")
        elif goal is None:
            return ""
        else:
            goal_text = f"≤ {goal:.2f}s"
        return f"target {goal_text}: {'met' if wall(name, 'quiet') <= goal else 'NOT met'}"
    cold = rows.get("bulletin cold")
    if not any("loaded" in by for by in rows.values()):
        print(f"{'build':32} {'median wall':>12} {'peak MiB':>10} {'CPU s':>8} {'runs':>5}  vs bulletin cold / issue [11]")
        for name, by in rows.items():
            runs = by["quiet"]
            ratio = (f"bulletin/{name.split()[0]} = {wall('bulletin cold', 'quiet') / wall(name, 'quiet'):.2f}"
                     if cold and not name.startswith("bulletin") else target(name))
            peak, cpu = med(r.peak for r in runs), med(r.cpu for r in runs)
            print(f"{name:32} {wall(name, 'quiet'):>11.2f}s {'' if peak != peak else f'{peak:.0f}':>10} "
                  f"{'' if cpu != cpu else f'{cpu:.2f}':>8} {len(runs):>5}  {ratio}")
        return
    print(f"{'build':32} {'quiet':>8} {'loaded':>8} {'slowdown':>9} {'CPU quiet':>10} {'CPU loaded':>11} "
          f"{'CPU growth':>11} {'switches q/l':>15} {'faults q/l':>15} {'runs':>5}")
    for name, by in rows.items():
        quiet, loaded = by["quiet"], by["loaded"]
        cpu_q, cpu_l = med(r.cpu for r in quiet), med(r.cpu for r in loaded)
        switches = f"{med(r.switches for r in quiet):.0f}/{med(r.switches for r in loaded):.0f}"
        faults = f"{med(r.faults for r in quiet) / 1000:.0f}k/{med(r.faults for r in loaded) / 1000:.0f}k"
        print(f"{name:32} {wall(name, 'quiet'):>7.2f}s {wall(name, 'loaded'):>7.2f}s "
              f"{wall(name, 'loaded') / wall(name, 'quiet'):>8.2f}× {cpu_q:>9.2f}s {cpu_l:>10.2f}s "
              f"{(cpu_l / cpu_q - 1) * 100:>+10.0f}% {switches:>15} {faults:>15} {len(quiet):>5}")
    if cold:
        for condition in ("quiet", "loaded"):
            peers = [n for n in rows if not n.startswith("bulletin")]
            print(f"{condition}: " + ", ".join(
                f"bulletin/{n.split()[0]} = {wall('bulletin cold', condition) / wall(n, condition):.2f}" for n in peers))


def print_phases(timings: dict[str, list[str]]) -> None:
    """bulletin cold per phase (medians): wall, CPU seconds, context switches voluntary/involuntary."""
    for condition, texts in timings.items():
        table: dict[str, list[tuple[float, float, int, int]]] = {}
        for text in texts:
            walls = dict(re.findall(r"(\w+) ([0-9.]+)s", _line(text, "timings: ")))
            cpus = dict(re.findall(r"(\w+) ([0-9.]+)s", _line(text, "timings cpu: ")))
            switches = dict((k, (int(v), int(w))) for k, v, w in re.findall(r"(\w+) (\d+)/(\d+)", _line(text, "timings switches: ")))
            for phase, seconds in walls.items():
                voluntary, involuntary = switches.get(phase, (0, 0))
                table.setdefault(phase, []).append((float(seconds), float(cpus.get(phase, "nan")), voluntary, involuntary))
        med = statistics.median
        print(f"bulletin cold by phase, {condition}: " + "; ".join(
            f"{phase} {med(r[0] for r in runs):.2f}s wall {med(r[1] for r in runs):.2f}s CPU "
            f"{med(r[2] for r in runs):.0f}/{med(r[3] for r in runs):.0f} sw" for phase, runs in table.items()))


def _line(text: str, prefix: str) -> str:
    for line in text.splitlines():
        if line.startswith(prefix):
            return line[len(prefix):]
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description="bulletin against Pelican, Hugo and Eleventy on generated cases")
    parser.add_argument("--cases", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peers", default="pelican,hugo,eleventy", help="comma-separated; empty for none")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bulletin-bench"))
    parser.add_argument("--100k", dest="scale", action="store_true", help="one cold build of 100,000 cases")
    parser.add_argument("--keep", action="store_true", help="keep the generated sites and outputs in WORK")
    parser.add_argument("--load", type=int, default=0, metavar="N",
                        help="also run every round beside N busy processes (one per core: --load 2 here), "
                             "and print quiet and loaded side by side")
    parser.add_argument("--no-photos", dest="photos", action="store_false",
                        help="skip the photo runs (the same cases, one in ten with two photos)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"bulletin benchmark on {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    # Peers are pip-installed, which compiles their modules; an editable install of bulletin
    # is not, and with PYTHONDONTWRITEBYTECODE=1 (set on this machine) every run would
    # compile them again (30 ms). Compile once, as `pip install .` would.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "generator")], check=True,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    if args.scale:
        site, out = args.work / "bulletin-100000", args.work / "out-100000"
        print("generating 100,000 cases…", flush=True)
        set_aside(site)
        _made.extend([site, out])
        generate.write_bulletin(100_000, site)
        set_aside(out)
        set_aside(site / ".cache")
        run = measure(bulletin_command(site, out))
        files = sum(1 for p in out.rglob("*") if p.is_file())
        print(f"100,000 cases cold: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, {run.peak:.0f} MiB peak "
              f"({last_peak_at:.0f} s in), {files:,} files (targets: < 60 s, < 1024 MiB)")
        finish(args.keep)
        return
    peers = [p for p in args.peers.split(",") if p]
    try:
        for n in args.cases:
            rows, timings = run_size(n, args.rounds, args.work, peers, args.load)
            print_table(rows, n)
            print_phases(timings)
            if args.photos:
                run_photos(n, args.rounds, args.work)
    finally:
        finish(args.keep)


if __name__ == "__main__":
    main()
