"""Image-text retrieval: recall@k both ways with several captions per image.

Images and captions are embedded separately (each once, cached); scoring is chunked so the
full text x image similarity matrix is never held in memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.capabilities import ImageTextEmbedder
from bench.metrics.retrieval import retrieval_metrics_from_embeddings
from bench.tasking import (
    Batch,
    Executor,
    Output,
    TaskData,
    TaskResult,
    WorkItem,
    sample_rows,
)
from modalbench_tasks.common import CardTask, collect_errors, usable

HEADLINE = ("t2i_R@1", "i2t_R@1")

#: The unit of resampling: the captions of one image are correlated, so text-to-image rows
#: are resampled by their image (with all of its captions), image-to-text rows by image.
RESAMPLING_UNIT = "image"


def text_id(image_id: str, index: int) -> str:
    """The id of an image's ``index``-th caption."""
    return f"{image_id}#{index}"


def _stack(outputs: dict[str, Output], ids: list[str], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows in ``ids`` order (zeros for missing ids) and the mask of missing rows."""
    matrix = np.zeros((len(ids), dim), dtype=np.float32)
    failed = np.ones(len(ids), dtype=bool)
    for i, item in enumerate(ids):
        vector = outputs.get(item)
        if vector is not None:
            matrix[i] = np.asarray(vector, dtype=np.float32)
            failed[i] = False
    return matrix, failed


def _normalise(matrix: np.ndarray) -> np.ndarray:
    """L2-normalise rows (cosine similarity); all-zero rows stay zero."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return unit


def _dimension(*stages: dict[str, Output]) -> int:
    for outputs in stages:
        for vector in outputs.values():
            return int(np.asarray(vector).shape[-1])
    return 1


class RetrievalTask(CardTask):
    """Rank every image for every caption (t2i) and every caption for every image (i2t)."""

    family = "retrieval"

    def accepts(self) -> tuple[type, ...]:
        """Retrieval needs an ImageTextEmbedder."""
        return (ImageTextEmbedder,)

    def evaluate(
        self, model: object, data: TaskData, executor: Executor, *, seed: int
    ) -> TaskResult:
        """Embed images and captions, then score recall@k in chunks."""
        assert isinstance(model, ImageTextEmbedder)

        def embed_images(batch: Batch) -> list[Output]:
            return list(np.asarray(model.embed_images(batch.images), dtype=np.float32))

        def embed_texts(batch: Batch) -> list[Output]:
            return list(np.asarray(model.embed_texts(batch.texts), dtype=np.float32))

        image_ids = [s.id for s in data.samples]
        text_ids: list[str] = []
        text_to_image: list[int] = []
        text_items: list[WorkItem] = []
        for index, sample in enumerate(data.samples):
            for k, caption in enumerate(sample.references):
                tid = text_id(sample.id, k)
                text_ids.append(tid)
                text_to_image.append(index)
                if usable(sample):
                    text_items.append(WorkItem(tid, None, caption))
        image_items = [WorkItem(s.id, s.image) for s in data.samples if usable(s)]
        images = executor.map("image-embedding", image_items, embed_images, output_kind="vector")
        texts = executor.map("text-embedding", text_items, embed_texts, output_kind="vector")
        dim = _dimension(images.outputs, texts.outputs)
        image_emb, failed_images = _stack(images.outputs, image_ids, dim)
        text_emb, failed_texts = _stack(texts.outputs, text_ids, dim)
        suite = (
            retrieval_metrics_from_embeddings(
                _normalise(text_emb),
                _normalise(image_emb),
                text_to_image,
                failed_texts=np.flatnonzero(failed_texts).tolist(),
                failed_images=np.flatnonzero(failed_images).tolist(),
            )
            .with_ids("text", text_ids)
            .with_ids("image", image_ids)
            .with_clusters("text", [image_ids[i] for i in text_to_image], by=RESAMPLING_UNIT)
            .with_clusters("image", image_ids, by=RESAMPLING_UNIT)
        )
        errors, records = collect_errors(
            data, {"image-embedding": images.errors, "text-embedding": texts.errors}
        )
        settings: dict[str, Any] = {"similarity": "cosine", "captions": len(text_ids)}
        return TaskResult(
            suite=suite,
            rows=sample_rows(suite, {}, errors),
            errors=records,
            headline=HEADLINE,
            settings=settings,
        )
