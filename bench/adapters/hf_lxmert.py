"""LXMERT's VQA head (``LxmertForQuestionAnswering``) as a Classifier.

LXMERT reads object regions, not pixels. With ``features=PATH`` it reads the released
bottom-up-attention features (see :mod:`bench.adapters.regions`), which is how the published
numbers were made. With ``regions=grid grid_backbone=ID`` it instead pools the last feature
map of a vision backbone (e.g. ``microsoft/resnet-101``, 2048 channels) into a grid of
regions: a documented fallback when no detector features exist, far below the published
accuracy because LXMERT was trained on detector features.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from bench.adapters.answers import config_labels, read_answers
from bench.adapters.families import Family
from bench.adapters.fingerprint import data_file_fingerprint
from bench.adapters.hf_common import (
    HFBase,
    HFImagePreprocessor,
    load_model,
    load_processor,
    model_dtype,
    pixel_inputs,
    require_tokenizer_files,
    to_numpy,
)
from bench.adapters.hub import ModelLocation, locate
from bench.adapters.regions import PrecomputedRegions, grid_regions, open_feature_store
from bench.adapters.settings import LxmertSettings
from bench.errors import UsageError

if TYPE_CHECKING:
    from bench.adapters.base import LoadOptions

REGIONS_HINT = (
    "pass --model-arg features=PATH (a bottom-up-attention TSV or a folder of .npz files) "
    "or --model-arg regions=grid --model-arg grid_backbone=ID_OR_PATH"
)


def regions_mode(settings: LxmertSettings) -> str:
    """``precomputed`` or ``grid``, from the settings (UsageError when neither is possible)."""
    mode = settings.regions or (
        "precomputed" if settings.features else "grid" if settings.grid_backbone else None
    )
    if mode is None:
        raise UsageError(f"LXMERT needs region features: {REGIONS_HINT}")
    if mode == "precomputed" and not settings.features:
        raise UsageError(f"--model-arg regions=precomputed needs features=PATH; {REGIONS_HINT}")
    if mode == "grid" and not settings.grid_backbone:
        raise UsageError(f"--model-arg regions=grid needs grid_backbone=ID_OR_PATH; {REGIONS_HINT}")
    return mode


class GridBackbone:
    """A vision backbone whose last ``[N, C, H, W]`` feature map becomes grid regions."""

    def __init__(self, source: str, options: LoadOptions, dtype: str, feature_dim: int) -> None:
        from transformers import AutoModel

        self.location = locate(source)
        self.image_processor = backbone_image_processor(
            load_processor(self.location, options), self.location
        )
        self.model = load_model(AutoModel, self.location, options, dtype)
        size = _input_side(self.image_processor)
        probe = torch.zeros(1, 3, size, size, dtype=model_dtype(self.model), device=options.device)
        with torch.inference_mode():
            feature_map = self.feature_map({"pixel_values": probe})
        if feature_map.ndim != 4:
            raise UsageError(
                f"--model-arg grid_backbone={source}: its output is not a [N, C, H, W] feature "
                "map (use a convolutional backbone such as a ResNet)"
            )
        if feature_map.shape[1] != feature_dim:
            raise UsageError(
                f"--model-arg grid_backbone={source}: {feature_map.shape[1]} channels, but "
                f"LXMERT expects {feature_dim}-dimensional region features"
            )

    def feature_map(self, pixels: dict[str, torch.Tensor]) -> torch.Tensor:
        """The backbone's last hidden state for a preprocessed batch."""
        output = self.model(pixel_values=pixels["pixel_values"])
        hidden = getattr(output, "last_hidden_state", None)
        if not isinstance(hidden, torch.Tensor):
            hidden = output[0]
        return hidden


def backbone_image_processor(processor: Any, location: ModelLocation) -> Any:
    """The image processor of a vision-only checkpoint (AutoProcessor returns it directly)."""
    from transformers.image_processing_base import ImageProcessingMixin

    found = getattr(processor, "image_processor", None)
    if found is None and isinstance(processor, ImageProcessingMixin):
        found = processor
    if found is None:
        raise UsageError(f"--model-arg grid_backbone={location.source}: no image processor found")
    return found


def _input_side(image_processor: Any) -> int:
    size = dict(getattr(image_processor, "crop_size", None) or image_processor.size or {})
    for key in ("height", "shortest_edge", "width"):
        if key in size:
            return int(size[key])
    return 224


class HFLxmertClassifier(HFBase):
    """A Classifier (with worker-side region preprocessing) over LXMERT's answer head."""

    def __init__(
        self,
        location: ModelLocation,
        family: Family,
        settings: LxmertSettings,
        options: LoadOptions,
    ) -> None:
        super().__init__(location, family, settings, options)
        from transformers import AutoTokenizer, LxmertForQuestionAnswering

        self.mode = regions_mode(settings)
        require_tokenizer_files(location)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(
                location.load_id, revision=location.revision
            )
        except (OSError, ValueError) as exc:
            raise UsageError(f"{location.source}: no tokenizer found ({exc})") from exc
        self.model = load_model(LxmertForQuestionAnswering, location, options, self.dtype)
        config = self.model.config
        n_labels = int(config.num_qa_labels)
        labels = config_labels(config.id2label, n_labels)
        if settings.answers:
            labels = read_answers(Path(settings.answers), n_labels)
        if labels is None:
            raise UsageError(
                f"{location.source}: its config does not name the {n_labels} answers; pass "
                "--model-arg answers=PATH (a JSON list of answers, e.g. trainval_label2ans.json)"
            )
        self._labels = labels
        self.feature_dim = int(config.visual_feat_dim)
        self.extras: dict[str, Any] = {"regions": self.mode}
        if settings.answers:
            self.extras["answers_fingerprint"] = data_file_fingerprint(Path(settings.answers))
        self.backbone: GridBackbone | None = None
        if self.mode == "precomputed":
            features = Path(str(settings.features)).expanduser()
            store = open_feature_store(features)
            self._preprocess: Callable[[list[Any]], Any] = PrecomputedRegions(
                store, settings.max_boxes, self.feature_dim
            )
            self.extras["features_fingerprint"] = data_file_fingerprint(features)
        else:
            self.backbone = GridBackbone(
                str(settings.grid_backbone), options, self.dtype, self.feature_dim
            )
            self._preprocess = HFImagePreprocessor(self.backbone.image_processor)
            self.extras["grid_backbone_fingerprint"] = self.backbone.location.fingerprint

    @classmethod
    def load(
        cls,
        location: ModelLocation,
        family: Family,
        settings: LxmertSettings,
        options: LoadOptions,
    ) -> HFLxmertClassifier:
        """Load tokenizer, weights and the region source."""
        return cls(location, family, settings, options)

    def image_preprocessor(self) -> Callable[[list[Any]], Any]:
        """Stored regions (precomputed) or the backbone's pixel preprocessing (grid)."""
        return self._preprocess

    def labels(self) -> Sequence[str]:
        """The answer vocabulary, in score-column order."""
        return self._labels

    def _visual(self, images: Any) -> dict[str, torch.Tensor]:
        if isinstance(images, list):
            images = self._preprocess(images)
        dtype = model_dtype(self.model)
        batch = {k: v.to(self.device) for k, v in pixel_inputs(images, dtype).items()}
        if self.backbone is not None:
            feature_map = self.backbone.feature_map(batch)
            batch = grid_regions(feature_map, self.user_settings.max_boxes)
        return {k: v.to(dtype) if torch.is_floating_point(v) else v for k, v in batch.items()}

    def classify(self, images: Any, texts: Sequence[str]) -> np.ndarray:
        """Answer scores ``[N, n_answers]`` for each (image, question)."""
        inputs = self._visual(images)
        encoded = self.tokenizer(
            list(texts),
            padding="longest",
            truncation=True,
            max_length=self.user_settings.max_length,
            return_tensors="pt",
        )
        inputs.update({k: v.to(self.device) for k, v in encoded.items()})
        output = self.model(**inputs)
        return to_numpy(output.question_answering_score)

    def settings(self) -> dict[str, Any]:
        """Every setting that can change a score, resolved (region source included)."""
        return {**self.base_settings(), **self.extras, "n_labels": len(self._labels)}
