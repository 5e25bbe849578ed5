"""Loading rules: key checks, trust_remote_code only on request, dtypes, worker pickling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import torch

from bench.adapters.base import LoadOptions
from bench.adapters.hf_common import load_model
from bench.adapters.hub import ModelLocation
from bench.errors import UsageError
from bench.runner.device import inference_context


class _Spy:
    """Stands in for a transformers Auto class and records what it was asked."""

    calls: ClassVar[list[dict[str, Any]]] = []
    info: ClassVar[dict[str, Any]] = {}

    @classmethod
    def from_pretrained(cls, source: str, **kwargs: Any) -> tuple[torch.nn.Module, dict[str, Any]]:
        cls.calls.append({"source": source, **kwargs})
        return torch.nn.Linear(2, 2), cls.info


@pytest.fixture
def spy() -> type[_Spy]:
    _Spy.calls = []
    _Spy.info = {"missing_keys": set(), "unexpected_keys": set(), "mismatched_keys": set()}
    return _Spy


def test_remote_code_is_off_unless_the_user_asked(spy: type[_Spy], tmp_path: Path) -> None:
    location = ModelLocation(source=str(tmp_path), folder=tmp_path)
    load_model(spy, location, LoadOptions(), "fp32")
    load_model(spy, location, LoadOptions(trust_remote_code=True), "bf16")
    assert [c["trust_remote_code"] for c in spy.calls] == [False, True]
    assert [c["dtype"] for c in spy.calls] == [torch.float32, torch.bfloat16]
    assert all(c["output_loading_info"] is True for c in spy.calls)


@pytest.mark.parametrize("key", ["missing_keys", "unexpected_keys", "mismatched_keys"])
def test_any_key_problem_refuses_the_weights(spy: type[_Spy], key: str, tmp_path: Path) -> None:
    spy.info[key] = {"text_model.layer.0.weight"}
    location = ModelLocation(source="my-model", folder=tmp_path)
    with pytest.raises(UsageError, match=key.replace("_", " ")) as info:
        load_model(spy, location, LoadOptions(), "fp32")
    assert "my-model" in str(info.value) and "text_model.layer.0.weight" in str(info.value)


def test_bf16_weights_run_under_the_runner_autocast(
    tiny_model: Callable[[str], Path], shapes_images: list[Any]
) -> None:
    from bench.adapters.base import ModelSpec
    from bench.adapters.providers import HUGGING_FACE

    spec = ModelSpec("hf", str(tiny_model("clip")))
    full = HUGGING_FACE.resolve(spec).load(LoadOptions())
    half = HUGGING_FACE.resolve(spec).load(LoadOptions(dtype="bf16"))
    assert half.settings()["weight_dtype"] == "bf16"
    with inference_context("cpu", "bf16"):
        got = half.embed_images(half.image_preprocessor()(shapes_images[:2]))
    assert got.dtype == np.float32
    expected = full.embed_images(full.image_preprocessor()(shapes_images[:2]))
    cosine = (
        (got * expected).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(expected, axis=1)
    )
    assert cosine.min() > 0.99


@pytest.mark.parametrize("name", ["clip", "siglip2", "blip-2", "git", "vilt"])
def test_preprocessors_can_be_sent_to_spawned_workers(
    name: str, load_hf: Callable[..., Any], shapes_images: list[Any]
) -> None:
    from multiprocessing.reduction import ForkingPickler

    preprocess = load_hf(name).image_preprocessor()
    # What a DataLoader does to its collate function under the spawn start method.
    assert len(ForkingPickler.dumps(preprocess)) > 0
    batch = preprocess(shapes_images[:2])
    assert all(value.shape[0] == 2 for value in batch.values())


def test_open_clip_preprocessor_can_be_sent_to_spawned_workers(
    tiny_model: Callable[[str], Path], shapes_images: list[Any]
) -> None:
    from multiprocessing.reduction import ForkingPickler

    from bench.adapters.base import ModelSpec
    from bench.adapters.providers import OPEN_CLIP

    spec = ModelSpec("openclip", f"local-dir:{tiny_model('open_clip')}")
    preprocess = OPEN_CLIP.resolve(spec).load(LoadOptions()).image_preprocessor()
    assert len(ForkingPickler.dumps(preprocess)) > 0
    assert tuple(preprocess(shapes_images[:2]).shape) == (2, 3, 32, 32)


def test_local_folder_weights_are_refused_with_a_revision(
    tiny_model: Callable[[str], Path],
) -> None:
    from bench.adapters.base import ModelSpec
    from bench.adapters.providers import hf_handle

    with pytest.raises(UsageError, match="revision"):
        hf_handle(str(tiny_model("git")), ModelSpec("ref", "x", {"revision": "abc"}))
