"""Visual question answering, scored exactly as the official VQA evaluation does.

A Generator answers from a prompt built from the question; a Classifier (e.g. ViLT's answer
head) answers with its top label. Answer-type and question-type breakdowns come with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bench.capabilities import Classifier, Generator
from bench.metrics.vqa import vqa_metrics
from bench.tasking import (
    Batch,
    Executor,
    Output,
    TaskData,
    TaskResult,
    WorkItem,
    sample_rows,
)
from bench.types import Sample
from modalbench_tasks.common import CardTask, collect_errors, option, unscored_rows, usable

HEADLINE = ("accuracy",)

#: The unit of resampling: questions about one image are correlated, so CIs and the paired
#: test of ``compare`` resample images, each with all of its questions.
RESAMPLING_UNIT = "image"


def image_key(sample: Sample) -> str:
    """The image a question is about: its ``image_id``, else its image file, else itself."""
    image_id = sample.meta.get("image_id")
    if image_id:
        return f"image:{image_id}"
    if isinstance(sample.image, (str, Path)):
        return f"file:{sample.image}"
    return f"question:{sample.id}"


class VQATask(CardTask):
    """Answer each question about its image."""

    family = "vqa"

    def accepts(self) -> tuple[type, ...]:
        """A Generator (free-form answers) or a Classifier over an answer vocabulary."""
        return (Generator, Classifier)

    def settings(self) -> dict[str, Any]:
        """Prompt template and answer length (part of the prediction cache key)."""
        return {
            "prompt_template": option(self.card, "prompt_template", "{question}", str),
            "max_new_tokens": option(self.card, "max_new_tokens", 8, int),
        }

    def _call(self, model: object, settings: dict[str, Any]) -> tuple[str, Any]:
        if isinstance(model, Generator):
            template: str = settings["prompt_template"]
            max_new_tokens: int = settings["max_new_tokens"]

            def generate(batch: Batch) -> list[Output]:
                prompts = [template.format(question=q) for q in batch.texts]
                return list(model.generate(batch.images, prompts, max_new_tokens=max_new_tokens))

            return "answer", generate
        assert isinstance(model, Classifier)
        labels = list(model.labels())

        def classify(batch: Batch) -> list[Output]:
            scores = np.asarray(model.classify(batch.images, batch.texts))
            return [labels[int(i)] for i in scores.argmax(axis=1)]

        return "answer-head", classify

    def evaluate(
        self, model: object, data: TaskData, executor: Executor, *, seed: int
    ) -> TaskResult:
        """Answer every question and apply the official accuracy."""
        settings = self.settings()
        stage_name, call = self._call(model, settings)
        items = [WorkItem(s.id, s.image, s.text) for s in data.samples if usable(s)]
        stage = executor.map(stage_name, items, call, settings=settings, output_kind="text")
        answers = {k: str(v) for k, v in stage.outputs.items()}
        # A question without ground truth (it failed at loading, its error says why) cannot
        # be scored: it is reported as failed and left out of the denominator.
        scored = [s for s in data.samples if s.references]
        scored_ids = {s.id for s in scored}
        suite = vqa_metrics(
            {s.id: list(s.references) for s in scored},
            {k: v for k, v in answers.items() if k in scored_ids},
            answer_types={s.id: s.meta.get("answer_type", "") for s in scored},
            question_types={s.id: s.meta.get("question_type", "") for s in scored},
        )
        images = {s.id: image_key(s) for s in data.samples}
        suite = suite.with_clusters(
            "question", [images[q] for q in suite.ids["question"]], by=RESAMPLING_UNIT
        )
        errors, records = collect_errors(data, {stage_name: stage.errors})
        return TaskResult(
            suite=suite,
            rows=sample_rows(suite, {"question": dict(answers)}, errors)
            + unscored_rows(data, scored_ids, errors),
            errors=records,
            headline=HEADLINE,
            settings={**settings, "mode": stage_name},
        )
