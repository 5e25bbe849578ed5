"""Captioning: a Generator describes each image; scored with BLEU, METEOR, ROUGE-L, CIDEr-D."""

from __future__ import annotations

from typing import Any

from bench.capabilities import Generator
from bench.metrics.captioning import caption_metrics
from bench.tasking import (
    Batch,
    Executor,
    Output,
    TaskData,
    TaskResult,
    WorkItem,
    sample_rows,
)
from modalbench_tasks.common import CardTask, collect_errors, unscored_rows, usable

HEADLINE = ("CIDEr", "BLEU-4")

#: The unit of resampling: one row per image already (its caption against its references).
RESAMPLING_UNIT = "image"


class CaptioningTask(CardTask):
    """Caption every image of the card's split with one fixed prompt."""

    family = "captioning"

    def accepts(self) -> tuple[type, ...]:
        """Captioning needs a Generator."""
        return (Generator,)

    def settings(self) -> dict[str, Any]:
        """Prompt and generation length (part of the prediction cache key)."""
        return {
            "prompt": str(self.card.task_options.get("prompt", "")),
            "max_new_tokens": int(self.card.task_options.get("max_new_tokens", 32)),
        }

    def evaluate(
        self, model: object, data: TaskData, executor: Executor, *, seed: int
    ) -> TaskResult:
        """Generate one caption per image and score against the references."""
        assert isinstance(model, Generator)
        settings = self.settings()
        prompt, max_new_tokens = settings["prompt"], settings["max_new_tokens"]

        def call(batch: Batch) -> list[Output]:
            prompts = [prompt] * len(batch.ids)
            return list(model.generate(batch.images, prompts, max_new_tokens=max_new_tokens))

        items = [WorkItem(s.id, s.image) for s in data.samples if usable(s)]
        stage = executor.map("caption", items, call, settings=settings, output_kind="text")
        captions = {k: str(v) for k, v in stage.outputs.items()}
        # An image without references (it failed at loading) cannot be scored: reported as
        # failed, outside the denominator.
        references = {s.id: list(s.references) for s in data.samples if s.references}
        scored = {k: v for k, v in captions.items() if k in references}
        suite = caption_metrics(references, scored)
        suite = suite.with_clusters("image", suite.ids["image"], by=RESAMPLING_UNIT)
        errors, records = collect_errors(data, {"caption": stage.errors})
        return TaskResult(
            suite=suite,
            rows=sample_rows(suite, {"image": dict(captions)}, errors)
            + unscored_rows(data, set(references), errors),
            errors=records,
            headline=HEADLINE,
            settings=settings,
        )
