"""ViLT and LXMERT answer heads; LXMERT's precomputed and grid region features."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image
from tiny_heads import ANSWERS, LXMERT_FEATURE_DIM, tsv_row, write_tsv

from bench.adapters.regions import grid_regions
from bench.errors import UsageError

QUESTIONS = ["what colour is the shape?", "how many shapes are there?", "is there a circle?"]


def test_vilt_labels_and_scores_match_the_model(
    load_hf: Callable[..., Any], tiny_model: Callable[[str], Path], shapes_images: list[Any]
) -> None:
    from transformers import ViltForQuestionAnswering, ViltProcessor

    adapter = load_hf("vilt")
    assert list(adapter.labels()) == ANSWERS
    folder = tiny_model("vilt")
    model = ViltForQuestionAnswering.from_pretrained(folder).eval()
    processor = ViltProcessor.from_pretrained(folder)
    images = shapes_images[:3]
    got = adapter.classify(adapter.image_preprocessor()(images), QUESTIONS)
    assert got.shape == (3, len(ANSWERS)) and got.dtype == np.float32
    for row, (image, question) in enumerate(zip(images, QUESTIONS, strict=True)):
        with torch.inference_mode():
            logits = model(**processor(images=image, text=question, return_tensors="pt")).logits
        np.testing.assert_allclose(got[row], logits[0].numpy(), rtol=1e-4, atol=1e-5)


def _boxes(k: int, width: int, height: int) -> np.ndarray:
    return np.asarray([[i, i, width - 1 - i, height - 1 - i] for i in range(k)], dtype=np.float32)


def _lxmert_reference(
    folder: Path, question: str, feats: np.ndarray, pos: np.ndarray
) -> np.ndarray:
    from transformers import AutoTokenizer, LxmertForQuestionAnswering

    model = LxmertForQuestionAnswering.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    with torch.inference_mode():
        output = model(
            **tokenizer([question], return_tensors="pt"),
            visual_feats=torch.from_numpy(feats)[None],
            visual_pos=torch.from_numpy(pos)[None],
        )
    return output.question_answering_score[0].numpy()


@pytest.fixture(scope="module")
def coco_named_images(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two RGB PNG files named like COCO images."""
    folder = tmp_path_factory.mktemp("coco")
    paths = []
    for image_id, colour in [(42, "red"), (7, "blue")]:
        path = folder / f"COCO_val2014_{image_id:012d}.png"
        Image.new("RGB", (40, 30), colour).save(path)
        paths.append(path)
    return paths


def test_lxmert_reads_bottom_up_tsv_by_file_name(
    load_hf: Callable[..., Any],
    tiny_model: Callable[[str], Path],
    answers_file: Path,
    coco_named_images: list[Path],
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    feats = {
        key: rng.standard_normal((5, LXMERT_FEATURE_DIM)).astype(np.float32) for key in ("42", "7")
    }
    rows = [
        tsv_row("COCO_val2014_000000000042", feats["42"], _boxes(5, 40, 30), 40, 30),
        tsv_row("7", feats["7"], _boxes(5, 40, 30), 40, 30),  # matched by the number in the name
    ]
    tsv = write_tsv(tmp_path / "val.tsv", rows)
    adapter = load_hf("lxmert", features=str(tsv), answers=str(answers_file))
    assert list(adapter.labels()) == ANSWERS
    images = [Image.open(path) for path in coco_named_images]
    batch = adapter.image_preprocessor()(images)
    assert batch["visual_feats"].shape == (2, 36, LXMERT_FEATURE_DIM)
    assert batch["visual_attention_mask"].sum(dim=1).tolist() == [5, 5]
    got = adapter.classify(batch, QUESTIONS[:2])
    # Boxes normalised by hand: pixel corners over (width, height, width, height).
    for row, key in enumerate(["42", "7"]):
        pos = _boxes(5, 40, 30) / np.asarray([40, 30, 40, 30], dtype=np.float32)
        expected = _lxmert_reference(tiny_model("lxmert"), QUESTIONS[row], feats[key], pos)
        np.testing.assert_allclose(got[row], expected, rtol=1e-4, atol=1e-5)
    assert adapter.settings()["regions"] == "precomputed"
    assert adapter.settings()["features_fingerprint"].startswith("sha256:")


def test_lxmert_reads_npz_by_pixel_hash(
    load_hf: Callable[..., Any], answers_file: Path, shapes_images: list[Any], tmp_path: Path
) -> None:
    import hashlib

    image = shapes_images[0]
    key = (
        "sha256:"
        + hashlib.sha256(f"{image.width}x{image.height}:".encode() + image.tobytes()).hexdigest()
    )
    folder = tmp_path / "npz"
    folder.mkdir()
    feats = np.ones((3, LXMERT_FEATURE_DIM), dtype=np.float32)
    np.savez(folder / f"{key}.npz", x=feats, bbox=_boxes(3, 64, 64), image_w=64, image_h=64)
    adapter = load_hf("lxmert", features=str(folder), answers=str(answers_file), max_boxes="4")
    batch = adapter.image_preprocessor()([image])
    assert batch["visual_attention_mask"].tolist() == [[1, 1, 1, 0]]
    np.testing.assert_allclose(batch["visual_pos"][0, 1].numpy(), np.asarray([1, 1, 62, 62]) / 64)
    with pytest.raises(KeyError, match="no precomputed region features"):
        adapter.image_preprocessor()([shapes_images[1]])


def test_lxmert_grid_fallback_pools_the_backbone_map(
    load_hf: Callable[..., Any],
    tiny_model: Callable[[str], Path],
    answers_file: Path,
    shapes_images: list[Any],
) -> None:
    from transformers import AutoImageProcessor, ResNetModel

    adapter = load_hf("lxmert", grid_backbone=str(tiny_model("resnet")), answers=str(answers_file))
    backbone_folder = tiny_model("resnet")
    backbone = ResNetModel.from_pretrained(backbone_folder).eval()
    pixels = AutoImageProcessor.from_pretrained(backbone_folder)(
        shapes_images[:1], return_tensors="pt"
    )
    with torch.inference_mode():
        feature_map = backbone(pixel_values=pixels.pixel_values).last_hidden_state
    _, channels, height, width = feature_map.shape
    feats = feature_map[0].reshape(channels, -1).T.numpy()
    # Grid cell (i, j) of an h x w map covers [j/w, i/h, (j+1)/w, (i+1)/h].
    pos = np.asarray(
        [
            [j / width, i / height, (j + 1) / width, (i + 1) / height]
            for i in range(height)
            for j in range(width)
        ],
        dtype=np.float32,
    )
    expected = _lxmert_reference(tiny_model("lxmert"), QUESTIONS[0], feats, pos)
    got = adapter.classify(adapter.image_preprocessor()(shapes_images[:1]), QUESTIONS[:1])
    np.testing.assert_allclose(got[0], expected, rtol=1e-4, atol=1e-5)
    assert adapter.settings()["regions"] == "grid"


def test_grid_is_pooled_to_at_most_max_boxes() -> None:
    feature_map = torch.arange(2 * 3 * 7 * 7, dtype=torch.float32).reshape(2, 3, 7, 7)
    regions = grid_regions(feature_map, max_boxes=36)
    assert regions["visual_feats"].shape == (2, 36, 3)
    assert regions["visual_pos"][0, 0].tolist() == pytest.approx([0.0, 0.0, 1 / 6, 1 / 6])
    # The first 6x6 cell of a 7x7 map averages rows 0-1 and columns 0-1 (adaptive pooling).
    assert regions["visual_feats"][0, 0, 0].item() == pytest.approx((0 + 1 + 7 + 8) / 4)


def test_lxmert_without_regions_or_answers_is_refused(
    load_hf: Callable[..., Any], tiny_model: Callable[[str], Path]
) -> None:
    with pytest.raises(UsageError, match="region features"):
        load_hf("lxmert")
    with pytest.raises(UsageError, match="answers=PATH"):
        load_hf("lxmert", grid_backbone=str(tiny_model("resnet")))


def test_lxmert_answers_must_fit_the_head(
    load_hf: Callable[..., Any], tiny_model: Callable[[str], Path], tmp_path: Path
) -> None:
    short = tmp_path / "answers.json"
    short.write_text('["yes", "no"]')
    with pytest.raises(UsageError, match="2 answers"):
        load_hf("lxmert", grid_backbone=str(tiny_model("resnet")), answers=str(short))


def test_lxmert_tsv_layout_with_height_before_width(
    load_hf: Callable[..., Any],
    tiny_model: Callable[[str], Path],
    answers_file: Path,
    shapes_images: list[Any],
    tmp_path: Path,
) -> None:
    import base64
    import hashlib

    image = shapes_images[2]  # 48 wide, 64 high
    key = "sha256:" + hashlib.sha256(b"48x64:" + image.tobytes()).hexdigest()
    feats = np.full((2, LXMERT_FEATURE_DIM), 0.5, dtype=np.float32)
    boxes = np.asarray([[0, 0, 24, 32], [24, 32, 48, 64]], dtype=np.float32)

    def b64(array: np.ndarray) -> str:
        return base64.b64encode(array.tobytes()).decode()

    # LXMERT's own ten columns: img_id, img_h, img_w, objects (id, conf), attrs (id, conf),
    # num_boxes, boxes, features.
    row = [key, "64", "48", "AA==", "AA==", "AA==", "AA==", "2", b64(boxes), b64(feats)]
    tsv = write_tsv(tmp_path / "lxmert.tsv", ["\t".join(row)])
    adapter = load_hf("lxmert", features=str(tsv), answers=str(answers_file))
    batch = adapter.image_preprocessor()([image])
    np.testing.assert_allclose(
        batch["visual_pos"][0, :2].numpy(), [[0, 0, 0.5, 0.5], [0.5, 0.5, 1, 1]]
    )
    pos = np.asarray([[0, 0, 0.5, 0.5], [0.5, 0.5, 1, 1]], dtype=np.float32)
    expected = _lxmert_reference(tiny_model("lxmert"), QUESTIONS[0], feats, pos)
    np.testing.assert_allclose(
        adapter.classify(batch, QUESTIONS[:1])[0], expected, rtol=1e-4, atol=1e-5
    )
