"""Region features for LXMERT: precomputed bottom-up-attention files, or a backbone grid.

Precomputed features are looked up per image by key, trying in order: the image file's stem
(``COCO_val2014_000000000042``), the number in it (``42``), then ``sha256:<hex>`` of the
decoded RGB pixels. The file name is known only when the decoded image still carries it
(PIL's ``filename``, or ``info["filename"]``); otherwise store features under the pixel key.
Two layouts are read:

- a TSV file (no header) in the bottom-up-attention layout, either its original six columns
  ``image_id, image_w, image_h, num_boxes, boxes, features`` or LXMERT's ten columns
  ``img_id, img_h, img_w, objects_id, objects_conf, attrs_id, attrs_conf, num_boxes, boxes,
  features``; boxes and features are base64 float32 arrays;
- a folder of ``<key>.npz`` files with ``x`` (or ``features``) ``[K, D]``, ``bbox`` (or
  ``boxes``) ``[K, 4]`` and ``image_w``/``image_h`` (read without pickle).

Boxes are normalised by the image size into ``[x1/w, y1/h, x2/w, y2/h]`` as LXMERT expects.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import torch

from bench.errors import UsageError

if TYPE_CHECKING:
    from PIL import Image

#: Column counts of the two TSV layouts -> (id, width, height, num_boxes, boxes, features).
TSV_LAYOUTS: dict[int, tuple[int, int, int, int, int, int]] = {
    6: (0, 1, 2, 3, 4, 5),
    10: (0, 2, 1, 7, 8, 9),
}


@dataclass(frozen=True)
class Regions:
    """One image's regions: features ``[K, D]`` and normalised boxes ``[K, 4]``."""

    features: np.ndarray
    boxes: np.ndarray


def pixel_key(image: Image.Image) -> str:
    """``sha256:<hex>`` of an image's RGB pixels and size."""
    rgb = image.convert("RGB")
    digest = hashlib.sha256(f"{rgb.width}x{rgb.height}:".encode("ascii"))
    digest.update(rgb.tobytes())
    return f"sha256:{digest.hexdigest()}"


def image_keys(image: Image.Image) -> list[str]:
    """The keys an image's features may be stored under, most specific first."""
    keys: list[str] = []
    filename = getattr(image, "filename", "") or image.info.get("filename", "") or ""
    if filename:
        stem = Path(str(filename)).stem
        keys.append(stem)
        digits = re.findall(r"\d+", stem)
        if digits:
            keys.append(str(int(digits[-1])))
    keys.append(pixel_key(image))
    return keys


def normalise_boxes(boxes: np.ndarray, width: float, height: float) -> np.ndarray:
    """Pixel boxes -> fractions of the image; boxes already in [0, 1] are kept."""
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    if boxes.size and float(boxes.max()) <= 1.0:
        return boxes
    if width <= 0 or height <= 0:
        raise ValueError("pixel boxes need a positive image width and height")
    scale = np.asarray([width, height, width, height], dtype=np.float32)
    return np.asarray(np.clip(boxes / scale, 0.0, 1.0), dtype=np.float32)


class FeatureStore(Protocol):
    """Precomputed regions by key."""

    def get(self, key: str) -> Regions | None:
        """The regions stored under ``key``, or None."""
        ...


def _numeric_aliases(ids: list[str]) -> dict[str, str]:
    """``"42" -> "COCO_val2014_000000000042"`` where the number is unambiguous."""
    seen: dict[str, str | None] = {}
    for item in ids:
        digits = re.findall(r"\d+", item)
        if digits:
            alias = str(int(digits[-1]))
            seen[alias] = None if alias in seen and seen[alias] != item else item
    return {alias: item for alias, item in seen.items() if item is not None and alias != item}


class TsvFeatureStore:
    """A bottom-up-attention TSV, indexed once by byte offset (picklable; read lazily)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets: dict[str, int] = {}
        with path.open("rb") as handle:
            offset = 0
            for line in handle:
                if line.strip():
                    self.offsets[line.split(b"\t", 1)[0].decode("utf-8")] = offset
                offset += len(line)
        if not self.offsets:
            raise UsageError(f"--model-arg features={path}: the TSV file is empty")
        self.aliases = _numeric_aliases(list(self.offsets))

    def get(self, key: str) -> Regions | None:
        """Parse the row stored under ``key`` (or its numeric alias)."""
        key = key if key in self.offsets else self.aliases.get(key, key)
        offset = self.offsets.get(key)
        if offset is None:
            return None
        with self.path.open("rb") as handle:
            handle.seek(offset)
            fields = handle.readline().decode("utf-8").rstrip("\r\n").split("\t")
        layout = TSV_LAYOUTS.get(len(fields))
        if layout is None:
            raise ValueError(
                f"{self.path.name}: row '{key}' has {len(fields)} columns, expected 6 or 10"
            )
        _, w, h, n, b, f = layout
        count = int(fields[n])
        boxes = np.frombuffer(base64.b64decode(fields[b]), dtype=np.float32).reshape(count, 4)
        features = np.frombuffer(base64.b64decode(fields[f]), dtype=np.float32).reshape(count, -1)
        return Regions(features, normalise_boxes(boxes, float(fields[w]), float(fields[h])))


class NpzFeatureStore:
    """A folder of ``<key>.npz`` files (loaded with ``allow_pickle=False``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        names = [p.stem for p in folder.glob("*.npz")]
        if not names:
            raise UsageError(f"--model-arg features={folder}: no .npz files in this folder")
        self.aliases = _numeric_aliases(names)

    def get(self, key: str) -> Regions | None:
        """Read ``<key>.npz`` (or its numeric alias)."""
        path = self.folder / f"{key}.npz"
        if not path.is_file() and key in self.aliases:
            path = self.folder / f"{self.aliases[key]}.npz"
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            features = data["x"] if "x" in data else data["features"]
            boxes = data["bbox"] if "bbox" in data else data["boxes"]
            width = float(data["image_w"]) if "image_w" in data else 0.0
            height = float(data["image_h"]) if "image_h" in data else 0.0
            features = np.asarray(features, dtype=np.float32).reshape(len(boxes), -1)
            return Regions(features, normalise_boxes(boxes, width, height))


def open_feature_store(path: Path) -> FeatureStore:
    """A TSV file or a folder of NPZ files."""
    if path.is_dir():
        return NpzFeatureStore(path)
    if path.is_file():
        return TsvFeatureStore(path)
    raise UsageError(f"--model-arg features={path}: no such file or folder")


class PrecomputedRegions:
    """Picklable preprocessor: images -> LXMERT's ``visual_feats``/``visual_pos`` tensors.

    An image without stored features fails its batch's preprocessing; the runner then
    preprocesses one by one, so only that image is recorded as failed.
    """

    def __init__(self, store: FeatureStore, max_boxes: int, feature_dim: int) -> None:
        self.store = store
        self.max_boxes = max_boxes
        self.feature_dim = feature_dim

    def lookup(self, image: Image.Image) -> Regions:
        """The stored regions of one image (KeyError naming its keys when absent)."""
        keys = image_keys(image)
        for key in keys:
            found = self.store.get(key)
            if found is not None:
                if found.features.shape[1] != self.feature_dim:
                    raise ValueError(
                        f"features of '{key}' have {found.features.shape[1]} dimensions, "
                        f"the model expects {self.feature_dim}"
                    )
                return found
        raise KeyError(f"no precomputed region features for image (keys tried: {', '.join(keys)})")

    def __call__(self, images: list[Image.Image]) -> dict[str, torch.Tensor]:
        """Pad or cut every image's regions to ``max_boxes``; mask marks real regions."""
        n = len(images)
        feats = torch.zeros(n, self.max_boxes, self.feature_dim)
        pos = torch.zeros(n, self.max_boxes, 4)
        mask = torch.zeros(n, self.max_boxes, dtype=torch.long)
        for i, image in enumerate(images):
            regions = self.lookup(image)
            k = min(self.max_boxes, len(regions.features))
            feats[i, :k] = torch.from_numpy(np.array(regions.features[:k]))
            pos[i, :k] = torch.from_numpy(np.array(regions.boxes[:k]))
            mask[i, :k] = 1
        return {"visual_feats": feats, "visual_pos": pos, "visual_attention_mask": mask}


def grid_side(height: int, width: int, max_boxes: int) -> tuple[int, int]:
    """The pooled grid for a ``height`` x ``width`` feature map holding at most ``max_boxes``."""
    if height * width <= max_boxes:
        return height, width
    side = max(1, int(max_boxes**0.5))
    return min(side, height), min(side, width)


def grid_regions(feature_map: torch.Tensor, max_boxes: int) -> dict[str, torch.Tensor]:
    """A backbone map ``[N, C, H, W]`` -> one region per (pooled) cell with its box.

    The map is average-pooled to at most ``max_boxes`` cells (a 7x7 map becomes 6x6 for the
    default 36); cell (i, j) of an h x w grid has box ``[j/w, i/h, (j+1)/w, (i+1)/h]``.
    """
    n, _channels, height, width = feature_map.shape
    gh, gw = grid_side(height, width, max_boxes)
    if (gh, gw) != (height, width):
        feature_map = torch.nn.functional.adaptive_avg_pool2d(feature_map, (gh, gw))
    feats = feature_map.flatten(2).transpose(1, 2)
    ys, xs = torch.meshgrid(torch.arange(gh), torch.arange(gw), indexing="ij")
    cells = torch.stack([xs / gw, ys / gh, (xs + 1) / gw, (ys + 1) / gh], dim=-1).reshape(-1, 4)
    pos = cells.to(feature_map.device, torch.float32).expand(n, -1, -1)
    mask = torch.ones(n, gh * gw, dtype=torch.long, device=feature_map.device)
    return {"visual_feats": feats, "visual_pos": pos, "visual_attention_mask": mask}
