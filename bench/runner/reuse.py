"""Finished evaluations, reused: a rerun where nothing changed copies the stored result.

The prediction cache spares a rerun its model calls, but such a rerun still loads the
weights, scores every prediction, bootstraps every CI and writes every per-sample row. So
before loading a model the runner looks up a *finished evaluation* under a key that covers
everything a record's metrics and rows depend on:

- model: the spec, its ``--model-arg`` settings and ``trust_remote_code``, and the
  handle's pre-load fingerprint (weights hash or hub commit, see
  :class:`~bench.adapters.base.PreloadFingerprint`);
- task: its name, the card file's bytes, the evaluated split's fingerprint, source and
  name, and for a fittable model the train split's fingerprint;
- run: seed, ``--limit``, bootstrap resamples, device kind and autocast dtype;
- code and machine: the source of modalbench, of the task's package and of the adapter's
  package, the version of every library a record lists, and which optional metrics
  (METEOR, SPICE) can run here.

On a hit the stored ``samples.jsonl`` is copied into the new run folder and the stored
record is written again with this run's id, times and options, a throughput section in
which every item came from the cache (as a prediction-cached rerun reports it) but the
model's measured speed is kept (with the hardware it was measured on), and
``details.reused_from`` naming the run that computed it. Evaluations with a failed
model call are never stored (a failure may be transient: they deserve the retry the
prediction cache gives them); failures found in the data itself are deterministic and do
not prevent storing. ``--no-cache`` neither reads nor writes finished evaluations, and
``torchrun`` runs do not use them.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench.adapters.base import PreloadFingerprint
from bench.capabilities import FittableClassifier, capabilities_of
from bench.errors import UsageError
from bench.metrics.captioning import unavailable_metrics
from bench.records.io import RECORD_FILE, SAMPLES_FILE, atomic_write_text, read_record
from bench.records.schema import RunRecord, Throughput
from bench.runner.cache import stable_key
from bench.runner.device import device_kind
from bench.runner.environment import library_versions
from bench.runner.keys import code_identity
from bench.runner.plan import Job, RunConfig
from bench.runner.throughput import END_TO_END_FIELDS, ThroughputMeter
from bench.tasking import TaskData
from bench.types import DATA_STAGE

log = logging.getLogger("modalbench")

#: Bumped when the layout of a stored evaluation or the meaning of its key changes.
STORE_VERSION = 1


class EvaluationKeys:
    """Computes the key of each job of a run (train and card digests computed once)."""

    def __init__(self, config: RunConfig, *, device: str, dtype: str) -> None:
        self.config = config
        self.device_kind = device_kind(device)
        self.dtype = dtype
        self._train: dict[str, str | None] = {}
        self._cards: dict[Path, str | None] = {}

    def _train_fingerprint(self, task: str, data: TaskData) -> str | None:
        if task not in self._train:
            from bench.data.fingerprint import fingerprint_samples

            self._train[task] = None if data.train is None else fingerprint_samples(data.train())
        return self._train[task]

    def _card_digest(self, path: Path) -> str | None:
        if path not in self._cards:
            try:
                self._cards[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                self._cards[path] = None  # a card built in code: no file to fingerprint
        return self._cards[path]

    def key(self, job: Job, data: TaskData) -> str | None:
        """The job's key; None when its model cannot be fingerprinted before loading."""
        handle = job.model
        if not isinstance(handle, PreloadFingerprint):
            return None
        try:
            weights = handle.fingerprint()
        except Exception as exc:  # loading reports a missing or broken model properly
            log.debug("no pre-load fingerprint for %s: %s", handle.spec.text, exc)
            return None
        code = code_identity(handle.adapter_class, type(job.task))
        card = self._card_digest(job.task.card.path)
        if weights is None or code is None or card is None:
            return None
        spec = handle.spec
        fits = FittableClassifier in capabilities_of(handle.adapter_class)
        return stable_key(
            STORE_VERSION,
            {"spec": spec.text, "args": dict(spec.args), "trust": spec.trust_remote_code},
            weights,
            {
                "task": job.task.name,
                "card": card,
                "data": [data.fingerprint, data.source, data.split],
                # Only a fittable model reads the train split (see TaskData).
                "train": self._train_fingerprint(job.task.name, data) if fits else None,
            },
            {
                "seed": self.config.seed,
                "limit": self.config.limit,
                "bootstrap": self.config.bootstrap,
                "device": self.device_kind,
                "dtype": self.dtype,
                **({} if self.config.decode == "auto" else {"decode": self.config.decode}),
            },
            code,
            unavailable_metrics(),
        )


def storable(record: RunRecord) -> bool:
    """Whether a finished evaluation may be reused: no model call of it failed."""
    return all(error.stage == DATA_STAGE for error in record.errors)


@dataclass(frozen=True)
class StoredEvaluation:
    """A finished evaluation read back and checked.

    Attributes:
        record: the record the computing run wrote.
        rows: its per-sample rows (JSONL text).
        stage_items: items per stage of ``details.throughput_by_stage``.
    """

    record: RunRecord
    rows: str
    stage_items: dict[str, int]


class FinishedEvaluations:
    """Stored (record, per-sample rows) of finished evaluations, one folder per key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> StoredEvaluation | None:
        """The stored evaluation, read whole and checked; None when absent or damaged."""
        folder = self._folder(key)
        if not (folder / RECORD_FILE).is_file():
            return None
        try:
            # Rows first: a concurrent put replaces the folder, and a record read before
            # the swap must not be paired with rows read after it.
            rows = (folder / SAMPLES_FILE).read_text(encoding="utf-8")
            if not rows.endswith("\n"):
                raise ValueError(f"{folder / SAMPLES_FILE}: empty or cut short")
            record = read_record(folder / RECORD_FILE)
            return StoredEvaluation(record, rows, stage_items(record))
        except (OSError, UnicodeDecodeError, UsageError, ValueError) as exc:
            log.warning("ignoring a damaged stored evaluation: %s", exc)
            return None

    def put(self, key: str, run_folder: Path) -> None:
        """Store the written run folder's record and rows under ``key`` (atomically).

        Never fails the run: the evaluation is written either way, only its reuse is lost.
        """
        final = self._folder(key)
        staging: Path | None = None
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=final.parent))
            for name in (SAMPLES_FILE, RECORD_FILE):
                shutil.copyfile(run_folder / name, staging / name)
            if final.exists():  # a damaged copy (a readable one would have been reused)
                shutil.rmtree(final, ignore_errors=True)
            staging.replace(final)
        except OSError as exc:
            # Another run stored the same evaluation at the same moment, the disk is full
            # or the cache is read-only.
            log.warning("finished evaluation %s not stored: %s", key[:12], exc)
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)


def stage_items(record: RunRecord) -> dict[str, int]:
    """Items per stage of a record's ``details.throughput_by_stage`` (ValueError if malformed)."""
    stages = record.details.get("throughput_by_stage")
    if not isinstance(stages, dict):
        raise ValueError(f"record {record.run_id}: no details.throughput_by_stage")
    items: dict[str, int] = {}
    for name, entry in stages.items():
        try:
            items[name] = int(entry["computed_items"]) + int(entry["cached_items"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"record {record.run_id}: stage {name!r} malformed ({exc})") from exc
    return items


#: Throughput fields describing the model's speed: a reused record keeps those measured by
#: the run that computed it (this run measured nothing). The end-to-end figures too: a
#: table shows what evaluating the model costs, not how fast a copy was made.
MEASURED_FIELDS = (
    "samples_per_s",
    "items_per_s",
    "batch_latency_p50_s",
    "batch_latency_p95_s",
    "batch_size",
    "final_batch_size",
    "peak_memory_bytes",
    "memory_kind",
    *END_TO_END_FIELDS,
)
#: The same, per stage of ``details.throughput_by_stage``.
MEASURED_STAGE_FIELDS = ("items_per_s", "batch_latency_p50_s", "batch_latency_p95_s")


def reused_record(
    stored: StoredEvaluation,
    *,
    run_id: str,
    started_at: str,
    finished_at: str,
    config: dict[str, Any],
    meter: ThroughputMeter,
) -> RunRecord:
    """The stored record as this run's.

    What this run did comes from ``meter``, this evaluation's fresh meter, with every item
    of every stored stage added as served from the cache: model time, batch counts,
    computed/cached items and wall time read exactly as a prediction-cached rerun's. The
    model's speed (rates, latencies, batch sizes, peak memory, OOM back-offs) stays the one
    measured when the evaluation was computed, and so does ``hardware``, the machine that
    speed belongs to; ``config`` holds this run's options.
    """
    record = stored.record
    for stage, items in stored.stage_items.items():
        meter.add_cached(stage, items)
    stages: dict[str, Any] = record.details["throughput_by_stage"]
    details = dict(record.details)
    details["throughput_by_stage"] = {
        name: {
            **rate.to_json(),
            **{key: stages[name].get(key) for key in MEASURED_STAGE_FIELDS},
        }
        for name, rate in meter.stage_rates().items()
    }
    details["reused_from"] = record.details.get("reused_from", record.run_id)
    measured = asdict(record.throughput)
    throughput = {
        **meter.summary(record.task.n_samples),
        **{key: measured[key] for key in MEASURED_FIELDS},
    }
    return replace(
        record,
        run_id=run_id,
        details=details,
        throughput=Throughput(**throughput),
        config=config,
        versions=library_versions(),
        started_at=started_at,
        finished_at=finished_at,
    )


def write_rows(rows: str, folder: Path) -> None:
    """Write stored per-sample rows into a run folder (atomically)."""
    atomic_write_text(folder / SAMPLES_FILE, rows)
