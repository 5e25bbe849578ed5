"""Error types that separate user mistakes (exit 2) from bugs (traceback)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.records.schema import RunRecord


class UsageError(Exception):
    """Bad usage or bad input: the CLI prints the one-line message and exits 2.

    The message must name the offending file, field or value so the user can fix it.
    """


class SampleError(Exception):
    """A per-sample failure (undecodable image, NaN embedding, empty generation...).

    Never aborts a run: the runner records ``reason`` against the sample id and the
    sample counts as wrong in every metric.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EvaluationAbortError(UsageError):
    """A model call that cannot be trusted: the (model, task) evaluation stops, writes no
    record and the command exits 2.

    Raised for an exception that every item of a batch reproduces, a :class:`UsageError` or
    a broken output contract inside a model call, and any failed call of an evaluation's
    first batch: those are faults of the model or its settings, not of one sample, and
    scoring around them would print a number that is not the model's.
    """

    def __init__(self, stage: str, cause: str, *, model: str = "", task: str = "") -> None:
        self.stage = stage
        self.cause = cause
        self.model = model
        self.task = task
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"model {self.model} on task {self.task}, " if self.model else ""
        return f"evaluation aborted: {where}stage {self.stage}: {self.cause}"

    def located(self, *, model: str, task: str) -> EvaluationAbortError:
        """The same fault, naming the model and task it happened in."""
        return type(self)(self.stage, self.cause, model=model, task=task)


class RunAbortError(EvaluationAbortError):
    """A fault that poisons the whole process (a dead CUDA context): the run stops at once.

    Evaluations that finished before it are kept (a rerun resumes from them); nothing is
    written for the rest.
    """

    def _message(self) -> str:
        where = f"model {self.model} on task {self.task}, " if self.model else ""
        return (
            f"run stopped: {where}stage {self.stage}: {self.cause}; the CUDA context cannot be "
            "used again in this process, so no further evaluation ran. Finished evaluations "
            "are saved and a rerun resumes from them; rerun with CUDA_LAUNCH_BLOCKING=1 to "
            "locate the failing kernel"
        )


class RunIncompleteError(UsageError):
    """Some evaluations of a run were aborted (exit 2); ``records`` holds the finished ones."""

    def __init__(self, aborted: list[EvaluationAbortError], records: list[RunRecord]) -> None:
        self.aborted = aborted
        self.records = records
        lines = [str(a) for a in aborted]
        if records:
            lines.append(f"({len(records)} other evaluation(s) finished and were written)")
        super().__init__("\n".join(lines))
