"""Multimodal sentiment: classify an (image, text) pair into the card's labels.

How a model is asked depends on what it can do, in this order of preference:
a FittableClassifier is fitted on the train split first (probes, fusion heads); a
Classifier's scores are read for the card's labels; a Generator is prompted and its answer
parsed; an ImageTextEmbedder is used zero-shot with label prompts for both modalities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bench.capabilities import (
    Classifier,
    FittableClassifier,
    Generator,
    ImageTextEmbedder,
    LabeledBatch,
)
from bench.data.fingerprint import fingerprint_samples
from bench.errors import SampleError, UsageError
from bench.metrics.sentiment import classification_metrics
from bench.tasking import (
    Batch,
    Executor,
    Output,
    Sample,
    TaskData,
    TaskResult,
    WorkItem,
    sample_rows,
)
from modalbench_tasks.common import CardTask, collect_errors, option, unscored_rows, usable

HEADLINE = ("accuracy", "macro_f1")
#: The per-sample row unit of records that have no usable gold label.
UNSCORED = "unlabelled-example"
#: The unit of resampling: the example (one post or meme with its image).
RESAMPLING_UNIT = "example"
DEFAULT_PROMPT = (
    "Post: {text}\nIs the sentiment of this image and post negative, neutral or positive? "
    "Answer with one word."
)


def parse_label(text: str, labels: Sequence[str]) -> str:
    """The first card label named in a generated answer (whole word, case-insensitive)."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for label in labels:
        match = re.search(rf"\b{re.escape(label.lower())}\b", lowered)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), label)
    if best is None:
        raise SampleError(f"answer names no label: {text!r}")
    return best[1]


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


class SentimentTask(CardTask):
    """Label each (image, text) pair with one of the card's sentiment labels."""

    family = "sentiment"

    @property
    def labels(self) -> list[str]:
        """The label set, from the card's ``task.labels``."""
        labels = option(self.card, "labels", ["negative", "neutral", "positive"], list)
        return [str(x) for x in labels]

    def accepts(self) -> tuple[type, ...]:
        """Any classifier, a generator (prompted) or a dual encoder (zero-shot)."""
        return (FittableClassifier, Classifier, Generator, ImageTextEmbedder)

    def _check_labels(self, data: TaskData) -> None:
        unknown = {str(s.label) for s in data.samples if usable(s)} - set(self.labels)
        if unknown:
            raise UsageError(
                f"{self.card.path}: samples carry labels {sorted(unknown)} missing from "
                f"'task.labels' {self.labels}"
            )

    def _train_samples(self, data: TaskData) -> list[Sample]:
        if data.train is None:
            raise UsageError(
                f"{self.card.name}: model needs fitting but the card has no train_split"
            )
        return [s for s in data.train() if usable(s)]

    @staticmethod
    def _fit(
        model: FittableClassifier, train: Sequence[Sample], executor: Executor, seed: int
    ) -> None:
        items = [WorkItem(s.id, s.image, s.text, str(s.label)) for s in train]
        batches = (
            LabeledBatch(b.images, b.texts, b.labels) for b in executor.batches("fit", items)
        )
        model.fit(batches, seed=seed)

    def evaluate(
        self, model: object, data: TaskData, executor: Executor, *, seed: int
    ) -> TaskResult:
        """Classify every example (fitting first when the model needs it) and score.

        A fittable model is fitted only when some example's scores are not cached: the
        cache key already holds the train split's fingerprint, the head's settings and the
        seed, so a rerun of a finished evaluation skips the fit entirely.
        """
        self._check_labels(data)
        labels = self.labels
        settings: dict[str, Any] = {"labels": labels}
        items = [WorkItem(s.id, s.image, s.text) for s in data.samples if usable(s)]
        prepare: Callable[[], None] | None = None
        if isinstance(model, FittableClassifier):
            train = self._train_samples(data)
            settings["train_fingerprint"] = fingerprint_samples(train)
            settings["fit"] = model.fit_settings()
            settings["seed"] = seed
        if isinstance(model, Classifier):
            stage_name = "classify"
            columns: list[int] = []
            call = self._classifier_call(model, columns)
            if isinstance(model, FittableClassifier):
                fittable = model

                def prepare() -> None:
                    # The labels of a fitted head are known only once it is fitted.
                    self._fit(fittable, train, executor, seed)
                    columns[:] = self._label_columns(fittable)

            else:
                columns[:] = self._label_columns(model)
        elif isinstance(model, Generator):
            stage_name = "generate"
            settings["prompt_template"] = option(self.card, "prompt_template", DEFAULT_PROMPT, str)
            settings["max_new_tokens"] = option(self.card, "max_new_tokens", 8, int)
            call = self._generator_call(model, settings)
        else:
            assert isinstance(model, ImageTextEmbedder)
            stage_name = "zero-shot"
            settings["label_prompts"] = self._label_prompts()
            call = self._zero_shot_call(model, settings["label_prompts"])
        settings["mode"] = stage_name
        stage = executor.map(
            stage_name, items, call, settings=settings, output_kind="vector", prepare=prepare
        )
        probabilities = {k: np.asarray(v, dtype=np.float64) for k, v in stage.outputs.items()}
        predicted = {k: labels[int(p.argmax())] for k, p in probabilities.items()}
        # A record whose gold label is missing or unknown failed at loading (its error says
        # why); with no gold it cannot be scored, so it is counted as failed, not as wrong.
        gold = [s for s in data.samples if s.label is not None and str(s.label) in labels]
        ids = [s.id for s in gold]
        positive_scores = None
        if len(labels) == 2:
            positive_scores = [
                float(probabilities[i][1]) if i in probabilities else None for i in ids
            ]
        suite = classification_metrics(
            [str(s.label) for s in gold],
            [predicted.get(i) for i in ids],
            labels,
            positive_scores=positive_scores,
        ).with_ids("example", ids)
        # Each example is its own unit of resampling; declaring it stores the cluster in
        # every row, so compare knows the rows are independent by design, not by age.
        suite = suite.with_clusters("example", ids, by=RESAMPLING_UNIT)
        errors, records = collect_errors(data, {stage_name: stage.errors})
        # Their rows get a unit of their own: no metric has statistics for them.
        return TaskResult(
            suite=suite,
            rows=sample_rows(suite, {"example": predicted}, errors)
            + unscored_rows(data, set(ids), errors, unit=UNSCORED),
            errors=records,
            headline=HEADLINE,
            settings=settings,
        )

    def _label_columns(self, model: Classifier) -> list[int]:
        model_labels = [str(x).lower() for x in model.labels()]
        missing = [x for x in self.labels if x.lower() not in model_labels]
        if missing:
            raise UsageError(
                f"model labels {list(model.labels())} do not cover the task's labels {missing}"
            )
        return [model_labels.index(x.lower()) for x in self.labels]

    def _classifier_call(self, model: Classifier, columns: list[int]) -> Any:
        """The classify call, reading the model's scores at ``columns`` (the task's label
        order), a list filled in before the first batch runs."""

        def call(batch: Batch) -> list[Output]:
            scores = np.asarray(model.classify(batch.images, batch.texts), dtype=np.float64)
            return list(_softmax(scores[:, columns]).astype(np.float32))

        return call

    def _generator_call(self, model: Generator, settings: dict[str, Any]) -> Any:
        labels = self.labels
        template: str = settings["prompt_template"]
        max_new_tokens: int = settings["max_new_tokens"]

        def call(batch: Batch) -> list[Output | SampleError]:
            prompts = [template.format(text=t) for t in batch.texts]
            answers = model.generate(batch.images, prompts, max_new_tokens=max_new_tokens)
            out: list[Output | SampleError] = []
            for answer in answers:
                try:
                    label = parse_label(answer, labels)
                except SampleError as exc:
                    out.append(exc)
                    continue
                out.append(np.eye(len(labels), dtype=np.float32)[labels.index(label)])
            return out

        return call

    def _label_prompts(self) -> dict[str, list[str]]:
        image_template = option(self.card, "image_prompt", "a photo that feels {label}", str)
        text_template = option(self.card, "text_prompt", "a {label} message", str)
        return {
            "image": [image_template.format(label=x) for x in self.labels],
            "text": [text_template.format(label=x) for x in self.labels],
        }

    def _zero_shot_call(self, model: ImageTextEmbedder, prompts: dict[str, list[str]]) -> Any:
        def unit(matrix: np.ndarray) -> np.ndarray:
            matrix = np.asarray(matrix, dtype=np.float64)
            norms = np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            unit_rows: np.ndarray = matrix / norms
            return unit_rows

        cache: dict[str, np.ndarray] = {}

        def call(batch: Batch) -> list[Output]:
            if not cache:
                cache["image"] = unit(model.embed_texts(prompts["image"]))
                cache["text"] = unit(model.embed_texts(prompts["text"]))
            image = unit(model.embed_images(batch.images)) @ cache["image"].T
            text = unit(model.embed_texts(batch.texts)) @ cache["text"].T
            # CLIP's logit scale of 100 turns cosine sums into sharp probabilities.
            return list(_softmax(100.0 * (image + text)).astype(np.float32))

        return call
