"""Dual encoders against direct transformers / open_clip calls, and batch independence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from conftest import HF_DUAL

from bench.adapters.base import LoadOptions, ModelSpec
from bench.adapters.providers import OPEN_CLIP
from bench.errors import UsageError

TEXTS = ["a red circle", "Two BLUE squares in the top left corner", "yes", "a small green triangle"]


def _reference_model(folder: Path) -> tuple[Any, Any]:
    from transformers import AutoModel, AutoProcessor

    return AutoModel.from_pretrained(folder).eval(), AutoProcessor.from_pretrained(folder)


@pytest.mark.parametrize("name", HF_DUAL)
def test_image_embeddings_match_transformers(
    name: str,
    load_hf: Callable[..., Any],
    tiny_model: Callable[[str], Path],
    shapes_images: list[Any],
) -> None:
    adapter = load_hf(name)
    model, processor = _reference_model(tiny_model(name))
    # The image processor alone: Siglip2Processor.__call__ would impose its class defaults
    # (16 px patches) over the checkpoint's saved patch size.
    with torch.inference_mode():
        pixels = processor.image_processor(images=shapes_images, return_tensors="pt")
        expected = model.get_image_features(**pixels)
        got = adapter.embed_images(adapter.image_preprocessor()(shapes_images))
    np.testing.assert_allclose(got, expected.pooler_output.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "text_kwargs", "lowercase"),
    [
        ("clip", {"padding": True, "truncation": True, "max_length": 32}, False),
        # SigLIP is trained with fixed-length padding; SigLIP 2 also lower-cases.
        ("siglip", {"padding": "max_length", "max_length": 16}, False),
        ("siglip2", {"padding": "max_length", "max_length": 16}, True),
    ],
)
def test_text_embeddings_follow_the_family_recipe(
    name: str,
    text_kwargs: dict[str, Any],
    lowercase: bool,
    load_hf: Callable[..., Any],
    tiny_model: Callable[[str], Path],
) -> None:
    adapter = load_hf(name)
    model, processor = _reference_model(tiny_model(name))
    texts = [t.lower() for t in TEXTS] if lowercase else TEXTS
    with torch.inference_mode():
        encoded = processor(text=texts, return_tensors="pt", **text_kwargs)
        expected = model.get_text_features(**encoded).pooler_output.numpy()
        got = adapter.embed_texts(TEXTS)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert adapter.settings()["lowercase"] is lowercase
    assert adapter.settings()["padding"] == ("longest" if name == "clip" else "max_length")


def test_siglip_pads_every_text_to_the_same_length(load_hf: Callable[..., Any]) -> None:
    adapter = load_hf("siglip")
    short, long = adapter.tokenize(["yes"]), adapter.tokenize(["a red circle on the left"])
    assert short["input_ids"].shape == long["input_ids"].shape == (1, 16)


def test_lowercase_setting_changes_the_text_input(load_hf: Callable[..., Any]) -> None:
    cased = load_hf("siglip")
    lowered = load_hf("siglip", lowercase="true")
    assert cased.settings()["lowercase"] is False and lowered.settings()["lowercase"] is True
    np.testing.assert_allclose(
        lowered.embed_texts(["A RED Circle"]), cased.embed_texts(["a red circle"])
    )
    assert not np.allclose(cased.embed_texts(["A RED Circle"]), cased.embed_texts(["a red circle"]))


@pytest.mark.parametrize("name", HF_DUAL)
def test_batched_equals_one_by_one(
    name: str, load_hf: Callable[..., Any], shapes_images: list[Any]
) -> None:
    adapter = load_hf(name)
    prep = adapter.image_preprocessor()
    together = adapter.embed_images(prep(shapes_images[:4]))
    alone = np.concatenate([adapter.embed_images(prep([image])) for image in shapes_images[:4]])
    np.testing.assert_allclose(together, alone, rtol=1e-4, atol=1e-5)
    texts = np.concatenate([adapter.embed_texts([t]) for t in TEXTS])
    np.testing.assert_allclose(adapter.embed_texts(TEXTS), texts, rtol=1e-4, atol=1e-5)


def test_image_size_setting_resizes_inputs(
    load_hf: Callable[..., Any], shapes_images: list[Any]
) -> None:
    adapter = load_hf("clip", image_size="48")
    batch = adapter.image_preprocessor()(shapes_images[:2])
    assert tuple(batch["pixel_values"].shape) == (2, 3, 48, 48)
    assert adapter.embed_images(batch).shape == (2, 8)
    with pytest.raises(UsageError, match="SigLIP 2"):
        load_hf("siglip2", image_size="48")


def test_embed_images_accepts_pil_images(
    load_hf: Callable[..., Any], shapes_images: list[Any]
) -> None:
    adapter = load_hf("clip")
    np.testing.assert_allclose(
        adapter.embed_images(shapes_images[:2]),
        adapter.embed_images(adapter.image_preprocessor()(shapes_images[:2])),
    )


def test_open_clip_matches_open_clip(
    tiny_model: Callable[[str], Path], shapes_images: list[Any]
) -> None:
    import open_clip

    folder = tiny_model("open_clip")
    spec = ModelSpec("openclip", f"local-dir:{folder}")
    adapter = OPEN_CLIP.resolve(spec).load(LoadOptions())
    model, _, transform = open_clip.create_model_and_transforms(f"local-dir:{folder}")
    tokenizer = open_clip.get_tokenizer(f"local-dir:{folder}")
    model.eval()
    with torch.inference_mode():
        images = torch.stack([transform(image) for image in shapes_images])
        expected_images = model.encode_image(images).numpy()
        expected_texts = model.encode_text(tokenizer(TEXTS)).numpy()
        got_images = adapter.embed_images(adapter.image_preprocessor()(shapes_images))
        got_texts = adapter.embed_texts(TEXTS)
        alone = np.concatenate([adapter.embed_texts([t]) for t in TEXTS])
    np.testing.assert_allclose(got_images, expected_images, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_texts, expected_texts, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(alone, got_texts, rtol=1e-4, atol=1e-5)
    assert adapter.fingerprint().startswith("sha256:")
    assert adapter.settings()["context_length"] == 16


def test_open_clip_folder_without_weights_is_refused(tmp_path: Path) -> None:
    import json

    from tiny_dual import OPEN_CLIP_CONFIG

    (tmp_path / "open_clip_config.json").write_text(json.dumps(OPEN_CLIP_CONFIG))
    handle = OPEN_CLIP.resolve(ModelSpec("openclip", f"local-dir:{tmp_path}"))
    with pytest.raises(UsageError, match="cannot load"):
        handle.load(LoadOptions())


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("ViT-B-32/no-such-tag", "neither a pretrained tag"),
        ("No-Such-Arch/openai", "unknown architecture"),
    ],
)
def test_open_clip_bad_names(target: str, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        OPEN_CLIP.resolve(ModelSpec("openclip", target)).load(LoadOptions())


def test_open_clip_offline_tag_miss_gives_the_hint() -> None:
    with pytest.raises(UsageError, match="HF_HUB_OFFLINE=0"):
        OPEN_CLIP.resolve(ModelSpec("openclip", "ViT-B-32/laion2b_s34b_b79k")).load(LoadOptions())
