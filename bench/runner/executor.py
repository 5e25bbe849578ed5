"""The runner's :class:`~bench.tasking.Executor`: batching, caching, timing, OOM back-off."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from bench.capabilities import ImagePreprocessing
from bench.errors import EvaluationAbortError, RunAbortError, SampleError, UsageError
from bench.runner.cache import PredictionCache, stable_key
from bench.runner.decode import decode_on_device
from bench.runner.device import inference_context
from bench.runner.gpu_images import DeviceImagePipeline
from bench.runner.loader import LoadedBatch, iterate_batches
from bench.runner.throughput import ThroughputMeter
from bench.tasking import Batch, Output, StageResult, WorkItem

log = logging.getLogger("modalbench")


def to_device(images: Any, device: str) -> Any:
    """Move tensors (or dicts of tensors, e.g. a BatchFeature) to ``device``."""
    if isinstance(images, torch.Tensor):
        return images.to(device, non_blocking=True)
    if isinstance(images, Mapping):
        return {k: to_device(v, device) for k, v in images.items()}
    return images


def validate_output(value: Any, kind: str) -> Output:
    """Check one model output; raise SampleError for empty text or a non-finite vector."""
    if isinstance(value, SampleError):
        raise value
    if kind == "text":
        if not isinstance(value, str):
            raise SampleError(f"model returned {type(value).__name__}, expected text")
        if not value.strip():
            raise SampleError("empty generation")
        return value
    vector = np.asarray(value, dtype=np.float32).reshape(-1)
    if vector.size == 0:
        raise SampleError("empty vector")
    if not np.all(np.isfinite(vector)):
        raise SampleError("non-finite values (NaN or inf) in model output")
    return vector


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower()


#: Messages of CUDA errors after which the process's CUDA context is unusable: every later
#: kernel launch fails with the same error, so nothing else can run in this process.
_DEAD_CONTEXT_SIGNS = (
    "device-side assert",
    "illegal memory access",
    "unspecified launch failure",
    "misaligned address",
    "an illegal instruction",
    "cuda error: launch failure",
)


def is_dead_cuda_context(exc: BaseException) -> bool:
    """Whether ``exc`` is a CUDA error that leaves the context unusable (sticky errors)."""
    text = str(exc).lower()
    return any(sign in text for sign in _DEAD_CONTEXT_SIGNS)


def describe(exc: BaseException) -> str:
    """``Type: message`` on one line."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class OutputCountError(RuntimeError):
    """A model call returned a different number of outputs than it got inputs."""


#: Items failing one after another with no success between them, beyond which the model is
#: taken as broken (an evaluation of per-item failures would print a number of nothing).
CONSECUTIVE_FAILURES_LIMIT = 32


#: Texts per batch of a text-only stage, per image of ``--batch-size``: a text costs far
#: less than an image, and a retrieval image has about five captions (CLIP_benchmark, too,
#: embeds the captions of a whole image batch at once).
TEXT_BATCH_FACTOR = 5


@dataclass
class ExecutorConfig:
    """Batching settings shared by every stage of one (model, task) evaluation.

    ``batch_size`` counts items with an image; stages whose items are text only batch
    ``batch_size * text_batch_factor`` texts.
    """

    batch_size: int
    device: str
    dtype: str
    num_workers: int
    progress: bool = True
    text_batch_factor: int = TEXT_BATCH_FACTOR
    #: images decoded by PIL in workers (None) or by this device pipeline (--decode gpu)
    device_decode: DeviceImagePipeline | None = None


class LoaderExecutor:
    """Runs a task's model calls over DataLoader batches, with a per-item prediction cache."""

    def __init__(
        self,
        model: object,
        config: ExecutorConfig,
        meter: ThroughputMeter,
        *,
        cache: PredictionCache | None,
        namespace: str,
        shard: tuple[int, int] = (0, 1),
        gather: Callable[[StageResult], StageResult] | None = None,
    ) -> None:
        self.model = model
        self.config = config
        self.meter = meter
        self.cache = cache
        self.namespace = namespace
        self.shard = shard
        self.gather = gather
        self.batch_size = config.batch_size
        self.preprocess = (
            model.image_preprocessor() if isinstance(model, ImagePreprocessing) else None
        )
        self.oom_events: list[dict[str, Any]] = []
        self._logged_exception = False
        # Whether this model already produced outputs in this evaluation (a call returned,
        # or cached outputs of an earlier run came back): until then a failed call is the
        # first batch's, and the evaluation stops.
        self._proven = False
        self._failures_in_a_row = 0  # items whose call failed since the last success
        self._factor = 1  # batch-size multiplier of the current stage

    def stage_batch_size(self, items: Sequence[WorkItem]) -> int:
        """The configured batch size for a stage over ``items`` (text-only: larger)."""
        text_only = all(item.image is None for item in items)
        return self.config.batch_size * (self.config.text_batch_factor if text_only else 1)

    def _loaded(
        self, items: Sequence[WorkItem], stage: str, batch_size: int
    ) -> Iterator[LoadedBatch]:
        bar = tqdm(
            total=len(items),
            desc=stage,
            unit="it",
            disable=not self.config.progress or not items,
            leave=False,
            dynamic_ncols=True,
        )
        with bar:
            pipeline = self.config.device_decode
            batches = iterate_batches(
                items,
                batch_size=batch_size,
                preprocess=None if pipeline is not None else self.preprocess,
                num_workers=self.config.num_workers,
                pin_memory=self.config.device.startswith("cuda"),
                encoded=pipeline is not None,
            )
            for loaded in self.meter.timed(batches):
                if pipeline is not None and loaded.batch.images is not None:
                    with self.meter.phase("input_wait"):
                        loaded = decode_on_device(loaded, pipeline)
                yield loaded
                bar.update(len(loaded.batch.ids) + len(loaded.failures))

    def batches(self, stage: str, items: Sequence[WorkItem]) -> Iterator[Batch]:
        """Decoded batches for fitting a head; undecodable items are skipped."""
        for loaded in self._loaded(items, stage, self.stage_batch_size(items)):
            if loaded.batch.ids:
                yield replace(
                    loaded.batch, images=to_device(loaded.batch.images, self.config.device)
                )

    def map(
        self,
        stage: str,
        items: Sequence[WorkItem],
        call: Callable[[Batch], Sequence[Output | SampleError]],
        *,
        settings: Mapping[str, Any] | None = None,
        output_kind: str = "text",
        prepare: Callable[[], None] | None = None,
    ) -> StageResult:
        """See :meth:`bench.tasking.Executor.map`."""
        stage_key = stable_key(stage, dict(settings or {}), output_kind)
        batch_size = self.stage_batch_size(items)
        self._factor = batch_size // self.config.batch_size
        mine = shard_of(items, *self.shard, batch_size)
        result = StageResult()
        if self.cache is not None and mine:
            result.outputs.update(
                self.cache.get_many(self.namespace, stage_key, [i.id for i in mine])
            )
            self.meter.add_cached(stage, len(result.outputs))
            self._proven = self._proven or bool(result.outputs)
        todo = [item for item in mine if item.id not in result.outputs]
        if todo and prepare is not None:
            prepare()
        for loaded in self._loaded(todo, stage, batch_size):
            result.errors.update(loaded.failures)
            if not loaded.batch.ids:
                continue
            outputs, errors = self._run_batch(stage, loaded.batch, call, output_kind)
            result.errors.update(errors)
            result.outputs.update(outputs)
            if self.cache is not None and outputs:
                with self.meter.phase("write"):
                    self.cache.put_many(self.namespace, stage_key, outputs)
        if self.gather is not None:
            result = self.gather(result)
        return result

    def _timed_call(
        self, stage: str, batch: Batch, call: Callable[[Batch], Sequence[Output | SampleError]]
    ) -> Sequence[Output | SampleError]:
        device_batch = replace(batch, images=to_device(batch.images, self.config.device))
        started = self.meter.start()
        with inference_context(self.config.device, self.config.dtype):
            outputs = call(device_batch)
        self.meter.stop(started, len(batch.ids), stage)
        if len(outputs) != len(batch.ids):
            raise OutputCountError(
                f"model call returned {len(outputs)} outputs for a batch of {len(batch.ids)}"
            )
        self._proven = True
        self._failures_in_a_row = 0
        return outputs

    def _run_batch(
        self,
        stage: str,
        batch: Batch,
        call: Callable[[Batch], Sequence[Output | SampleError]],
        kind: str,
    ) -> tuple[dict[str, Output], dict[str, str]]:
        """Call the model on ``batch`` in chunks of the current (maybe backed-off) size."""
        outputs: dict[str, Output] = {}
        errors: dict[str, str] = {}
        start = 0
        while start < len(batch.ids):
            chunk = _slice(batch, start, start + self.batch_size * self._factor)
            oom: str | None = None
            try:
                values = self._timed_call(stage, chunk, call)
            except Exception as exc:
                if _is_oom(exc) and self.batch_size > 1 and not is_dead_cuda_context(exc):
                    oom = describe(exc)
                else:
                    self._check_fatal(stage, exc)
                    values = self._isolate(stage, chunk, call, exc)
            if oom is not None:
                # Outside the except block: the traceback (and the tensors its frames hold)
                # is gone, so emptying the CUDA cache really frees the failed batch's memory.
                self._back_off(stage, oom)
                continue
            for item_id, value in zip(chunk.ids, values, strict=True):
                try:
                    outputs[item_id] = validate_output(value, kind)
                except SampleError as err:
                    errors[item_id] = err.reason
            start += len(chunk.ids)
        return outputs, errors

    def _back_off(self, stage: str, error: str) -> None:
        """Halve the batch size for the rest of the run after an out-of-memory error."""
        if self.config.device.startswith("cuda"):
            torch.cuda.empty_cache()
        new_size = max(1, self.batch_size // 2)
        self.oom_events.append(
            {"stage": stage, "from": self.batch_size, "to": new_size, "error": error[:300]}
        )
        log.warning("out of memory at batch size %d; continuing with %d", self.batch_size, new_size)
        self.batch_size = new_size
        self.meter.final_batch_size = new_size

    def _check_fatal(self, stage: str, exc: Exception) -> None:
        """Raise when a failed call is a fault of the model, not of the batch's samples.

        A dead CUDA context stops the run; a usage error, a broken output contract or any
        failure before the evaluation's first successful call stops the evaluation.
        """
        if is_dead_cuda_context(exc):
            raise RunAbortError(stage, describe(exc)) from exc
        if isinstance(exc, (UsageError, OutputCountError)):
            raise EvaluationAbortError(stage, describe(exc)) from exc
        if not self._proven and not isinstance(exc, SampleError):
            raise EvaluationAbortError(
                stage, f"the first model call failed: {describe(exc)}"
            ) from exc

    def _isolate(
        self,
        stage: str,
        batch: Batch,
        call: Callable[[Batch], Sequence[Output | SampleError]],
        first: Exception,
    ) -> list[Output | SampleError]:
        """After a batch failed, retry items one by one so one bad item fails alone.

        When every item of the batch fails again (and the batch has more than one), the
        fault is the model's: the evaluation stops instead of scoring around it.
        """
        if not self._logged_exception:
            log.warning("a model call failed; retrying its items one by one", exc_info=first)
            self._logged_exception = True
        if len(batch.ids) == 1:
            self._note_failure(stage, first)
            return [SampleError(f"model call failed: {describe(first)}")]
        values: list[Output | SampleError] = []
        last: Exception = first
        failed = 0
        for i in range(len(batch.ids)):
            single = _slice(batch, i, i + 1)
            try:
                values.extend(self._timed_call(stage, single, call))
            except Exception as exc:
                self._check_fatal(stage, exc)
                self._note_failure(stage, exc)
                values.append(SampleError(f"model call failed: {describe(exc)}"))
                failed += 1
                last = exc
        if failed == len(batch.ids):
            raise EvaluationAbortError(
                stage,
                f"every item of a batch of {failed} failed alone too: {describe(last)}",
            ) from last
        return values

    def _note_failure(self, stage: str, exc: Exception) -> None:
        """Abort after :data:`CONSECUTIVE_FAILURES_LIMIT` failed items with no success."""
        self._failures_in_a_row += 1
        if self._failures_in_a_row >= CONSECUTIVE_FAILURES_LIMIT:
            raise EvaluationAbortError(
                stage, f"{self._failures_in_a_row} items in a row failed: {describe(exc)}"
            ) from exc


def shard_of(items: Sequence[WorkItem], rank: int, world: int, batch_size: int) -> list[WorkItem]:
    """Rank ``rank``'s contiguous block of whole batches of ``items``.

    Contiguous, because neighbouring items often share an image (decoded once per batch);
    whole batches, so every rank forms exactly the batches one process would: the same
    inputs meet the same kernels and the outputs match a single-process run bit for bit.
    """
    batches = -(-len(items) // batch_size)
    first = batches * rank // world
    last = batches * (rank + 1) // world
    return list(items[first * batch_size : last * batch_size])


def _slice(batch: Batch, start: int, stop: int) -> Batch:
    """Rows ``start:stop`` of a batch (images as tensors, dicts of tensors or lists)."""
    if start == 0 and stop >= len(batch.ids):
        return batch
    return Batch(
        ids=batch.ids[start:stop],
        images=_slice_images(batch.images, start, stop),
        texts=batch.texts[start:stop],
        labels=batch.labels[start:stop],
    )


def _slice_images(images: Any, start: int, stop: int) -> Any:
    if images is None:
        return None
    if isinstance(images, Mapping):
        return {k: _slice_images(v, start, stop) for k, v in images.items()}
    if isinstance(images, (torch.Tensor, np.ndarray, list, tuple)):
        return images[start:stop]
    raise TypeError(f"cannot split an image batch of type {type(images).__name__}")


def failure_fraction(n_failed: int, n_samples: int) -> float:
    """Failed share of samples (0 for an empty run)."""
    return n_failed / n_samples if n_samples else 0.0
