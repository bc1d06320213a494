"""Worker processes shared by the stages that use them: a forked pool, what a worker inherits, the collector."""
from __future__ import annotations

import gc
from contextlib import contextmanager
import os
import signal
from typing import Any, Iterator




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


def worker_pool(processes: int, **options: Any) -> Any:
    """A pool of forked workers (imported here: a small rebuild never starts one)."""
    import multiprocessing
    return multiprocessing.get_context("fork").Pool(processes, initializer=_worker_started, **options)


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
