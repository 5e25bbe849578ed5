"""Sentiment scenes: a face whose mouth smiles, frowns or is flat, plus a noisy weather cue.

The mouth alone fixes the image's sentiment. The cue (a sun, a rain cloud or nothing)
agrees with the mouth only part of the time, so it is a weak, misleading-at-times hint.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from bench.data.shapes.spec import IMAGE_SIZE
from bench.data.shapes.vocab import BACKGROUNDS

MOUTHS = ("smile", "frown", "flat")
MOUTH_PROBS = (0.3, 0.3, 0.4)
MOUTH_SENTIMENT = {"smile": "positive", "frown": "negative", "flat": "neutral"}
CUES = ("sun", "rain cloud", "none")
#: Probability that the cue is drawn to agree with a smiling/frowning mouth
#: (otherwise it is uniform over all cues, so it may still agree by chance).
CUE_AGREEMENT = 0.5
_AGREEING_CUE = {"smile": "sun", "frown": "rain cloud"}
SKINS: tuple[tuple[int, int, int], ...] = (
    (255, 214, 90),
    (250, 220, 150),
    (232, 190, 150),
    (205, 150, 110),
)

_FACE_WORDS = {
    "smile": "a smiling face",
    "frown": "a frowning face",
    "flat": "a face with a flat mouth",
}
_CUE_WORDS = {"sun": " under the sun", "rain cloud": " under a rain cloud", "none": ""}


@dataclass(frozen=True)
class FaceScene:
    """Everything drawn in a sentiment image (pixels; colours as RGB)."""

    mouth: str
    cue: str
    background: tuple[int, int, int]
    skin: tuple[int, int, int]
    x: float
    y: float
    r: float
    mouth_width: float
    curve: float
    cue_x: float
    cue_y: float

    @property
    def sentiment(self) -> str:
        """The image's sentiment: what the mouth shows."""
        return MOUTH_SENTIMENT[self.mouth]

    def caption(self) -> str:
        """A plain description, e.g. ``a smiling face under a rain cloud``."""
        return _FACE_WORDS[self.mouth] + _CUE_WORDS[self.cue]

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces): stored in the ``scene`` column."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def _sample_cue(rng: np.random.Generator, mouth: str) -> str:
    agree = float(rng.random()) < CUE_AGREEMENT
    uniform = CUES[int(rng.integers(len(CUES)))]
    return _AGREEING_CUE[mouth] if agree and mouth in _AGREEING_CUE else uniform


def sample_face_scene(rng: np.random.Generator) -> FaceScene:
    """Draw a face (mouth, colours, geometry) and its weather cue."""
    mouth = MOUTHS[int(rng.choice(len(MOUTHS), p=MOUTH_PROBS))]
    cue = _sample_cue(rng, mouth)
    r = float(rng.uniform(13.0, 16.0))
    x = float(rng.uniform(r + 2.0, IMAGE_SIZE - 2.0 - r))
    # The top band (y < 18) is reserved for the cue; the face sits below it.
    y = float(rng.uniform(18.0 + r, IMAGE_SIZE - 2.0 - r))
    left = bool(rng.random() < 0.5)
    cue_x = float(rng.uniform(9.5, 12.0)) if left else float(rng.uniform(52.0, 54.5))
    cue_y = float(rng.uniform(8.5, 9.5))
    return FaceScene(
        mouth=mouth,
        cue=cue,
        background=BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))],
        skin=SKINS[int(rng.integers(len(SKINS)))],
        x=round(x, 2),
        y=round(y, 2),
        r=round(r, 2),
        mouth_width=round(float(rng.uniform(0.42, 0.55)), 3),
        curve=round(float(rng.uniform(0.28, 0.38)), 3),
        cue_x=round(cue_x, 2),
        cue_y=round(cue_y, 2),
    )
