"""What a build reports: pages, files written, seconds, warnings and the time of each phase."""
from __future__ import annotations

import time
from dataclasses import dataclass

from generator.core.errors import Problem


@dataclass(frozen=True, slots=True)
class BuildReport:
    pages: int
    written: int
    unchanged: int
    seconds: float
    warnings: tuple[Problem, ...] = ()
    phases: tuple[tuple[str, float], ...] = ()   # (phase, seconds), for benchmarks and BULLETIN_TIMINGS=1
    alongside: tuple[tuple[str, float], ...] = ()   # work done during the render phase, in this process

    def timings(self) -> str:
        """What BULLETIN_TIMINGS=1 prints: the phases in order, then what ran alongside rendering."""
        line = "timings: " + ", ".join(f"{name} {seconds:.3f}s" for name, seconds in self.phases)
        if self.alongside:
            line += "\ntimings alongside render: " + ", ".join(f"{name} {seconds:.3f}s" for name, seconds in self.alongside)
        return line


class Phases:
    """Wall time per pipeline phase."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.items: list[tuple[str, float]] = []

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.items.append((name, now - self.last))
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.started
