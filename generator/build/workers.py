"""Worker processes shared by the stages that use them: a forked pool, what a worker inherits, the collector."""
from __future__ import annotations

import functools
import gc
import marshal
import os
import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """Loading and planning make hundreds of thousands of lasting objects and no cyclic
    garbage; Python's collector would walk them again and again (0.1 s at 10,000 cases)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_thawers = 0   # open `thawed_at_end` blocks


@contextmanager
def thawed_at_end() -> Iterator[None]:
    """What the block freezes (gc.freeze: left out of collections, and so not copied into
    forked workers) is let go when it ends, unless an enclosing block lets it go later: serve
    builds again and again in one process. (gc.get_freeze_count() would tell whether one is
    open, but it counts the frozen objects one by one: 12 ms at 10,000 cases.)"""
    global _thawers
    _thawers += 1
    try:
        yield
    finally:
        _thawers -= 1
        if _thawers == 0:
            gc.unfreeze()


def worker_pool(processes: int, **options: Any) -> Any:
    """A pool of forked workers (imported here: a small rebuild never starts one)."""
    import multiprocessing
    _return_free_memory()
    return multiprocessing.get_context("fork").Pool(processes, initializer=_worker_started, **options)


def _return_free_memory() -> None:
    """Give the C heap's free pages back to the system before forking (glibc's malloc_trim).
    Loading frees the parse workers' answers among the documents it keeps: at 100,000 cases
    80 MB of free pages, counted in the build's memory for as long as it ran."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, ImportError, TypeError):
        return None   # not glibc: nothing to do


def _worker_started() -> None:
    # The objects a worker inherits are left out of its collections, which would otherwise
    # write to (and so copy) every page holding them.
    gc.enable()   # loading pauses the collector (see collector_paused)
    gc.freeze()
    # The pool stops its workers with SIGTERM; `serve` installs Python handlers, which a
    # worker blocked on the pool's queue never runs, so its terminate() waited for ever.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the main process's to handle


worker_state: dict[str, object] = {}


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def fork_with_pipe(answer: Callable[[int], None]) -> tuple[int, int] | None:
    """Fork a child that runs answer(write_fd) and exits without running any of this process's
    cleanup; (its pid, the pipe's read end) here. None where fork is missing or other threads
    run (a lock one of them holds would stay held in the child)."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:
        status = 1
        try:
            os.close(read_fd)
            answer(write_fd)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    return pid, read_fd


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Forked:
    """`function(*args)` run in a forked child while this process does something else, its
    result (a value marshal can write) read back by `result()`. For work that mostly waits
    on the kernel, such as stat calls. Where there is no child, or it fails, `result()` runs
    the function here instead."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self._function, self._args = function, args
        self._child = fork_with_pipe(lambda fd: write_all(fd, marshal.dumps(function(*args))))

    def result(self) -> Any:
        if self._child is not None:
            pid, read_fd = self._child
            self._child = None
            chunks = []
            try:
                while chunk := os.read(read_fd, 1 << 20):
                    chunks.append(chunk)
            finally:
                os.close(read_fd)
                _, status = os.waitpid(pid, 0)
            if status == 0:
                try:
                    return marshal.loads(b"".join(chunks))
                except (EOFError, ValueError, TypeError):
                    pass
        return self._function(*self._args)
