"""Progress reporting shared by the reference trainers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: Receives one line of progress text.
Report = Callable[[str], None]


def quiet(_: str) -> None:
    """A :data:`Report` that prints nothing."""


@dataclass
class StepLog:
    """Reports ``name step/total loss`` about every ``every`` steps, with elapsed time."""

    name: str
    total: int
    report: Report
    every: int = 50
    started: float = field(default_factory=time.perf_counter)

    def step(self, step: int, loss: float) -> None:
        """Called after each optimisation step (1-based)."""
        if step == 1 or step == self.total or step % self.every == 0:
            elapsed = time.perf_counter() - self.started
            self.report(f"{self.name}: step {step}/{self.total} loss {loss:.4f} ({elapsed:.0f}s)")
