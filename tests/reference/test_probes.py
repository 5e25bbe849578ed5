"""Linear sentiment probes: fusion rules, determinism and the settings they record.

A stand-in encoder gives each modality a noisy one-hot of its own sentiment, and labels
follow the shapes rule (a smiling or frowning face decides; a flat face defers to the post),
so the expected accuracies can be worked out by hand: about 0.73 for the image alone
(0.6 + 0.4/3), about 0.6 for the text alone and close to 1 with both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from bench.capabilities import FittableClassifier, LabeledBatch
from bench.errors import UsageError
from bench.reference.probes import FUSION_RULES, LinearProbe

SENTIMENTS = ("negative", "neutral", "positive")


class OneHotEncoder:
    """Images and texts are ``"<uid> <sentiment>"``: a noisy one-hot of the sentiment.

    The noise is seeded by the uid, so an example embeds the same in any batch.
    """

    def __init__(self, noise: float = 0.3) -> None:
        self.noise = noise

    def _encode(self, items: Sequence[str], salt: int) -> np.ndarray:
        out = np.zeros((len(items), 4), dtype=np.float32)
        for row, item in enumerate(items):
            uid, name = item.split()
            out[row, SENTIMENTS.index(name)] = 1.0
            rng = np.random.default_rng([int(uid), salt])
            out[row] += self.noise * rng.standard_normal(4).astype(np.float32)
            out[row, 3] += 1.0  # keeps every row away from the origin before normalising
        return out

    def embed_images(self, images: Any) -> np.ndarray:
        return self._encode(list(images), 1)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), 2)

    def fingerprint(self) -> str:
        return "sha256:encoder"

    def settings(self) -> dict[str, Any]:
        return {"family": "stand-in"}

    def image_preprocessor(self) -> Any:
        return list


def shapes_rule(image: str, text: str) -> str:
    return image if image != "neutral" else text


def make_examples(n: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    rng = np.random.default_rng(seed)
    moods = [SENTIMENTS[i] for i in rng.choice(3, size=n, p=[0.3, 0.4, 0.3])]
    posts = [SENTIMENTS[i] for i in rng.integers(0, 3, size=n)]
    labels = [shapes_rule(i, t) for i, t in zip(moods, posts, strict=True)]
    uids = [seed * 100_000 + k for k in range(n)]
    images = [f"{u} {m}" for u, m in zip(uids, moods, strict=True)]
    texts = [f"{u} {p}" for u, p in zip(uids, posts, strict=True)]
    return images, texts, labels


def batches(images: list[str], texts: list[str], labels: list[str], size: int = 64) -> Any:
    for start in range(0, len(images), size):
        end = start + size
        yield LabeledBatch(images[start:end], texts[start:end], labels[start:end])


def accuracy(probe: LinearProbe, images: list[str], texts: list[str], labels: list[str]) -> float:
    scores = probe.classify(images, texts)
    predicted = [probe.labels()[i] for i in scores.argmax(axis=1)]
    return float(np.mean([p == y for p, y in zip(predicted, labels, strict=True)]))


@pytest.fixture(scope="module")
def fitted() -> dict[str, LinearProbe]:
    train = make_examples(1500, seed=1)
    probes = {}
    for fusion in FUSION_RULES:
        probe = LinearProbe(OneHotEncoder(), "ref:stand-in", fusion, {})
        probe.fit(batches(*train), seed=0)
        probes[fusion] = probe
    return probes


def test_probe_is_a_fittable_classifier(fitted: dict[str, LinearProbe]) -> None:
    assert isinstance(fitted["early"], FittableClassifier)
    assert list(fitted["early"].labels()) == list(SENTIMENTS)


def test_fusion_beats_each_modality_alone(fitted: dict[str, LinearProbe]) -> None:
    test = make_examples(1200, seed=2)
    acc = {fusion: accuracy(probe, *test) for fusion, probe in fitted.items()}
    assert acc["image"] == pytest.approx(0.6 + 0.4 / 3, abs=0.05)
    assert acc["text"] == pytest.approx(0.4 + 0.6 / 3, abs=0.05)
    for fusion in ("early", "late", "hybrid"):
        assert acc[fusion] > acc["image"] + 0.08, (fusion, acc)
    # a linear head on both embeddings can express the rule exactly; averaging cannot quite
    assert acc["early"] > 0.88 and acc["hybrid"] > 0.88, acc


def test_fusion_rules_combine_the_heads_probabilities(fitted: dict[str, LinearProbe]) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    images, texts, labels = make_examples(1500, seed=1)
    encoder = OneHotEncoder()

    def reference_proba(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        scaler = StandardScaler().fit(train)
        model = LogisticRegression(C=1.0, max_iter=2000).fit(scaler.transform(train), labels)
        return np.asarray(model.predict_proba(scaler.transform(test)))

    def unit(m: np.ndarray) -> np.ndarray:
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    image, text = unit(encoder.embed_images(images)), unit(encoder.embed_texts(texts))
    test_images, test_texts, _ = make_examples(50, seed=3)
    t_image = unit(encoder.embed_images(test_images))
    t_text = unit(encoder.embed_texts(test_texts))
    p_image = reference_proba(image, t_image)
    p_text = reference_proba(text, t_text)
    p_both = reference_proba(np.hstack([image, text]), np.hstack([t_image, t_text]))
    expected = {
        "image": p_image,
        "text": p_text,
        "early": p_both,
        "late": (p_image + p_text) / 2,
        "hybrid": p_both / 2 + (p_image + p_text) / 4,
    }
    for fusion, probs in expected.items():
        got = fitted[fusion].probabilities(test_images, test_texts)
        np.testing.assert_allclose(got, probs, atol=1e-6, err_msg=fusion)
        # the task applies a softmax to classify(): it must give the probabilities back
        scores = fitted[fusion].classify(test_images, test_texts)
        soft = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(soft, probs / probs.sum(axis=1, keepdims=True), atol=1e-6)


def test_fit_is_deterministic_for_a_seed() -> None:
    train = make_examples(600, seed=5)
    test = make_examples(100, seed=6)
    runs = []
    for _ in range(2):
        probe = LinearProbe(OneHotEncoder(), "ref:stand-in", "hybrid", {"C": 0.5})
        probe.fit(batches(*train), seed=7)
        runs.append(probe.classify(test[0], test[1]))
    np.testing.assert_array_equal(runs[0], runs[1])


def test_fit_settings_record_every_probe_setting() -> None:
    probe = LinearProbe(OneHotEncoder(), "ref:stand-in", "late", {"C": 0.25, "max_iter": 300})
    before = probe.fit_settings()
    probe.fit(batches(*make_examples(300, seed=8)), seed=11)
    settings = probe.fit_settings()
    # Known before fitting: the task puts them in the cache key ahead of any fit.
    assert settings == before
    assert settings["fusion"] == "late"
    assert settings["C"] == 0.25 and settings["max_iter"] == 300
    assert settings["solver"] == "lbfgs"
    assert settings["head"] == "LogisticRegression"
    assert settings["rule"] == {"image": 0.5, "text": 0.5}
    assert settings["base_model"] == "ref:stand-in"
    assert probe.settings()["probe"]["C"] == 0.25
    assert probe.settings()["base"] == {"family": "stand-in"}


def test_fingerprint_depends_on_encoder_fusion_and_settings() -> None:
    a = LinearProbe(OneHotEncoder(), "ref:x", "early", {})
    b = LinearProbe(OneHotEncoder(), "ref:x", "late", {})
    c = LinearProbe(OneHotEncoder(), "ref:x", "early", {"C": 2.0})
    prints = {a.fingerprint(), b.fingerprint(), c.fingerprint()}
    assert len(prints) == 3
    assert all(p.startswith("sha256:encoder+probe:") for p in prints)
    assert a.fingerprint() == LinearProbe(OneHotEncoder(), "ref:x", "early", {}).fingerprint()


def test_unfitted_probe_and_bad_options_are_refused() -> None:
    probe = LinearProbe(OneHotEncoder(), "ref:x", "early", {})
    with pytest.raises(UsageError, match="fit"):
        probe.labels()
    with pytest.raises(UsageError, match="fit"):
        probe.classify(["0 neutral"], ["0 neutral"])
    with pytest.raises(UsageError, match="unknown probe option 'c'"):
        LinearProbe(OneHotEncoder(), "ref:x", "early", {"c": 1.0})
    with pytest.raises(UsageError, match="must be int"):
        LinearProbe(OneHotEncoder(), "ref:x", "early", {"max_iter": "many"})
    with pytest.raises(UsageError, match="unknown fusion"):
        LinearProbe(OneHotEncoder(), "ref:x", "middle", {})
    with pytest.raises(UsageError, match="empty"):
        LinearProbe(OneHotEncoder(), "ref:x", "early", {}).fit(iter(()), seed=0)
