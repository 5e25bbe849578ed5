"""The Java side of caption metrics: finding ``java`` and pycocoevalcap's jars, and running
the reference PTB tokenizer.

pycocoevalcap is located without importing its Python modules (its package directory is
found by ``importlib``); the jars are used in place, read-only. Temporary files go to the
system temporary directory, never into site-packages.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.metrics.ptb_lexer import PUNCTUATION_TOKENS

_TOKENIZER_JAR = "tokenizer/stanford-corenlp-3.4.1.jar"
_METEOR_JAR = "meteor/meteor-1.5.jar"
_SPICE_JAR = "spice/spice-1.0.jar"
#: Characters the jar's lexer treats as line ends (see :mod:`bench.metrics.ptb_tokenizer`).
_LINE_BREAKS = str.maketrans(dict.fromkeys("\r\n\u2028\u2029\u000b\u000c", " "))


class JavaUnavailableError(RuntimeError):
    """Java or a jar needed by a metric is missing; the message says which."""


@functools.cache
def java_executable() -> str | None:
    """Path of ``java`` on PATH, or None."""
    return shutil.which("java")


@functools.cache
def pycocoevalcap_dir() -> Path | None:
    """The installed pycocoevalcap package directory, or None."""
    spec = importlib.util.find_spec("pycocoevalcap")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location)
        if (path / _TOKENIZER_JAR).exists() or (path / _METEOR_JAR).exists():
            return path
    return None


def _resource(relative: str) -> Path:
    base = pycocoevalcap_dir()
    if base is None:
        raise JavaUnavailableError("pycocoevalcap is not installed (pip install pycocoevalcap)")
    path = base / relative
    if not path.exists():
        raise JavaUnavailableError(f"{path} is missing from the pycocoevalcap installation")
    return path


def require_java() -> str:
    """The ``java`` executable; JavaUnavailableError if it is not on PATH."""
    java = java_executable()
    if java is None:
        raise JavaUnavailableError("no `java` executable on PATH (install a Java runtime >= 8)")
    return java


def meteor_jar() -> Path:
    """pycocoevalcap's METEOR 1.5 jar."""
    return _resource(_METEOR_JAR)


def spice_jar() -> Path:
    """pycocoevalcap's SPICE 1.0 jar."""
    return _resource(_SPICE_JAR)


def java_ptb_tokenize(captions: Sequence[str]) -> list[str]:
    """Tokenize with the Stanford PTBTokenizer jar, exactly as pycocoevalcap does.

    One JVM for all captions; the output is lower-cased and pycocoevalcap's punctuation
    tokens are dropped. Line-break characters inside captions become spaces first (the
    jar would otherwise split the caption and shift every later one).
    """
    if not captions:
        return []
    java = require_java()
    jar = _resource(_TOKENIZER_JAR)
    text = "\n".join(c.translate(_LINE_BREAKS) for c in captions)
    with tempfile.TemporaryDirectory(prefix="modalbench-ptb-") as tmp:
        source = Path(tmp) / "captions.txt"
        source.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [
                java,
                "-cp",
                str(jar),
                "edu.stanford.nlp.process.PTBTokenizer",
                "-preserveLines",
                "-lowerCase",
                str(source),
            ],
            capture_output=True,
            check=False,
        )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise JavaUnavailableError(
            f"the PTB tokenizer jar failed: {message[-1] if message else ''}"
        )
    lines = done.stdout.decode("utf-8").split("\n")
    if len(lines) < len(captions):
        raise RuntimeError(
            f"the PTB tokenizer returned {len(lines)} lines for {len(captions)} captions"
        )
    return [
        " ".join(w for w in line.rstrip().split(" ") if w not in PUNCTUATION_TOKENS)
        for line in lines[: len(captions)]
    ]
