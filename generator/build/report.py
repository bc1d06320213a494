"""What a build reports: pages, files written, seconds, warnings and the cost of each phase."""
from __future__ import annotations

import resource
import time
from dataclasses import dataclass

from generator.core.errors import Problem


@dataclass(frozen=True, slots=True)
class PhaseCost:
    """One phase: wall seconds, CPU seconds (user + system, this process and the
    workers it has reaped) and context switches (voluntary, involuntary)."""

    name: str
    wall: float
    cpu: float
    waits: int      # voluntary switches: the process gave up its core (I/O, a lock, a pipe)
    preempted: int  # involuntary switches: the kernel took the core away


@dataclass(frozen=True, slots=True)
class BuildReport:
    pages: int
    written: int
    unchanged: int
    seconds: float
    warnings: tuple[Problem, ...] = ()
    costs: tuple[PhaseCost, ...] = ()   # per phase, for benchmarks and BULLETIN_TIMINGS=1
    alongside: tuple[tuple[str, float], ...] = ()   # work done during the render phase, in this process
    unpublished: tuple[int, int] = (0, 0)   # (drafts, future-dated documents) left out

    def unpublished_note(self, zh: bool) -> str:
        """What was left out and how to see it, for the line a build prints; empty if nothing was."""
        drafts, future = self.unpublished
        if not drafts and not future:
            return ""
        if zh:
            parts = ([f"{drafts} 篇草稿"] if drafts else []) + ([f"{future} 篇日期在今天之后"] if future else [])
            return "；未发布：" + "、".join(parts) + "（用 --drafts 预览）"
        parts = ([f"{drafts} draft{'s' if drafts > 1 else ''}"] if drafts else []) + (
            [f"{future} dated after today"] if future else [])
        return "; not published: " + ", ".join(parts) + " (preview with --drafts)"

    @property
    def phases(self) -> tuple[tuple[str, float], ...]:
        """(phase, wall seconds) in order."""
        return tuple((c.name, c.wall) for c in self.costs)

    def timings(self) -> str:
        """What BULLETIN_TIMINGS=1 prints: wall time per phase; what ran alongside rendering;
        CPU seconds and context switches (voluntary/involuntary) per phase."""
        if not self.costs:
            return f"timings: nothing to do, {self.seconds:.3f}s (inputs and OUT as the last build left them)"
        lines = ["timings: " + ", ".join(f"{c.name} {c.wall:.3f}s" for c in self.costs)]
        if self.alongside:
            lines.append("timings alongside render: " + ", ".join(f"{name} {seconds:.3f}s" for name, seconds in self.alongside))
        lines.append("timings cpu: " + ", ".join(f"{c.name} {c.cpu:.3f}s" for c in self.costs))
        lines.append("timings switches: " + ", ".join(f"{c.name} {c.waits}/{c.preempted}" for c in self.costs))
        return "\n".join(lines)


def _usage() -> tuple[float, int, int]:
    """CPU seconds and context switches of this process and its reaped children so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return (own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
            own.ru_nvcsw + children.ru_nvcsw, own.ru_nivcsw + children.ru_nivcsw)


class Phases:
    """The cost of each pipeline phase, measured between marks."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.last_usage = _usage()
        self.items: list[PhaseCost] = []

    def mark(self, name: str) -> None:
        now, usage = time.perf_counter(), _usage()
        cpu, waits, preempted = (a - b for a, b in zip(usage, self.last_usage))
        self.items.append(PhaseCost(name, now - self.last, cpu, int(waits), int(preempted)))
        self.last, self.last_usage = now, usage

    def total(self) -> float:
        return time.perf_counter() - self.started
