"""A third-party plugin used by the tests: one task family and one model scheme.

It registers the way any external package would, through the ``modalbench.tasks`` and
``modalbench.models`` entry-point groups (see ``make_distribution`` in the tests).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bench.adapters.base import LoadOptions, ModelInfo, ModelSpec
from bench.capabilities import Generator
from bench.data.cards import DatasetCard, SourceSpec
from bench.data.fingerprint import fingerprint_samples
from bench.errors import UsageError
from bench.metrics.base import MEAN, MetricStats, MetricSuite, mean_stats
from bench.tasking import DataOptions, TaskData, TaskInfo, WorkItem, sample_rows
from bench.types import Sample

COLOURS = {"red": (220, 20, 20), "green": (20, 200, 20), "blue": (20, 20, 220)}


def _png(rgb: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def colour_samples(n: int) -> list[Sample]:
    """``n`` solid-colour images cycling red, green, blue."""
    names = list(COLOURS)
    return [
        Sample(
            id=f"toy-{i}",
            image=_png(COLOURS[names[i % 3]]),
            text="what colour?",
            references=(names[i % 3],),
        )
        for i in range(n)
    ]


@dataclass
class ColourTask:
    """Name the colour of a solid image; exact-match accuracy."""

    name: str = "toy-colour"
    family: str = "toy"
    size: int = 30
    card: DatasetCard = field(init=False)

    def __post_init__(self) -> None:
        self.card = DatasetCard(
            name=self.name,
            family="toy",
            description="solid colours",
            license="CC0-1.0",
            citation="",
            homepage="",
            split="test",
            train_split=None,
            expected_counts={"test": self.size},
            sources={"builtin": SourceSpec("builtin", "toy")},
            task_options={},
            reported=(),
            path=Path(__file__),
        )

    def accepts(self) -> tuple[type, ...]:
        return (Generator,)

    def load(self, options: DataOptions) -> TaskData:
        samples = colour_samples(self.size)[: options.limit]
        return TaskData(tuple(samples), fingerprint_samples(samples), "toy", "test")

    def evaluate(self, model: object, data: TaskData, executor: Any, *, seed: int) -> Any:
        from bench.tasking import TaskResult
        from bench.types import ErrorRecord

        assert isinstance(model, Generator)
        items = [WorkItem(s.id, s.image, s.text) for s in data.samples]
        stage = executor.map(
            "answer",
            items,
            lambda b: model.generate(b.images, b.texts, max_new_tokens=2),
            settings={"max_new_tokens": 2},
        )
        ids = [s.id for s in data.samples]
        correct = [float(stage.outputs.get(s.id) == s.references[0]) for s in data.samples]
        suite = MetricSuite(
            ids={"image": tuple(ids)},
            metrics=(MetricStats("accuracy", True, mean_stats(correct), MEAN, "image"),),
            details={},
        )
        return TaskResult(
            suite=suite,
            rows=sample_rows(suite, {"image": dict(stage.outputs)}, stage.errors),
            errors=tuple(ErrorRecord(k, "answer", v) for k, v in stage.errors.items()),
            headline=("accuracy",),
            settings={},
        )


class ToyTasks:
    """The plugin's task provider."""

    def list_tasks(self) -> list[TaskInfo]:
        return [TaskInfo("toy-colour", "toy", 30, "name the colour", "toy")]

    def build(self, name: str) -> ColourTask:
        return ColourTask()


class MeanColourModel:
    """Answers with the colour channel that dominates the image mean (a real, tiny model)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0

    def fingerprint(self) -> str:
        return hashlib.sha256(b"mean-colour-v1").hexdigest()

    def settings(self) -> dict[str, Any]:
        return {"rule": "argmax of mean RGB"}

    def generate(
        self, images: Sequence[Image.Image], prompts: Sequence[str], *, max_new_tokens: int
    ) -> list[str]:
        import time

        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        names = list(COLOURS)
        return [
            names[int(np.asarray(im, dtype=np.float64).mean(axis=(0, 1)).argmax())] for im in images
        ]


@dataclass
class _Handle:
    spec: ModelSpec

    @property
    def adapter_class(self) -> type:
        return MeanColourModel

    def load(self, options: LoadOptions) -> MeanColourModel:
        return MeanColourModel(delay=float(self.spec.args.get("delay", "0")))


class ToyModels:
    """The plugin's model provider (scheme ``toy``)."""

    def known_models(self) -> list[ModelInfo]:
        return [ModelInfo("toy:mean-colour", "argmax of the mean colour", ("Generator",))]

    def resolve(self, spec: ModelSpec) -> _Handle:
        if spec.target != "mean-colour":
            raise UsageError(f"unknown toy model '{spec.text}'")
        return _Handle(spec)


TASKS = ToyTasks()
MODELS = ToyModels()
