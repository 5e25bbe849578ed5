"""open_clip models: ``ARCH/PRETRAINED``, ``hf-hub:ORG/NAME`` and ``local-dir:PATH``.

Each model brings its own preprocessing (the evaluation transform open_clip returns) and
tokenizer. Weights must load: a model without them is refused rather than evaluated at
random, and ``.pt``/``.bin`` checkpoints load with ``weights_only=True``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from PIL import Image

from bench.adapters.fingerprint import file_sha256, folder_sha256, hub_fingerprint
from bench.adapters.hf_common import first_line, to_numpy, weight_dtype
from bench.adapters.hub import OFFLINE_HINT
from bench.adapters.settings import OpenClipSettings, settings_dict
from bench.errors import UsageError

if TYPE_CHECKING:
    from bench.adapters.base import LoadOptions

#: ``--dtype`` / ``dtype`` -> open_clip precision (weights cast, layer norms kept in fp32).
PRECISIONS = {"fp32": "fp32", "bf16": "bf16", "fp16": "fp16"}
_SNAPSHOT = re.compile(r"models--(.+?)--(.+?)/snapshots/([0-9a-f]{40})/")


def split_target(target: str) -> tuple[str, str | None]:
    """``ARCH/PRETRAINED`` -> (arch, pretrained); schema targets have no pretrained part."""
    if target.startswith(("hf-hub:", "local-dir:")):
        return target, None
    arch, _, pretrained = target.partition("/")
    return arch, pretrained


def _check_arch(arch: str, pretrained: str) -> None:
    import open_clip

    if arch not in open_clip.list_models():
        from bench.registry import suggest

        raise UsageError(
            f"openclip: unknown architecture '{arch}'{suggest(arch, open_clip.list_models())}"
        )
    if Path(pretrained).expanduser().is_file():
        return
    tags = open_clip.list_pretrained_tags_by_model(arch)
    if pretrained not in tags and pretrained.lower() not in tags:
        raise UsageError(
            f"openclip: '{pretrained}' is neither a pretrained tag of {arch} nor a weights file "
            f"(tags: {', '.join(tags) or 'none'})"
        )


def _path_fingerprint(path: Path) -> str:
    match = _SNAPSHOT.search(path.resolve().as_posix()) or _SNAPSHOT.search(path.as_posix())
    if match:
        return (
            hub_fingerprint(f"{match.group(1)}/{match.group(2)}", match.group(3)) + f"/{path.name}"
        )
    return f"sha256:{file_sha256(path)}"


def weights_fingerprint(target: str) -> str:
    """The hub snapshot or the sha256 of the weights ``target`` loads (already cached)."""
    from open_clip import pretrained as registry

    name, tag = split_target(target)
    if name.startswith("local-dir:"):
        return folder_sha256(Path(name.removeprefix("local-dir:")).expanduser())
    if name.startswith("hf-hub:"):
        return _path_fingerprint(
            Path(registry.download_pretrained_from_hf(name.removeprefix("hf-hub:")))
        )
    assert tag is not None
    if Path(tag).expanduser().is_file():
        return f"sha256:{file_sha256(Path(tag).expanduser())}"
    cfg = registry.get_pretrained_cfg(name, tag)
    return _path_fingerprint(Path(registry.download_pretrained(cfg)))


class OpenClipPreprocessor:
    """Picklable: RGB PIL images -> the model's evaluation transform, stacked."""

    def __init__(self, transform: Callable[[Image.Image], torch.Tensor]) -> None:
        self.transform = transform

    def __call__(self, images: list[Image.Image]) -> torch.Tensor:
        """Transform and stack a batch (runs inside DataLoader workers)."""
        return torch.stack([self.transform(image) for image in images])


class OpenClipAdapter:
    """An ImageTextEmbedder (with worker-side preprocessing) over an open_clip model."""

    def __init__(self, target: str, settings: OpenClipSettings, options: LoadOptions) -> None:
        import open_clip

        self.target = target
        self.user_settings = settings
        self.device = options.device
        self.dtype = weight_dtype(settings.dtype, options)
        name, pretrained = split_target(target)
        if pretrained is not None:
            _check_arch(name, pretrained)
        if name.startswith("local-dir:") and not Path(name.removeprefix("local-dir:")).is_dir():
            raise UsageError(f"openclip:{target}: no such folder")
        try:
            model, _, transform = open_clip.create_model_and_transforms(
                name,
                pretrained=pretrained,
                precision=PRECISIONS[self.dtype],
                device=options.device,
                force_image_size=settings.image_size,
                require_pretrained=True,
                weights_only=True,
            )
            self.tokenizer = open_clip.get_tokenizer(name)
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            reason = first_line(exc)
            hint = (
                ""
                if name.startswith("local-dir:")
                else f"; {OFFLINE_HINT.replace('hf:', 'openclip:local-dir:')}"
            )
            raise UsageError(f"openclip:{target}: cannot load the model ({reason}){hint}") from exc
        self.model = model.eval()
        self.transform = transform
        self._fingerprint: str | None = None

    @classmethod
    def load(cls, target: str, settings: OpenClipSettings, options: LoadOptions) -> OpenClipAdapter:
        """Create the model with its weights."""
        return cls(target, settings, options)

    def fingerprint(self) -> str:
        """Hub snapshot of the weights, or their sha256 (a folder hash for local-dir)."""
        if self._fingerprint is None:
            self._fingerprint = weights_fingerprint(self.target)
        return self._fingerprint

    def image_preprocessor(self) -> OpenClipPreprocessor:
        """open_clip's evaluation transform, run in loader workers."""
        return OpenClipPreprocessor(self.transform)

    def _image_dtype(self) -> torch.dtype:
        return next(self.model.visual.parameters()).dtype  # type: ignore[no-any-return]

    def embed_images(self, images: Any) -> np.ndarray:
        """Image embeddings ``[N, D]`` (not normalised; tasks normalise)."""
        if isinstance(images, list):
            images = self.image_preprocessor()(images)
        batch = images.to(self.device, self._image_dtype())
        return to_numpy(self.model.encode_image(batch))

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Text embeddings ``[M, D]`` (not normalised; tasks normalise)."""
        tokens = self.tokenizer(list(texts)).to(self.device)
        return to_numpy(self.model.encode_text(tokens))

    def settings(self) -> dict[str, Any]:
        """Every setting that can change an embedding, resolved."""
        preprocess = getattr(self.model.visual, "preprocess_cfg", {}) or {}
        return {
            **settings_dict(self.user_settings),
            "family": "open_clip",
            "precision": PRECISIONS[self.dtype],
            "context_length": int(getattr(self.tokenizer, "context_length", 0) or 0),
            "preprocess": {
                k: list(v) if isinstance(v, tuple) else v for k, v in preprocess.items()
            },
        }
