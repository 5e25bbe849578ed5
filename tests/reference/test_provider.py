"""The ``ref:`` scheme: listing, resolving through the ``hf:`` code path, probes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.adapters.base import LoadOptions, ModelSpec
from bench.adapters.providers import HFHandle, hf_handle
from bench.capabilities import (
    FittableClassifier,
    Generator,
    ImageTextEmbedder,
    LabeledBatch,
    capabilities_of,
    capability_name,
)
from bench.errors import UsageError
from bench.reference.manifest import bundled_models
from bench.reference.provider import REFERENCE, ProbeHandle, ReferenceProvider

CPU = LoadOptions(device="cpu", dtype="fp32")


def test_known_models_match_the_manifest_and_adapter_classes() -> None:
    infos = {m.spec: m for m in REFERENCE.known_models()}
    assert set(infos) == {f"ref:{name}" for name in bundled_models()}
    for spec, info in infos.items():
        handle = REFERENCE.resolve(ModelSpec.parse(spec))
        declared = set(info.capabilities)
        actual = {capability_name(c) for c in capabilities_of(handle.adapter_class)}
        assert declared == actual, spec
        assert info.intended_tasks


def test_listing_and_resolving_import_no_torch() -> None:
    code = (
        "import sys\n"
        "from bench.adapters.base import ModelSpec\n"
        "from bench.reference.provider import REFERENCE\n"
        "REFERENCE.known_models()\n"
        "for m in REFERENCE.known_models():\n"
        "    REFERENCE.resolve(ModelSpec.parse(m.spec))\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("name", "family", "adapter"),
    [
        ("shapes-clip", "clip", "HFDualEncoder"),
        ("shapes-captioner", "vision-encoder-decoder", "HFCaptioner"),
        ("shapes-vqa", "vision-encoder-decoder", "HFCaptioner"),
    ],
)
def test_checkpoints_resolve_through_hf_handle(name: str, family: str, adapter: str) -> None:
    spec = ModelSpec.parse(f"ref:{name}")
    handle = REFERENCE.resolve(spec)
    folder = bundled_models()[name].folder()
    same = hf_handle(str(folder), ModelSpec.parse(f"hf:{folder}"))
    assert isinstance(handle, HFHandle)
    assert handle.spec == spec
    assert handle.location.folder == folder.resolve() == same.location.folder
    assert handle.family == same.family and handle.family.name == family
    assert handle.adapter_class is same.adapter_class
    assert handle.adapter_class.__name__ == adapter


def _images(task: str, n: int) -> list[Any]:
    from bench.data.shapes import load_split

    return [load_split(task, "test")[i]["image"].convert("RGB") for i in range(n)]


def test_ref_clip_and_hf_path_load_the_same_model() -> None:
    folder = bundled_models()["shapes-clip"].folder()
    ref = REFERENCE.resolve(ModelSpec.parse("ref:shapes-clip")).load(CPU)
    hf = hf_handle(str(folder), ModelSpec.parse(f"hf:{folder}")).load(CPU)
    assert isinstance(ref, ImageTextEmbedder)
    assert ref.fingerprint() == hf.fingerprint()
    images = _images("retrieval", 4)
    texts = ["a red circle", "two shapes: a blue square and a green cross"]
    np.testing.assert_array_equal(ref.embed_images(images), hf.embed_images(images))
    np.testing.assert_array_equal(ref.embed_texts(texts), hf.embed_texts(texts))


@pytest.mark.slow
def test_ref_generators_caption_and_answer() -> None:
    from bench.data.shapes import load_split

    captioner = REFERENCE.resolve(ModelSpec.parse("ref:shapes-captioner")).load(CPU)
    vqa = REFERENCE.resolve(ModelSpec.parse("ref:shapes-vqa")).load(CPU)
    assert isinstance(captioner, Generator) and isinstance(vqa, Generator)
    (caption,) = captioner.generate(_images("captioning", 1), [""], max_new_tokens=32)
    assert caption.strip() and len(caption.split()) <= 32
    rows = load_split("vqa", "test").select(range(40))
    answers = vqa.generate(
        [r["image"].convert("RGB") for r in rows], list(rows["question"]), max_new_tokens=8
    )
    # answers are short strings; most match the canonical answer
    assert all(0 < len(a.split()) <= 3 for a in answers)
    right = np.mean([a == r for a, r in zip(answers, rows["multiple_choice_answer"], strict=True)])
    assert right > 0.5


def _train_batches(n: int, size: int = 50) -> Any:
    from bench.data.shapes import load_split

    rows = load_split("sentiment", "train").select(range(n))
    images = [im.convert("RGB") for im in rows["image"]]
    for start in range(0, n, size):
        end = start + size
        yield LabeledBatch(images[start:end], rows["text"][start:end], rows["label"][start:end])


@pytest.mark.parametrize("fusion", ["early", "cross-attention"])
def test_probe_models_load_over_the_clip_checkpoint(fusion: str) -> None:
    name = (
        "shapes-sentiment-early-fusion"
        if fusion == "early"
        else ("shapes-sentiment-cross-attention")
    )
    handle = REFERENCE.resolve(ModelSpec.parse(f"ref:{name}"))
    assert isinstance(handle, ProbeHandle)
    assert isinstance(handle.base_handle, HFHandle)
    probe = handle.load(CPU)
    assert isinstance(probe, FittableClassifier)
    clip = REFERENCE.resolve(ModelSpec.parse("ref:shapes-clip")).load(CPU)
    assert probe.fingerprint().startswith(clip.fingerprint() + "+probe:")
    probe.fit(_train_batches(150), seed=0)
    assert sorted(probe.labels()) == ["negative", "neutral", "positive"]
    scores = probe.classify(_images("sentiment", 3), ["so grateful for today", "meh", "hating it"])
    assert scores.shape == (3, 3) and np.all(np.isfinite(scores))


def test_cross_attention_fit_is_deterministic_for_a_seed() -> None:
    handle = REFERENCE.resolve(ModelSpec.parse("ref:shapes-sentiment-cross-attention"))
    images = _images("sentiment", 8)
    texts = ["so grateful for today"] * 4 + ["the trip was awful"] * 4
    outputs = []
    for seed in (3, 3, 4):
        probe = handle.load(CPU)
        probe.fit(_train_batches(100), seed=seed)
        outputs.append(probe.classify(images, texts))
    np.testing.assert_array_equal(outputs[0], outputs[1])
    assert not np.array_equal(outputs[0], outputs[2])


def test_bad_specs_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="did you mean 'shapes-clip'"):
        REFERENCE.resolve(ModelSpec.parse("ref:shapes-clp"))
    with pytest.raises(UsageError, match="takes no --model-arg"):
        REFERENCE.resolve(ModelSpec.parse("ref:shapes-sentiment-late-fusion", {"C": "2"}))
    from bench.reference.cross_attention import CrossAttentionProbe

    with pytest.raises(UsageError, match="cannot serve fusion 'early'"):
        CrossAttentionProbe(object(), "ref:shapes-clip", "early", {})
    with pytest.raises(UsageError, match="bundled checkpoint missing"):
        ReferenceProvider(root=tmp_path).resolve(ModelSpec.parse("ref:shapes-clip"))
