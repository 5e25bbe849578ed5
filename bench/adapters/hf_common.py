"""What every Hugging Face adapter shares: checked loading, preprocessing, fingerprints.

Weights load through ``from_pretrained(..., output_loading_info=True)`` and any missing,
unexpected or mismatched key is refused: transformers would otherwise re-initialise the
missing weights at random and the run would silently score a broken model. Weights come from
safetensors, or from ``.bin`` files through transformers' ``weights_only`` loader.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from bench.adapters.families import Family
from bench.adapters.hub import OFFLINE_HINT, ModelLocation
from bench.adapters.settings import settings_dict
from bench.errors import UsageError

if TYPE_CHECKING:
    from PIL import Image

    from bench.adapters.base import LoadOptions

TORCH_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def weight_dtype(setting: str | None, options: LoadOptions) -> str:
    """The dtype to load weights in: the adapter setting, else the run's ``--dtype``."""
    return setting or options.dtype


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when the message is empty)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_error(location: ModelLocation, what: str, exc: BaseException) -> UsageError:
    """A UsageError for a failed ``from_pretrained``, with the offline hint for hub ids."""
    hint = f"; {OFFLINE_HINT}" if location.repo_id is not None else ""
    return UsageError(f"{location.source}: cannot load the {what} ({first_line(exc)}){hint}")


def _check_loading_info(location: ModelLocation, info: Mapping[str, Any], cls: str) -> None:
    problems = []
    for key in ("missing_keys", "unexpected_keys", "mismatched_keys"):
        found = sorted(str(k) for k in info.get(key) or ())
        if found:
            shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
            problems.append(f"{len(found)} {key.replace('_', ' ')} ({shown})")
    if problems:
        raise UsageError(
            f"{location.source}: the weights do not match {cls}: {'; '.join(problems)} "
            "(a processor/model mismatch or a checkpoint for another head)"
        )


def load_model(
    model_class: Any,
    location: ModelLocation,
    options: LoadOptions,
    dtype: str,
    **kwargs: Any,
) -> Any:
    """``model_class.from_pretrained`` with key checks, in eval mode on ``options.device``."""
    try:
        model, info = model_class.from_pretrained(
            location.load_id,
            revision=location.revision,
            dtype=TORCH_DTYPES[dtype],
            trust_remote_code=options.trust_remote_code,
            output_loading_info=True,
            **kwargs,
        )
    except UsageError:
        raise
    except (OSError, ValueError, KeyError, TypeError, ImportError) as exc:
        raise load_error(location, "model", exc) from exc
    _check_loading_info(location, info, type(model).__name__)
    return model.to(options.device).eval()


def load_processor(location: ModelLocation, options: LoadOptions) -> Any:
    """``AutoProcessor.from_pretrained`` (may return a bare tokenizer or image processor)."""
    from transformers import AutoProcessor

    try:
        return AutoProcessor.from_pretrained(  # type: ignore[no-untyped-call]
            location.load_id,
            revision=location.revision,
            trust_remote_code=options.trust_remote_code,
        )
    except (OSError, ValueError, KeyError, TypeError, ImportError, AttributeError) as exc:
        raise load_error(location, "processor", exc) from exc


def tokenizer_and_image_processor(
    processor: Any, location: ModelLocation, options: LoadOptions
) -> tuple[Any, Any]:
    """Split a processor into its tokenizer and image processor, loading a missing part alone.

    Raises:
        UsageError: naming the part the folder lacks.
    """
    from transformers import AutoImageProcessor, AutoTokenizer, PreTrainedTokenizerBase
    from transformers.image_processing_base import ImageProcessingMixin

    require_tokenizer_files(location)
    tokenizer = getattr(processor, "tokenizer", None)
    image_processor = getattr(processor, "image_processor", None)
    if isinstance(processor, PreTrainedTokenizerBase):
        tokenizer = processor
    if isinstance(processor, ImageProcessingMixin):
        image_processor = processor
    parts: dict[str, tuple[Any, Any, str]] = {
        "tokenizer": (tokenizer, AutoTokenizer, "tokenizer.json / tokenizer_config.json"),
        "image processor": (
            image_processor,
            AutoImageProcessor,
            "processor_config.json / preprocessor_config.json",
        ),
    }
    found = []
    for name, (part, auto, files) in parts.items():
        if part is None:
            try:
                part = auto.from_pretrained(
                    location.load_id,
                    revision=location.revision,
                    trust_remote_code=options.trust_remote_code,
                )
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise UsageError(
                    f"{location.source}: no {name} found (expected {files}): {first_line(exc)}"
                ) from exc
        found.append(part)
    return found[0], found[1]


#: Files a tokenizer loads from; without any of them transformers builds an empty vocabulary.
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "vocab.json",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
)


def require_tokenizer_files(location: ModelLocation) -> None:
    """Refuse a folder without tokenizer files (transformers would silently build an empty
    tokenizer and every text would become unknown tokens)."""
    if not any((location.folder / name).is_file() for name in TOKENIZER_FILES):
        raise UsageError(
            f"{location.source}: no tokenizer files (expected one of {', '.join(TOKENIZER_FILES)})"
        )


def check_vocabulary(location: ModelLocation, tokenizer: Any, model: Any) -> None:
    """Refuse a tokenizer with more tokens than the model's output layer (a mismatch)."""
    try:
        layer = model.get_output_embeddings()
    except (AttributeError, NotImplementedError):
        return
    weight = getattr(layer, "weight", None)
    if isinstance(weight, torch.Tensor) and len(tokenizer) > weight.shape[0]:
        raise UsageError(
            f"{location.source}: processor/model mismatch: the tokenizer has {len(tokenizer)} "
            f"tokens but the model's output layer has {weight.shape[0]}"
        )


def square_size(image_processor: Any, side: int) -> None:
    """Make ``image_processor`` produce ``side`` x ``side`` inputs (resize, then crop)."""
    size = dict(getattr(image_processor, "size", None) or {})
    if "shortest_edge" in size:
        image_processor.size = {"shortest_edge": side}
    else:
        image_processor.size = {"height": side, "width": side}
    if getattr(image_processor, "crop_size", None):
        image_processor.crop_size = {"height": side, "width": side}


def accepts_kwarg(function: Callable[..., Any], name: str) -> bool:
    """Whether ``function`` takes a keyword argument called ``name``."""
    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


class HFImagePreprocessor:
    """Picklable: RGB PIL images -> a dict of tensors from a transformers image processor."""

    def __init__(self, image_processor: Any, **kwargs: Any) -> None:
        self.image_processor = image_processor
        self.kwargs = kwargs

    def __call__(self, images: list[Image.Image]) -> dict[str, torch.Tensor]:
        """Preprocess a batch (runs inside DataLoader workers)."""
        out = self.image_processor(images=images, return_tensors="pt", **self.kwargs)
        return {k: v for k, v in out.items() if isinstance(v, torch.Tensor)}


def pixel_inputs(images: Any, model_dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """The preprocessed batch as model kwargs, floating tensors cast to the weight dtype."""
    if isinstance(images, torch.Tensor):
        images = {"pixel_values": images}
    if not isinstance(images, Mapping):
        raise TypeError(f"expected preprocessed image tensors, got {type(images).__name__}")
    return {k: v.to(model_dtype) if torch.is_floating_point(v) else v for k, v in images.items()}


def rows(batch: Mapping[str, torch.Tensor], index: Sequence[int]) -> dict[str, torch.Tensor]:
    """The rows ``index`` of every tensor of a batch."""
    picked = torch.as_tensor(list(index), dtype=torch.long)
    return {k: v.index_select(0, picked.to(v.device)) for k, v in batch.items()}


def pooled(output: Any) -> torch.Tensor:
    """The embedding of a ``get_*_features`` result (a tensor, or an output's pooler)."""
    if isinstance(output, torch.Tensor):
        return output
    value = getattr(output, "pooler_output", None)
    if value is None and isinstance(output, (tuple, list)):
        value = output[0]
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"cannot read an embedding from {type(output).__name__}")
    return value


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A float32 numpy copy of a (possibly bf16, possibly GPU) tensor."""
    return np.asarray(tensor.detach().float().cpu().numpy(), dtype=np.float32)


def model_dtype(model: Any) -> torch.dtype:
    """The dtype of a model's parameters."""
    return next(model.parameters()).dtype  # type: ignore[no-any-return]


class HFBase:
    """State every Hugging Face adapter keeps, and its ``fingerprint``/``settings`` parts."""

    def __init__(
        self, location: ModelLocation, family: Family, user_settings: Any, options: LoadOptions
    ) -> None:
        self.location = location
        self.family = family
        self.user_settings = user_settings
        self.device = options.device
        self.dtype = weight_dtype(getattr(user_settings, "dtype", None), options)

    def fingerprint(self) -> str:
        """Hub commit sha or a hash of the local weight, config and tokenizer files."""
        return self.location.fingerprint

    def base_settings(self) -> dict[str, Any]:
        """The user settings plus the resolved family, weight dtype and revision."""
        return {
            **settings_dict(self.user_settings),
            "family": self.family.name,
            "model_type": self.family.model_type,
            "weight_dtype": self.dtype,
            "revision": self.location.revision,
        }
