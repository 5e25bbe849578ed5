"""Shared helpers for the metric tests (the corpora module lives beside this file)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

DATA = HERE / "data"


@pytest.fixture(scope="session")
def java() -> str:
    """The java executable (the caption parity tests need the reference jars)."""
    path = shutil.which("java")
    if path is None:
        pytest.skip("needs Java (METEOR and the Java PTB tokenizer): no java on PATH")
    return path
