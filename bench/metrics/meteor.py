"""METEOR 1.5 through pycocoevalcap's jar, one JVM for the whole call.

The jar returns, per image, METEOR's 23 sufficient statistics (lengths, function words,
matches per module and word class, chunks). pycocoevalcap's corpus METEOR is the jar's
score of the *summed* statistics, so the aggregator below recomputes it from column sums
with METEOR's English defaults (alpha 0.85, beta 0.2, gamma 0.6, delta 0.75; module weights
exact 1.0, stem 0.6, synonym 0.8, paraphrase 0.6). One quirk of the jar is kept: when it
adds up statistics it skips the chunk count of segments that match their reference
exactly, so those rows store 0 chunks.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from bench.metrics.base import Aggregator, FloatArray, register_aggregator
from bench.metrics.java_tools import meteor_jar, require_java

ALPHA, BETA, GAMMA, DELTA = 0.85, 0.20, 0.60, 0.75
MODULE_WEIGHTS = (1.0, 0.60, 0.80, 0.60)
N_STATS = 23
_CHUNKS = 20


def meteor_from_sums(summed: FloatArray) -> FloatArray:
    """METEOR of summed statistics ``[..., 23]`` (any leading shape)."""
    s = np.asarray(summed, dtype=np.float64)
    test_len, ref_len, test_fn, ref_fn = s[..., 0], s[..., 1], s[..., 2], s[..., 3]
    test_weighted_len = DELTA * (test_len - test_fn) + (1.0 - DELTA) * test_fn
    ref_weighted_len = DELTA * (ref_len - ref_fn) + (1.0 - DELTA) * ref_fn
    test_matches = np.zeros(s.shape[:-1])
    ref_matches = np.zeros(s.shape[:-1])
    test_total = np.zeros(s.shape[:-1])
    ref_total = np.zeros(s.shape[:-1])
    for i, weight in enumerate(MODULE_WEIGHTS):
        test_matches = test_matches + s[..., 4 + 4 * i] * weight * DELTA
        ref_matches = ref_matches + s[..., 5 + 4 * i] * weight * DELTA
    for i, weight in enumerate(MODULE_WEIGHTS):
        test_matches = test_matches + s[..., 6 + 4 * i] * weight * (1.0 - DELTA)
        ref_matches = ref_matches + s[..., 7 + 4 * i] * weight * (1.0 - DELTA)
    for i in range(len(MODULE_WEIGHTS)):
        test_total = test_total + s[..., 4 + 4 * i] + s[..., 6 + 4 * i]
        ref_total = ref_total + s[..., 5 + 4 * i] + s[..., 7 + 4 * i]
    chunks = s[..., _CHUNKS]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        precision = test_matches / test_weighted_len
        recall = ref_matches / ref_weighted_len
        f_mean = 1.0 / (((1.0 - ALPHA) / precision) + (ALPHA / recall))
        perfect = (test_total == test_len) & (ref_total == ref_len) & (chunks == 1)
        frag = np.where(perfect, 0.0, chunks / ((s[..., 21] + s[..., 22]) / 2))
        score = f_mean * (1.0 - GAMMA * np.power(frag, BETA))
    score = np.where(np.isnan(score), 0.0, score)
    return np.asarray(np.maximum(score, 0.0), dtype=np.float64)


#: Summable aggregator over :data:`N_STATS` METEOR statistics.
METEOR = register_aggregator(Aggregator("meteor", meteor_from_sums))


def _aggregable(stats: FloatArray) -> FloatArray:
    """Zero the chunks of exactly matching rows, as the jar's ``addStats`` does."""
    out = stats.copy()
    test_total = out[:, [4, 6, 8, 10, 12, 14, 16, 18]].sum(axis=1)
    ref_total = out[:, [5, 7, 9, 11, 13, 15, 17, 19]].sum(axis=1)
    perfect = (test_total == out[:, 0]) & (ref_total == out[:, 1]) & (out[:, _CHUNKS] == 1)
    out[perfect, _CHUNKS] = 0.0
    return out


@contextmanager
def meteor_process() -> Iterator[subprocess.Popen[bytes]]:
    """A running METEOR jar in ``-stdio`` mode (pycocoevalcap's command line)."""
    java = require_java()
    jar = meteor_jar()
    process = subprocess.Popen(
        [java, "-jar", "-Xmx2G", jar.name, "-", "-", "-stdio", "-l", "en", "-norm"],
        cwd=jar.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.kill()
        process.wait()


def meteor_stats(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> FloatArray:
    """Per-image METEOR statistics ``[n_images, 23]`` from one JVM (chunks quirk applied).

    Lines are written by a thread while this one reads, so the pipes never fill up.
    """
    if not hypotheses:
        return np.zeros((0, N_STATS), dtype=np.float64)
    lines = []
    for hyp, refs in zip(hypotheses, references, strict=True):
        hyp = hyp.replace("|||", "").replace("  ", " ")
        lines.append(" ||| ".join(("SCORE", " ||| ".join(refs), hyp)) + "\n")
    with meteor_process() as process:
        assert process.stdin is not None and process.stdout is not None
        stdin = process.stdin

        def feed() -> None:
            try:
                for line in lines:
                    stdin.write(line.encode("utf-8"))
                stdin.flush()
            except BrokenPipeError:  # the reader reports the failure
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        rows = []
        for _ in lines:
            raw = process.stdout.readline()
            if not raw:
                raise RuntimeError("the METEOR jar stopped before scoring every caption")
            rows.append([float(x) for x in raw.split()])
        writer.join()
    stats = np.asarray(rows, dtype=np.float64)
    if stats.shape[1] != N_STATS:
        raise RuntimeError(f"unexpected METEOR statistics line of {stats.shape[1]} numbers")
    return _aggregable(stats)
