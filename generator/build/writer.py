"""The only module that writes under OUT.

A build fills a staging tree beside OUT (same file system) and swaps it with
OUT in one atomic step (Linux renameat2 RENAME_EXCHANGE), so OUT is at every
moment either the whole old site or the whole new one.

To make small rebuilds cheap, the tree swapped out is kept as a spare (in
SITE/.cache/, when that is on OUT's file system) instead of being deleted. The next build brings the spare up
to date with OUT by re-linking only the files the last build changed, writes
its own changes into it, and swaps again: work in proportion to what changed,
not to the size of the site. A spare whose state is unknown (a killed build,
a hand edit) is discarded and the staging tree is made afresh by hard-linking
OUT's files. Files are always replaced (write to a temporary name, rename),
never written through, because staging and OUT share unchanged files' inodes.
"""
from __future__ import annotations

import filecmp
import functools
import marshal
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from generator.core.urls import safe_join

if TYPE_CHECKING:
    import ctypes

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


def replace_file(target: Path | str, data: bytes) -> None:
    """Write `data` at `target` by renaming a new file over it (never through a shared inode)."""
    folder, name = os.path.split(target)
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, target)


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _write_new(target: str, data: bytes) -> None:
    """Create `target` (which must not exist yet) with `data`, making its folder if needed.

    os.open and os.write, not open(): a Python file object costs four more system calls
    (fstat, a terminal check, two seeks), 60,000 of them in a cold build of 10,000 cases."""
    try:
        fd = os.open(target, _NEW_FILE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd = os.open(target, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _same_bytes(old: str, data: bytes) -> bool:
    """Whether OUT's file at `old` holds exactly `data` (False when there is none)."""
    try:
        if os.stat(old).st_size != len(data):
            return False
        with open(old, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def _keep_old(target: str, old: str, fresh: bool) -> None:
    """OUT's file is still right: a fresh tree links it, a spare already holds it."""
    if fresh or not os.path.exists(target):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.link(old, target)


def put(staging: Path, out_dir: Path, rel: str, data: bytes, fresh: bool, mirror: Path | None = None) -> bool:
    """Place one output file in staging; True if its bytes differ from OUT's.

    Unchanged bytes are not written: a fresh staging tree links OUT's file, a
    spare already holds it. `mirror`: a tree that gets a link to the file too (the
    first build's spare, see Transaction).
    """
    target = safe_join(staging, rel)
    old = safe_join(out_dir, rel)
    if _same_bytes(old, data):
        _keep_old(target, old, fresh)
        changed = False
    else:
        changed = True
        try:
            if not fresh:
                raise FileExistsError
            _write_new(target, data)  # a fresh tree holds only what this build put there: no rename
        except FileExistsError:
            replace_file(target, data)
    if mirror is not None:
        _link_into(mirror, rel, target)
    return changed


def _link_into(tree: Path, rel: str, source: str) -> None:
    """A link to `source` at `rel` in `tree`, replacing what is there."""
    link = safe_join(tree, rel)
    try:
        os.link(source, link)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.link(source, link)
    except FileExistsError:
        os.unlink(link)
        os.link(source, link)


def put_parts(staging: Path, out_dir: Path, rel: str, parts: Iterable[bytes], fresh: bool,
              mirror: Path | None = None) -> bool:
    """`put` for a file made in pieces (the open data files: hundreds of MB at 100,000
    cases), written as they come and compared with OUT's file afterwards."""
    target = safe_join(staging, rel)
    folder, name = os.path.split(target)
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        for part in parts:
            handle.write(part)
    old = safe_join(out_dir, rel)
    try:
        same = filecmp.cmp(temporary, old, shallow=False)
    except OSError:
        same = False
    if same:
        os.unlink(temporary)
        _keep_old(target, old, fresh)
    else:
        os.replace(temporary, target)
    if mirror is not None:
        _link_into(mirror, rel, target)
    return not same


def link_unchanged(staging: Path, out_dir: Path, rel: str) -> None:
    target = safe_join(staging, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.link(safe_join(out_dir, rel), target)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, found once (find_library runs a subprocess). ctypes is imported here:
    a build with nothing to do imports this module (unchanged.py) and swaps nothing."""
    import ctypes
    import ctypes.util
    libc_name = ctypes.util.find_library("c")
    return ctypes.CDLL(libc_name, use_errno=True) if libc_name else None


def _exchange(a: Path, b: Path) -> bool:
    libc = _libc()
    if libc is None:
        return False
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def _files_under(root: Path) -> set[str]:
    found: set[str] = set()
    for folder, _, names in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        found.update(name if base == "." else f"{base}/{name}" for name in names)
    return found


def _remove(root: Path, rel: str) -> None:
    """Delete one file and the folders it leaves empty."""
    path = Path(safe_join(root, rel))
    try:
        path.unlink()
    except FileNotFoundError:
        return
    parent = path.parent
    while parent != root:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent


def _read_state(state_file: Path, out_dir: Path) -> dict | None:  # type: ignore[type-arg]
    """What the last build said about its spare tree (None: nothing usable)."""
    try:
        state = marshal.loads(state_file.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(state, dict) or state.get("out") != str(out_dir) or not state.get("spare"):
        return None
    return state


def _write_state(state_file: Path, state: dict | None) -> None:  # type: ignore[type-arg]
    try:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = state_file.with_name(state_file.name + ".tmp")
        temporary.write_bytes(marshal.dumps(state or {}))
        os.replace(temporary, state_file)
    except OSError:
        pass


def prepare_spare(out_dir: Path, spare: Path) -> bool:
    """Make a spare for the next build where there is none (a first build links one as it
    writes, but OUT may come from elsewhere, or its spare may have been deleted): a tree of
    links to OUT's files. serve does this while idle, so the first edit after it starts is as quick
    as the next ones (an edit saved meanwhile waits for it: 0.9 s at 10,000 cases, where
    its build would otherwise link a fresh tree itself, 1.5 s). False when there was
    nothing to do or it cannot be done here."""
    state_file = spare.with_name(spare.name + ".state")
    if _read_state(state_file, out_dir) is not None or not out_dir.is_dir():
        return False
    spare.parent.mkdir(parents=True, exist_ok=True)
    if spare.parent.stat().st_dev != out_dir.parent.stat().st_dev:
        return False
    shutil.rmtree(spare, ignore_errors=True)
    building = spare.with_name(spare.name + ".new")
    shutil.rmtree(building, ignore_errors=True)
    files: list[str] = []
    try:
        # os.walk, os.mkdir and os.link: what `cp -al` does (a link per file costs the kernel
        # about 60 µs here; 15,852 files in Python's pathlib took twice as long).
        for folder, _, names in os.walk(out_dir):
            rel_folder = os.path.relpath(folder, out_dir)
            target = building if rel_folder == "." else building / rel_folder
            os.mkdir(target)
            for name in names:
                os.link(os.path.join(folder, name), os.path.join(target, name))
                files.append(name if rel_folder == "." else f"{rel_folder}/{name}")
        os.rename(building, spare)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        return False
    _write_state(state_file, {"out": str(out_dir), "spare": spare.stat().st_ino, "delta": [],
                              "files": sorted(files)})
    return True


class Transaction:
    """One build's writes into a staging tree that replaces OUT atomically on commit."""

    def __init__(self, out_dir: Path, spare: Path | None) -> None:
        """`spare`: where to keep the swapped-out tree (None: delete it after the swap)."""
        self.out_dir = out_dir
        clean_stale(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if spare is not None:
            spare.parent.mkdir(parents=True, exist_ok=True)
            if spare.parent.stat().st_dev != out_dir.parent.stat().st_dev:
                spare = None  # a rename cannot cross file systems
        self.spare = spare
        self.state_file = spare.with_name(spare.name + ".state") if spare is not None else None
        state = self._read_state()
        self._write_state(None)  # from here on the spare's state is unknown until commit
        if (state is not None and spare is not None and out_dir.is_dir() and spare.is_dir()
                and state["spare"] == spare.stat().st_ino):
            for rel in state["delta"]:
                _remove(spare, rel)
                if os.path.lexists(safe_join(out_dir, rel)):
                    link_unchanged(spare, out_dir, rel)
            self.staging: Path = spare
            self.fresh, self.present = False, set(state["files"])
        else:
            if spare is not None:
                shutil.rmtree(spare, ignore_errors=True)
            self.staging = new_staging(out_dir)
            self.fresh, self.present = True, set()
        # A first build swaps no old tree out to keep as the spare: every file it puts is linked
        # into a new spare as it is written (by the workers, in parallel), instead of linking
        # the whole tree after the commit (0.45 s at 10,000 cases, with one core idle).
        self.mirror: Path | None = None
        if spare is not None and not out_dir.exists():
            self.mirror = spare.with_name(spare.name + ".new")
            shutil.rmtree(self.mirror, ignore_errors=True)
            self.mirror.mkdir()
        self.written: set[str] = set()
        self.changed: set[str] | None = None   # after a commit that kept OUT's other files as they were

    def _read_state(self) -> dict | None:  # type: ignore[type-arg]
        return _read_state(self.state_file, self.out_dir) if self.state_file is not None else None

    def _write_state(self, state: dict | None) -> None:  # type: ignore[type-arg]
        if self.state_file is not None:
            _write_state(self.state_file, state)

    def keep(self, rel: str) -> None:
        """The file in OUT is still right: make sure staging has it."""
        if self.fresh:
            link_unchanged(self.staging, self.out_dir, rel)

    def put(self, rel: str, data: bytes) -> bool:
        changed = put(self.staging, self.out_dir, rel, data, self.fresh, self.mirror)
        if changed:
            self.written.add(rel)
        return changed

    def commit(self, files: set[str], written: set[str]) -> None:
        """Drop files no longer produced, then make staging the new OUT in one step."""
        written = written | self.written
        deleted = set()
        if not self.fresh:
            deleted = self.present - files
            for rel in sorted(deleted):
                _remove(self.staging, rel)
        if not self.out_dir.exists():
            os.rename(self.staging, self.out_dir)
            if self.mirror is not None and self.spare is not None:
                os.rename(self.mirror, self.spare)
                self._write_state({"out": str(self.out_dir), "spare": self.spare.stat().st_ino, "delta": [],
                                   "files": sorted(files)})
            return
        if not _exchange(self.staging, self.out_dir):
            # No renameat2 (not Linux): two renames, with a brief moment without OUT.
            old = self.out_dir.parent / f"{staging_prefix(self.out_dir)}old-{os.getpid()}"
            os.rename(self.out_dir, old)
            os.rename(self.staging, self.out_dir)
            shutil.rmtree(old, ignore_errors=True)
            return
        # The old site is now at the staging path: keep it as the spare for the next build.
        if self.spare is None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        if self.fresh:
            deleted = _files_under(self.staging) - files
            shutil.rmtree(self.spare, ignore_errors=True)
            os.rename(self.staging, self.spare)
        self._write_state({"out": str(self.out_dir), "spare": self.spare.stat().st_ino,
                           "delta": sorted(written | deleted), "files": sorted(files)})
        if not self.fresh:   # OUT is the spare tree: links to the files OUT had, but for these
            self.changed = written | deleted

    def discard(self) -> None:
        """Forget a failed build's writes; OUT was never touched."""
        shutil.rmtree(self.staging, ignore_errors=True)  # a half-updated spare is rebuilt afresh next time
        if self.mirror is not None:
            shutil.rmtree(self.mirror, ignore_errors=True)
