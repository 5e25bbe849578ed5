"""Typed adapter settings parsed from ``--model-arg key=value`` strings.

Each adapter family declares a frozen dataclass of its settings; :func:`parse_settings` turns
the raw strings into it, converting each value to the field's type and refusing unknown keys
(naming the known ones) and bad values (naming the key). Every field is recorded in the
RunRecord and is part of the prediction-cache key.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from bench.errors import UsageError

S = TypeVar("S")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
#: Strings that set an optional setting back to its family default.
_NONE = {"", "none", "auto", "default"}
DTYPES = ("fp32", "bf16", "fp16")


@dataclass(frozen=True)
class HFSettings:
    """Settings every Hugging Face adapter accepts.

    Attributes:
        revision: hub branch, tag or commit to load (hub ids only).
        dtype: weight dtype ``fp32``/``bf16``/``fp16``; None follows ``--dtype``.
    """

    revision: str | None = None
    dtype: str | None = None

    #: Whether some setting names another file or model (read only when loading), so the
    #: checkpoint's fingerprint alone does not identify what a load reads.
    reads_external_resources: ClassVar[bool] = False


@dataclass(frozen=True)
class DualEncoderSettings(HFSettings):
    """CLIP, SigLIP, SigLIP 2 and other dual encoders.

    Attributes:
        lowercase: lower-case texts before tokenising; None = the family's default
            (True for SigLIP 2, whose model card asks for it).
        padding: ``max_length`` or ``longest``; None = the family's default
            (``max_length`` for SigLIP / SigLIP 2, as they were trained).
        max_length: text length in tokens; None = the model's.
        image_size: square input side; None = the checkpoint's preprocessing.
    """

    lowercase: bool | None = None
    padding: str | None = None
    max_length: int | None = None
    image_size: int | None = None


@dataclass(frozen=True)
class GenerationSettings(HFSettings):
    """Settings shared by every generating adapter.

    Attributes:
        max_new_tokens: None = the task's value.
        num_beams: 1 = greedy decoding (the default; sampling is never used).
        prompt_template: wraps a task's non-empty prompt, ``{prompt}`` marks where;
            None = the family's default.
        caption_prompt: replaces an empty (captioning) prompt; None = the family's default.
        short_answers: for non-empty prompts, keep the first line of the answer without
            trailing punctuation (what VQA and label parsing expect).
    """

    max_new_tokens: int | None = None
    num_beams: int = 1
    prompt_template: str | None = None
    caption_prompt: str | None = None
    short_answers: bool = True


@dataclass(frozen=True)
class CaptionerSettings(GenerationSettings):
    """BLIP, BLIP-2, GIT and VisionEncoderDecoder captioners (and BLIP-VQA).

    Attributes:
        image_size: square input side; None = the checkpoint's preprocessing.
    """

    image_size: int | None = None


@dataclass(frozen=True)
class ChatSettings(GenerationSettings):
    """Chat VLMs (SmolVLM / Idefics3, Qwen2-VL, LLaVA, PaliGemma...).

    Attributes:
        system_prompt: an optional system turn before the user turn.
    """

    system_prompt: str | None = None


@dataclass(frozen=True)
class AnswerHeadSettings(HFSettings):
    """ViLT's answer head.

    Attributes:
        max_length: question length in tokens; None = the model's.
    """

    max_length: int | None = None


@dataclass(frozen=True)
class LxmertSettings(HFSettings):
    """LXMERT's answer head and where its region features come from.

    Attributes:
        regions: ``precomputed`` (read ``features``) or ``grid`` (``grid_backbone``);
            None = ``precomputed`` when ``features`` is set, else ``grid`` when
            ``grid_backbone`` is set.
        features: a bottom-up-attention TSV file or a folder of ``<image id>.npz`` files.
        grid_backbone: Hugging Face id or folder of a vision backbone whose last feature
            map becomes a grid of regions (the fallback when no detector features exist).
        max_boxes: regions per image (padded or cut to this many).
        answers: JSON file of the answer vocabulary (a list, or ``{answer: index}``) when the
            checkpoint's config does not name its labels.
        max_length: question length in tokens.
    """

    reads_external_resources: ClassVar[bool] = True

    regions: str | None = None
    features: str | None = None
    grid_backbone: str | None = None
    max_boxes: int = 36
    answers: str | None = None
    max_length: int = 20


@dataclass(frozen=True)
class OpenClipSettings:
    """open_clip models.

    Attributes:
        dtype: weight precision ``fp32``/``bf16``/``fp16``; None follows ``--dtype``.
        image_size: input side forced onto the model (positional embeddings resized).
    """

    dtype: str | None = None
    image_size: int | None = None


def _convert(key: str, raw: str, annotation: Any) -> Any:
    """Convert one raw string to ``annotation`` (``T`` or ``T | None``)."""
    args = typing.get_args(annotation)
    optional = type(None) in args
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in args if a is not type(None))
    text = raw.strip()
    if optional and text.lower() in _NONE:
        return None
    if annotation is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise UsageError(f"--model-arg {key}={raw}: expected true or false")
    if annotation is int:
        try:
            return int(text)
        except ValueError:
            raise UsageError(f"--model-arg {key}={raw}: expected an integer") from None
    if annotation is float:
        try:
            return float(text)
        except ValueError:
            raise UsageError(f"--model-arg {key}={raw}: expected a number") from None
    return raw


def parse_settings(cls: type[S], args: Mapping[str, str], *, family: str) -> S:
    """Build the settings dataclass ``cls`` from raw ``--model-arg`` strings.

    Raises:
        UsageError: for an unknown key (listing the keys ``family`` knows) or a value
            that does not convert to the key's type.
    """
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, raw in args.items():
        if key not in known:
            raise UsageError(
                f"--model-arg {key}: unknown setting for {family} models "
                f"(known: {', '.join(sorted(known))})"
            )
        values[key] = _convert(key, raw, hints[key])
    settings = cls(**values)
    check_common(settings)
    return settings


def optional_text(raw: str | None) -> str | None:
    """A raw optional string setting: None for absent or ``none``/``auto``/``default``/empty."""
    if raw is None or raw.strip().lower() in _NONE:
        return None
    return raw.strip()


def check_common(settings: object) -> None:
    """Range checks shared by every family (dtype name, beams, sizes)."""
    dtype = getattr(settings, "dtype", None)
    if dtype is not None and dtype not in DTYPES:
        raise UsageError(f"--model-arg dtype={dtype}: expected one of {', '.join(DTYPES)}")
    for key in ("num_beams", "max_new_tokens", "max_length", "image_size", "max_boxes"):
        value = getattr(settings, key, None)
        if value is not None and value < 1:
            raise UsageError(f"--model-arg {key}={value}: must be at least 1")
    padding = getattr(settings, "padding", None)
    if padding is not None and padding not in ("max_length", "longest"):
        raise UsageError(f"--model-arg padding={padding}: expected max_length or longest")
    template = getattr(settings, "prompt_template", None)
    if template is not None and "{prompt}" not in template:
        raise UsageError(f"--model-arg prompt_template={template!r}: must contain {{prompt}}")
    regions = getattr(settings, "regions", None)
    if regions is not None and regions not in ("precomputed", "grid"):
        raise UsageError(f"--model-arg regions={regions}: expected precomputed or grid")


def settings_dict(settings: object) -> dict[str, Any]:
    """The settings as a plain dict (for ``settings()`` and the RunRecord)."""
    return dataclasses.asdict(settings)  # type: ignore[call-overload, no-any-return]
