"""The only module that writes under OUT.

A build fills a staging folder beside OUT (same file system), then swaps it
with OUT in one atomic step (Linux renameat2 RENAME_EXCHANGE), so OUT is at
every moment either the whole old site or the whole new one. Files whose bytes
did not change are hard-linked from the old OUT instead of written again.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

from .urls import safe_join

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def staging_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}.staging-"


def clean_stale(out_dir: Path) -> None:
    """Remove staging folders that a killed build left behind."""
    parent = out_dir.parent
    if parent.is_dir():
        for stale in parent.glob(staging_prefix(out_dir) + "*"):
            shutil.rmtree(stale, ignore_errors=True)


def new_staging(out_dir: Path) -> Path:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f"{staging_prefix(out_dir)}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def put(staging: Path, old_out: Path, rel: str, data: bytes) -> bool:
    """Place one output file; True if its bytes are new (False: linked unchanged)."""
    target = safe_join(staging, rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    old = safe_join(old_out, rel)
    try:
        if old.stat().st_size == len(data) and old.read_bytes() == data:
            os.link(old, target)
            return False
    except OSError:
        pass
    with open(target, "wb") as handle:
        handle.write(data)
    return True


def put_copy(staging: Path, old_out: Path, rel: str, source: Path) -> bool:
    return put(staging, old_out, rel, source.read_bytes())


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def commit(staging: Path, out_dir: Path) -> None:
    """Make staging the new OUT in one step and remove the old site."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old site
        return
    # No renameat2 (not Linux): two renames, with a brief moment without OUT.
    old = out_dir.parent / f"{staging_prefix(out_dir)}old-{os.getpid()}"
    os.rename(out_dir, old)
    os.rename(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
