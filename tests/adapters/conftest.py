"""Session-wide tiny random checkpoints (built once, offline) and their loaded adapters."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import tiny_captioners
import tiny_chat
import tiny_dual
import tiny_heads

BUILDERS: dict[str, Callable[[Path], Path]] = {
    "clip": tiny_dual.build_clip,
    "siglip": tiny_dual.build_siglip,
    "siglip2": tiny_dual.build_siglip2,
    "open_clip": tiny_dual.build_open_clip,
    "blip": tiny_captioners.build_blip,
    "blip-vqa": tiny_captioners.build_blip_vqa,
    "blip-2": tiny_captioners.build_blip2,
    "git": tiny_captioners.build_git,
    "vision-encoder-decoder": tiny_captioners.build_vision_encoder_decoder,
    "vilt": tiny_heads.build_vilt,
    "lxmert": tiny_heads.build_lxmert,
    "resnet": tiny_heads.build_resnet,
    "qwen2_vl": tiny_chat.build_qwen2_vl,
    "llava": tiny_chat.build_llava,
    "llava_next": tiny_chat.build_llava_next,
    "idefics3": tiny_chat.build_idefics3,
    "paligemma": tiny_chat.build_paligemma,
}

#: Generating families and the Hugging Face folders serving them.
CAPTIONERS = ("blip", "blip-vqa", "blip-2", "git", "vision-encoder-decoder")
CHAT_VLMS = ("qwen2_vl", "llava", "llava_next", "idefics3", "paligemma")
HF_DUAL = ("clip", "siglip", "siglip2")


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Tiny models run fastest on one thread (and do not fight other processes for cores)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``tiny_model(name)`` -> the folder of that tiny checkpoint (built on first use)."""
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = BUILDERS[name](tmp_path_factory.mktemp(name.replace("_", "-")))
        return built[name]

    return get


@pytest.fixture(scope="session")
def answers_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """LXMERT's answer list for the tiny head."""
    return tiny_heads.write_answers(tmp_path_factory.mktemp("answers") / "label2ans.json")


@pytest.fixture(scope="session")
def load_hf(tiny_model: Callable[[str], Path]) -> Callable[..., Any]:
    """``load_hf(name, **args)`` -> the loaded adapter (cached per name and args)."""
    from bench.adapters.base import LoadOptions, ModelSpec
    from bench.adapters.providers import HUGGING_FACE

    loaded: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}

    def load(name: str, **args: str) -> Any:
        key = (name, tuple(sorted(args.items())))
        if key not in loaded:
            spec = ModelSpec("hf", str(tiny_model(name)), args)
            loaded[key] = HUGGING_FACE.resolve(spec).load(LoadOptions())
        return loaded[key]

    return load


@pytest.fixture(scope="session")
def shapes_images() -> list[Any]:
    """Six small RGB images of different content and sizes."""
    from PIL import Image, ImageDraw

    images = []
    for i, (size, colour) in enumerate(
        [
            ((64, 64), "red"),
            ((64, 64), "blue"),
            ((48, 64), "green"),
            ((64, 40), "yellow"),
            ((64, 64), "purple"),
            ((32, 32), "orange"),
        ]
    ):
        image = Image.new("RGB", size, (235, 235, 235))
        draw = ImageDraw.Draw(image)
        draw.ellipse([4 + i, 4, 4 + i + size[0] // 2, 4 + size[1] // 2], fill=colour)
        images.append(image)
    return images
