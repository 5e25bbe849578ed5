"""One METEOR jar serves every call of a Python process, and comes back when it dies."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from metric_corpora import caption_corpus

from bench.metrics.meteor import METEOR_SERVER, meteor_stats
from bench.metrics.ptb_tokenizer import ptb_tokenize


def _captions(n_images: int, seed: int) -> tuple[list[str], list[list[str]]]:
    refs, preds = caption_corpus(n_images, 3, seed=seed)
    ids = list(refs)
    flat = ptb_tokenize([c for i in ids for c in refs[i]])
    return ptb_tokenize([preds[i] for i in ids]), [flat[3 * k : 3 * k + 3] for k in range(len(ids))]


@pytest.mark.slow  # the first METEOR call of a process starts the JVM (10 s or more)
def test_calls_share_one_jar_and_give_the_same_statistics(java: str) -> None:
    hyps, refs = _captions(30, seed=1)
    first = meteor_stats(hyps, refs)
    pid = METEOR_SERVER.pid
    assert pid is not None
    other_hyps, other_refs = _captions(10, seed=2)
    meteor_stats(other_hyps, other_refs)
    again = meteor_stats(hyps, refs)
    assert METEOR_SERVER.pid == pid
    np.testing.assert_array_equal(first, again)
    # a call's rows do not depend on what the jar scored before
    np.testing.assert_array_equal(meteor_stats(hyps[5:9], refs[5:9]), first[5:9])


@pytest.mark.slow
def test_concurrent_calls_get_their_own_answers(java: str) -> None:
    batches = [_captions(12, seed=10 + k) for k in range(4)]
    expected = [meteor_stats(h, r) for h, r in batches]
    results: dict[int, np.ndarray] = {}

    def work(k: int) -> None:
        results[k] = meteor_stats(*batches[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in range(4):
        np.testing.assert_array_equal(results[k], expected[k])


@pytest.mark.slow
def test_a_dead_jar_is_replaced_on_the_next_call(java: str) -> None:
    hyps, refs = _captions(8, seed=3)
    expected = meteor_stats(hyps, refs)
    process = METEOR_SERVER._process
    assert process is not None
    process.kill()
    process.wait()
    np.testing.assert_array_equal(meteor_stats(hyps, refs), expected)
    assert METEOR_SERVER.pid not in (None, process.pid)
    replacement = METEOR_SERVER._process
    METEOR_SERVER.close()
    assert METEOR_SERVER.pid is None
    assert replacement is not None and replacement.poll() is not None  # stopped
