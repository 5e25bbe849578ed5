"""Shared helpers for the speed benchmarks: corpora and a closing speed-up summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "metrics"))

#: group -> side ("ours" / "reference") -> mean seconds
RESULTS: dict[str, dict[str, float]] = {}
#: Lines a benchmark wants printed in the closing summary, as they are.
SUMMARY: list[str] = []


@pytest.fixture
def record():
    """Store a finished benchmark's mean time under (group, side)."""

    def store(benchmark: Any, group: str, side: str) -> None:
        RESULTS.setdefault(group, {})[side] = float(benchmark.stats.stats.mean)

    return store


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("modalbench figures")
        for line in SUMMARY:
            terminalreporter.write_line(line)
    if not RESULTS:
        return
    terminalreporter.section("modalbench speed-ups (reference time / modalbench time)")
    for group, sides in sorted(RESULTS.items()):
        ours, ref = sides.get("ours"), sides.get("reference")
        if ours and ref:
            terminalreporter.write_line(
                f"{group:<32} modalbench {ours:8.3f} s   reference {ref:8.3f} s   "
                f"x{ref / ours:6.1f}"
            )
        elif ours:
            terminalreporter.write_line(f"{group:<32} modalbench {ours:8.3f} s")
