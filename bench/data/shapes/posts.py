"""Short social-media posts with a known text sentiment, and the multimodal label rule.

Posts share their topics across sentiments ("the trip was amazing" / "the trip was awful" /
"thinking about the trip"), so only the sentiment-bearing words tell them apart.
"""

from __future__ import annotations

import numpy as np

SENTIMENTS = ("negative", "neutral", "positive")
TEXT_PROBS = {"negative": 1 / 3, "neutral": 1 / 3, "positive": 1 / 3}

TOPICS = (
    "today",
    "this weekend",
    "the trip",
    "the new job",
    "the food here",
    "the concert",
    "my morning",
    "this place",
    "the weather",
    "the match",
)

PREDICATES: dict[str, tuple[str, ...]] = {
    "positive": (
        "{t} was amazing",
        "loving {t}",
        "{t} made me so happy",
        "{t} is the best",
        "really enjoyed {t}",
        "{t} was not bad at all",
        "so grateful for {t}",
        "{t} went great",
    ),
    "negative": (
        "{t} was awful",
        "hating {t}",
        "{t} made me so sad",
        "{t} is the worst",
        "really disliked {t}",
        "{t} was not good at all",
        "so tired of {t}",
        "{t} went badly",
    ),
    "neutral": (
        "{t} is happening",
        "thinking about {t}",
        "{t} starts at noon",
        "just checked {t}",
        "posting about {t}",
        "a photo of {t}",
        "{t}, nothing special to say",
        "{t} was as expected",
    ),
}

OPENERS = ("", "", "", "well, ", "honestly, ", "ok, ", "update: ", "so ")
CLOSERS = ("", "", ".", "!", " #photo", " #today", "...")


def make_post(rng: np.random.Generator, sentiment: str) -> str:
    """A post whose literal wording expresses ``sentiment``."""
    topic = TOPICS[int(rng.integers(len(TOPICS)))]
    predicates = PREDICATES[sentiment]
    core = predicates[int(rng.integers(len(predicates)))].format(t=topic)
    opener = OPENERS[int(rng.integers(len(OPENERS)))]
    closer = CLOSERS[int(rng.integers(len(CLOSERS)))]
    return f"{opener}{core}{closer}"


def sample_text_sentiment(rng: np.random.Generator) -> str:
    """Draw a text sentiment (independent of the image)."""
    probs = [TEXT_PROBS[s] for s in SENTIMENTS]
    return SENTIMENTS[int(rng.choice(len(SENTIMENTS), p=probs))]


def sentiment_label(image_sentiment: str, text_sentiment: str) -> str:
    """The example's label from its two per-modality sentiments.

    The face shows how the poster really feels, so a smiling or frowning face decides, even
    against the words (sarcasm: "the trip was amazing" under a frown is negative). Only an
    expressionless face (``neutral``) leaves the decision to the text.
    """
    return image_sentiment if image_sentiment != "neutral" else text_sentiment
