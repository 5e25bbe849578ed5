"""METEOR 1.5 through pycocoevalcap's jar, one JVM for the whole call, reused across calls.

The jar returns, per image, METEOR's 23 sufficient statistics (lengths, function words,
matches per module and word class, chunks). pycocoevalcap's corpus METEOR is the jar's
score of the *summed* statistics, so the aggregator below recomputes it from column sums
with METEOR's English defaults (alpha 0.85, beta 0.2, gamma 0.6, delta 0.75; module weights
exact 1.0, stem 0.6, synonym 0.8, paraphrase 0.6). One quirk of the jar is kept: when it
adds up statistics it skips the chunk count of segments that match their reference
exactly, so those rows store 0 chunks.

Starting the JVM and loading METEOR's paraphrase tables takes seconds, so one jar process
(:data:`METEOR_SERVER`) serves every call of the Python process: started on first use,
used by one call at a time (a lock), started again if it died, closed at exit. Its
``SCORE`` requests are independent of each other, so reuse cannot change a result.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import threading
from collections.abc import Sequence
from contextlib import suppress

import numpy as np

from bench.metrics.base import Aggregator, FloatArray, register_aggregator
from bench.metrics.java_tools import JavaUnavailableError, meteor_jar, require_java

ALPHA, BETA, GAMMA, DELTA = 0.85, 0.20, 0.60, 0.75
MODULE_WEIGHTS = (1.0, 0.60, 0.80, 0.60)
N_STATS = 23
_CHUNKS = 20


def meteor_unavailable() -> str | None:
    """Why METEOR cannot run here (None when it can): no ``java``, or no jar."""
    try:
        require_java()
        meteor_jar()
    except JavaUnavailableError as exc:
        return str(exc)
    return None


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


class MeteorServer:
    """A METEOR jar in ``-stdio`` mode (pycocoevalcap's command line), kept between calls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._owner_pid = 0
        atexit.register(self.close)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        """In a forked child: drop the parent's jar and lock (the child starts its own)."""
        self._lock = threading.Lock()
        self._process = None

    @property
    def pid(self) -> int | None:
        """Process id of the running jar, or None."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _running(self) -> subprocess.Popen[bytes]:
        process = self._process
        if process is not None and self._owner_pid == os.getpid() and process.poll() is None:
            return process
        if process is not None and self._owner_pid == os.getpid():
            self._stop(process)
        java = require_java()
        jar = meteor_jar()
        self._process = subprocess.Popen(
            [java, "-jar", "-Xmx2G", jar.name, "-", "-", "-stdio", "-l", "en", "-norm"],
            cwd=jar.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._owner_pid = os.getpid()
        return self._process

    @staticmethod
    def _stop(process: subprocess.Popen[bytes]) -> None:
        with suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        process.kill()
        process.wait()

    def score(self, lines: Sequence[str]) -> list[bytes]:
        """The jar's answer to each request line (``SCORE ||| ... ||| ...``).

        A thread writes the requests while this one reads the answers, so the pipes never
        fill up. If the jar stops mid-call it is discarded (the next call starts another)
        and RuntimeError is raised. JavaUnavailableError when ``java`` or the jar is missing.
        """
        reason = meteor_unavailable()  # checked on every call, even with a jar running
        if reason is not None:
            raise JavaUnavailableError(reason)
        with self._lock:
            process = self._running()
            try:
                return self._exchange(process, lines)
            except BaseException:
                # unread answers would shift the next call's: never reuse this process
                self._stop(process)
                self._process = None
                raise

    @staticmethod
    def _exchange(process: subprocess.Popen[bytes], lines: Sequence[str]) -> list[bytes]:
        assert process.stdin is not None and process.stdout is not None
        stdin = process.stdin

        def feed() -> None:
            try:
                for line in lines:
                    stdin.write(line.encode("utf-8"))
                stdin.flush()
            except (OSError, ValueError):  # the reader reports the failure
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        answers = []
        for _ in lines:
            raw = process.stdout.readline()
            if not raw:
                raise RuntimeError("the METEOR jar stopped before scoring every caption")
            answers.append(raw)
        writer.join()
        return answers

    def close(self) -> None:
        """Stop the jar (no-op when none runs or it belongs to a parent process).

        Waits a few seconds for a call in progress; at interpreter exit a daemon thread may
        never release the lock, and the jar is stopped anyway (that call then fails).
        """
        locked = self._lock.acquire(timeout=5)
        try:
            process, self._process = self._process, None
            if process is not None and self._owner_pid == os.getpid():
                self._stop(process)
        finally:
            if locked:
                self._lock.release()


#: The jar process shared by :func:`meteor_stats` calls.
METEOR_SERVER = MeteorServer()


def meteor_stats(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> FloatArray:
    """Per-image METEOR statistics ``[n_images, 23]`` (chunks quirk applied), from the shared
    jar process :data:`METEOR_SERVER`."""
    if not hypotheses:
        return np.zeros((0, N_STATS), dtype=np.float64)
    lines = []
    for hyp, refs in zip(hypotheses, references, strict=True):
        hyp = hyp.replace("|||", "").replace("  ", " ")
        lines.append(" ||| ".join(("SCORE", " ||| ".join(refs), hyp)) + "\n")
    rows = [[float(x) for x in raw.split()] for raw in METEOR_SERVER.score(lines)]
    stats = np.asarray(rows, dtype=np.float64)
    if stats.shape[1] != N_STATS:
        raise RuntimeError(f"unexpected METEOR statistics line of {stats.shape[1]} numbers")
    return _aggregable(stats)
