"""Turning task and model names into checked (task, model) jobs, before anything loads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.adapters.base import ModelHandle, ModelSpec
from bench.capabilities import capabilities_of, capability_name
from bench.errors import UsageError
from bench.registry import build_task, list_models, resolve_model
from bench.tasking import Task

#: The embedded default: the built-in synthetic suite.
DEFAULT_TASKS = ("shapes-captioning", "shapes-vqa", "shapes-retrieval", "shapes-sentiment")
#: Model scheme of the bundled reference models run by default.
DEFAULT_MODEL_SCHEME = "ref"


#: ``--decode`` values: see :mod:`bench.runner.decode`.
DECODE_MODES = ("auto", "cpu", "gpu")


@dataclass(frozen=True)
class RunConfig:
    """Every option of ``modalbench run`` (see ``modalbench run --help``)."""

    batch_size: int = 32
    device: str = "auto"
    dtype: str = "auto"
    decode: str = "auto"
    data_dir: Path | None = None
    out: Path = Path("results")
    limit: int | None = None
    seed: int = 0
    use_cache: bool = True
    num_workers: int | None = None
    max_failures: float = 0.01
    bootstrap: int = 1000
    progress: bool = True
    trust_remote_code: bool = False
    model_args: Mapping[str, str] = field(default_factory=dict)

    def check(self) -> None:
        """Reject impossible values with a message naming the option."""
        if self.batch_size < 1:
            raise UsageError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.limit is not None and self.limit < 1:
            raise UsageError(f"--limit must be at least 1, got {self.limit}")
        if not 0.0 <= self.max_failures <= 1.0:
            raise UsageError(
                f"--max-failures must be a fraction in [0, 1], got {self.max_failures}"
            )
        if self.num_workers is not None and self.num_workers < 0:
            raise UsageError(f"--num-workers must be >= 0, got {self.num_workers}")
        if self.data_dir is not None and not self.data_dir.is_dir():
            raise UsageError(f"--data-dir {self.data_dir}: no such directory")
        if self.bootstrap < 0:
            raise UsageError(f"--bootstrap must be >= 0, got {self.bootstrap}")
        if self.decode not in DECODE_MODES:
            raise UsageError(
                f"--decode must be one of {', '.join(DECODE_MODES)}, got {self.decode!r}"
            )


@dataclass(frozen=True)
class Job:
    """One (task, model) evaluation to run."""

    task: Task
    model: ModelHandle


def _missing(task: Task, handle: ModelHandle) -> str | None:
    """None when the model can run the task, else the capabilities it lacks, in words."""
    has = capabilities_of(handle.adapter_class)
    accepted = task.accepts()
    if any(cap in has for cap in accepted):
        return None
    needed = " or ".join(capability_name(c) for c in accepted)
    offered = ", ".join(sorted(capability_name(c) for c in has)) or "none"
    return f"needs {needed}; the model offers {offered}"


def plan_jobs(
    task_names: Sequence[str] | None,
    model_specs: Sequence[ModelSpec] | None,
    *,
    model_args: Mapping[str, str] | None = None,
    trust_remote_code: bool = False,
) -> tuple[list[Job], list[str]]:
    """Resolve names and check capabilities; returns the jobs and notes on skipped pairs.

    With both tasks and models given, every pair must be runnable (UsageError naming the
    missing capability otherwise). When one side is defaulted, incompatible pairs are
    skipped with a note: the default table simply has an empty cell there.
    """
    explicit = task_names is not None and model_specs is not None
    names = list(task_names) if task_names else list(DEFAULT_TASKS)
    tasks = [build_task(name) for name in dict.fromkeys(names)]
    intended: dict[str, tuple[str, ...]] = {}
    if model_specs:
        specs = list(model_specs)
    else:
        bundled = [m for m in list_models() if m.spec.startswith(f"{DEFAULT_MODEL_SCHEME}:")]
        specs = [
            ModelSpec.parse(m.spec, model_args, trust_remote_code=trust_remote_code)
            for m in bundled
        ]
        if task_names is None:
            intended = {m.spec: m.intended_tasks for m in bundled if m.intended_tasks}
        if not specs:
            raise UsageError("no bundled reference models are installed; pass --model")
    handles = [resolve_model(spec) for spec in specs]
    jobs: list[Job] = []
    notes: list[str] = []
    for handle in handles:
        for task in tasks:
            if handle.spec.text in intended and task.name not in intended[handle.spec.text]:
                continue
            reason = _missing(task, handle)
            if reason is None:
                jobs.append(Job(task, handle))
            elif explicit:
                raise UsageError(
                    f"model '{handle.spec.text}' cannot run task '{task.name}': {reason}"
                )
            else:
                notes.append(f"skipping {handle.spec.text} on {task.name}: {reason}")
    if not jobs:
        raise UsageError("no (task, model) pair can run: " + "; ".join(notes))
    return jobs, notes
