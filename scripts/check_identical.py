"""Check that a change of the code leaves the output byte-identical.

    python3 scripts/check_identical.py REV [--cases 1000]

builds the example site and N generated cases (benchmarks/generate.py, with photos)
twice, once with the code of git revision REV (checked out in a temporary worktree)
and once with the working tree, with the clock fixed (SOURCE_DATE_EPOCH), and
compares every output file. Exit 0 when both trees are identical; otherwise the
differing paths are printed and the exit status is 1. For restructurings that
must change nothing a reader sees.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EPOCH = "1764748800"   # 2025-12-03 08:00 UTC


def digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def build(code: Path, site: Path, out: Path) -> None:
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, PYTHONPATH=str(code), BULLETIN_NO_CACHE="1")
    subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-o", str(out), "--jobs", "2"],
                   check=True, env=env, cwd=code, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rev")
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulletin-identical-") as tmp:
        work = Path(tmp)
        old = work / "old"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(old), args.rev], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            sys.path.insert(0, str(REPO / "benchmarks"))
            import generate
            generated = work / "generated"
            generate.write_bulletin(args.cases, generated, photos=True)
            example = work / "example"
            shutil.copytree(REPO, example, ignore=shutil.ignore_patterns(".git", "output", ".cache", "__pycache__"))
            differ = []
            for name, site in (("example site", example), (f"{args.cases} generated cases", generated)):
                build(old, site, work / f"{name}-old")
                build(REPO, site, work / f"{name}-new")
                before, after = digests(work / f"{name}-old"), digests(work / f"{name}-new")
                changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
                print(f"{name}: {len(after)} files, {'identical' if not changed else f'{len(changed)} differ'}")
                differ += [f"  {name}: {p}" for p in changed[:20]]
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)], check=False)
    print("\n".join(differ))
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
