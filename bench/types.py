"""Plain data types shared by tasks, the runner and the metrics."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from PIL import Image

#: Where a sample's image comes from; decoded lazily by :func:`bench.data.images.load_image`.
ImageSource = Union[str, "os.PathLike[str]", bytes, "Image.Image"]


#: A reader that cannot use a sample (non-UTF-8 text, a path escaping --data-dir...) still
#: yields it, with the reason under this ``meta`` key: it then counts as a failed sample.
LOAD_ERROR_KEY = "load_error"
#: The error stage of a sample whose data failed to load (not a model call's failure).
DATA_STAGE = "data"


@dataclass(frozen=True)
class Sample:
    """One evaluation example, as read from a dataset card.

    Attributes:
        id: unique within its split; used as the cache and per-sample record key.
        image: path, encoded bytes or a PIL image; decoded lazily in loader workers.
        text: the text input: the question (VQA), the post (sentiment); empty for
            captioning and retrieval.
        references: reference captions (captioning, retrieval) or the ground-truth
            answers (VQA, in annotation order).
        label: the target class name (sentiment) or a float score (regression datasets).
        meta: extra string fields a task or metric breakdown needs
            (``answer_type``, ``question_type``, ``image_id``...); ``meta[LOAD_ERROR_KEY]``
            marks a sample the reader could not use.
    """

    id: str
    image: ImageSource | None
    text: str = ""
    references: tuple[str, ...] = ()
    label: str | float | None = None
    meta: Mapping[str, str] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class ErrorRecord:
    """A sample that could not be evaluated, with the reason and the stage that failed."""

    sample_id: str
    stage: str
    reason: str
