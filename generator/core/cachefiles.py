"""Files in SITE/.cache/: where they live, how they are written and read back, and the
fingerprint of the code that made them. Shared by every stage that keeps a cache."""
from __future__ import annotations

import functools
import hashlib
import marshal
import os
from pathlib import Path
from typing import Any

from generator import __version__

CACHE_DIR = ".cache"


FORMAT = 2


@functools.cache
def code_fingerprint() -> str:
    """Changes whenever any file of the generator changes (and with the version). Once per
    process: the code a process runs is the code it imported."""
    digest = hashlib.sha1(f"{__version__}:{FORMAT}".encode())
    for path in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


# What this process last read or wrote, by path: a long-running `serve` reuses it
# instead of reading the file again, as long as the file's size and mtime show that
# nobody else changed it in between.
_in_memory: dict[Path, tuple[int, int, dict[str, Any]]] = {}


def kept_copy(path: Path, stat: os.stat_result) -> dict[str, Any] | None:
    """What this process last read or wrote at `path`, if the file is still that."""
    kept = _in_memory.get(path)
    return kept[2] if kept is not None and kept[:2] == (stat.st_size, stat.st_mtime_ns) else None


def remember(path: Path, data: dict[str, Any]) -> None:
    """Keep `data`, just written to `path`, for this process's next read of it."""
    stat = os.stat(path)
    _in_memory[path] = (stat.st_size, stat.st_mtime_ns, data)


def temporary_for(path: Path) -> Path:
    """Where this process writes a cache file before renaming it into place
    (`.NAME.PID.tmp`, the name sweep_litter knows)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def read_cached(path: Path, fingerprint: str) -> dict[str, Any] | None:
    try:
        stat = os.stat(path)
        data = kept_copy(path, stat)
        if data is None:
            data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint:
        return None
    _in_memory[path] = (stat.st_size, stat.st_mtime_ns, data)
    return data


def sweep_litter(site_dir: Path) -> None:
    """Remove the temporary files (temporary_for: `.NAME.PID.tmp`) that builds killed while
    writing a cache file left in SITE/.cache/ and its jinja/ folder; those of a live process
    are its own."""
    for folder in (site_dir / CACHE_DIR, site_dir / CACHE_DIR / "jinja", site_dir / CACHE_DIR / "media"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            parts = name.rsplit(".", 2)
            if not (name.startswith(".") and len(parts) == 3 and parts[2] == "tmp" and parts[1].isascii()
                    and parts[1].isdigit()):
                continue
            try:
                os.kill(int(parts[1]), 0)
            except ProcessLookupError:
                try:
                    os.unlink(folder / name)
                except OSError:
                    pass
            except (PermissionError, OverflowError):
                pass   # a live process of someone else's, or no process at all: leave it


def write_cached(path: Path, data: dict[str, Any]) -> bool:
    """Replace a cache file; False when it could not be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = temporary_for(path)
        temporary.write_bytes(marshal.dumps(data))
        os.replace(temporary, path)
        remember(path, data)
        return True
    except OSError:
        return False  # a cache that cannot be written only costs time


def same_stat(path: str, seen: Any) -> bool:
    """Whether the file at `path` still has the (size, mtime_ns) recorded as `seen`."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    return (info.st_size, info.st_mtime_ns) == tuple(seen)


def differing_files(out_dir: Path, recorded: dict[str, Any]) -> list[str]:
    """The files of OUT whose size or mtime is no longer what `recorded` says (or that are gone)."""
    prefix = str(out_dir) + os.sep
    return [rel for rel, seen in recorded.items() if not same_stat(prefix + rel, seen)]


def forget(path: Path) -> None:
    """Drop what this process remembers of `path` (the file was removed or rewritten elsewhere)."""
    _in_memory.pop(path, None)


def remembered_stat(path: Path) -> tuple[int, int]:
    """The (size, mtime_ns) the file at `path` had when this process last read or wrote it."""
    return _in_memory[path][0], _in_memory[path][1]


def forget_all() -> None:
    """Drop everything this process remembers (tests: a fresh process's view of the cache)."""
    _in_memory.clear()
