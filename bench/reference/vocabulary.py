"""The corpus the shared word-level vocabulary is built from.

Every text of the four shapes train splits (captions, questions, answers, posts, face
captions), the face descriptions the dual encoder is trained on, and the sentiment task's
zero-shot label prompts. The corpus depends only on the data seed, so every model trained
from the same seed gets the same token ids.
"""

from __future__ import annotations

from bench.reference.data import face_descriptions, train_split

LABELS = ("negative", "neutral", "positive")
#: The sentiment task's default zero-shot prompts (``tasks/sentiment.py``).
PROMPTS = ("a photo that feels {label}", "a {label} message")


def vocabulary_corpus(seed: int) -> list[str]:
    """All training texts of the default-size train splits for data seed ``seed``."""
    texts: list[str] = []
    for task in ("captioning", "retrieval"):
        dataset = train_split(task, seed=seed, size=None)
        texts.extend(c for captions in dataset["captions"] for c in captions)
    vqa = train_split("vqa", seed=seed, size=None)
    texts.extend(vqa["question"])
    texts.extend(a for answers in vqa["answers"] for a in answers)
    sentiment = train_split("sentiment", seed=seed, size=None)
    texts.extend(sentiment["text"])
    for scene, caption, mood in zip(
        sentiment["scene"], sentiment["image_caption"], sentiment["image_sentiment"], strict=True
    ):
        texts.extend(face_descriptions(scene, caption, mood))
    texts.extend(p.format(label=label) for p in PROMPTS for label in LABELS)
    return texts
