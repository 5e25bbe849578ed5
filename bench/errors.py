"""Error types that separate user mistakes (exit 2) from bugs (traceback)."""

from __future__ import annotations


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
