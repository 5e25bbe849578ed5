"""Reader for ``kind = "shapes"`` sources: the built-in synthetic suite.

Card options: ``task`` (one of :data:`bench.data.shapes.SHAPES_TASKS`), ``seed`` (default 0)
and optionally ``size``: one integer for every split, or a table ``{split = rows}``.
``--data-dir`` is ignored: the data is generated (and cached) locally.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.data.cards import SourceSpec
from bench.data.shapes import SHAPES_TASKS, load_split
from bench.errors import UsageError
from bench.types import Sample


def _option_int(spec: SourceSpec, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"field 'source.{spec.role}.{name}' must be a non-negative integer")
    return value


def _size(spec: SourceSpec, split: str) -> int | None:
    size = spec.options.get("size")
    if size is None:
        return None
    if isinstance(size, Mapping):
        value = size.get(split)
        return None if value is None else _option_int(spec, f"size.{split}", value)
    return _option_int(spec, "size", size)


def _task(spec: SourceSpec) -> str:
    task = spec.options.get("task")
    if task not in SHAPES_TASKS:
        expected = ", ".join(SHAPES_TASKS)
        raise UsageError(f"field 'source.{spec.role}.task' must be one of {expected}, got {task!r}")
    return str(task)


def _rows(task: str, split: str, seed: int, size: int | None) -> dict[str, list[Any]]:
    """The split's columns as Python lists, with images as PNG bytes (never decoded)."""
    table = load_split(task, split, seed=seed, size=size).with_format("arrow")[:]
    columns = {
        name: table.column(name).to_pylist() for name in table.column_names if name != "image"
    }
    columns["image"] = table.column("image").combine_chunks().field("bytes").to_pylist()
    return columns


def read_shapes(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """The samples of one split of a shapes task (generated and cached on first use)."""
    del data_dir  # generated data: nothing to read from a download folder
    task = _task(spec)
    seed = _option_int(spec, "seed", spec.options.get("seed", 0))
    cols = _rows(task, split, seed, _size(spec, split))
    n = len(cols["id"])
    if task in ("captioning", "retrieval"):
        return [
            Sample(
                id=cols["id"][i],
                image=cols["image"][i],
                references=tuple(cols["captions"][i]),
                meta={"image_id": cols["id"][i]},
            )
            for i in range(n)
        ]
    if task == "vqa":
        keys = ("image_id", "answer_type", "question_type", "multiple_choice_answer")
        return [
            Sample(
                id=cols["id"][i],
                image=cols["image"][i],
                text=cols["question"][i],
                references=tuple(cols["answers"][i]),
                meta={key: cols[key][i] for key in keys},
            )
            for i in range(n)
        ]
    return [
        Sample(
            id=cols["id"][i],
            image=cols["image"][i],
            text=cols["text"][i],
            label=cols["label"][i],
            meta={key: cols[key][i] for key in ("image_sentiment", "text_sentiment")},
        )
        for i in range(n)
    ]
