"""Where Java is absent (a GPU image, say), the Java-dependent tests skip with a reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_java_tests_skip_with_a_reason_when_java_is_absent(tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(empty_bin)  # no java (nor anything else) on PATH
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/metrics/test_meteor_server.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    assert "skipped" in done.stdout and "needs Java" in done.stdout
    assert "failed" not in done.stdout and "error" not in done.stdout.lower()
