"""Random-initialised models of the reference architectures score near chance.

Each architecture is built by the training code (same sizes as the shipped models), left
untrained, saved as a Hugging Face folder and run through the real runner as ``hf:PATH``
on a slice of its task. The trained models clear these bounds by a wide margin (see
docs/reference-models.md), so the metrics tell a trained model from an untrained one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.reference.manifest import bundled_models


@pytest.fixture(scope="module")
def random_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import torch
    from transformers import AutoTokenizer

    from bench.reference.seq2seq import Seq2SeqSettings, build_seq2seq, save_seq2seq
    from bench.reference.train_clip import ClipSettings, build_clip, save_clip

    root = tmp_path_factory.mktemp("random-models")
    tokenizer = AutoTokenizer.from_pretrained(bundled_models()["shapes-clip"].folder())
    torch.manual_seed(0)
    clip = build_clip(ClipSettings(), len(tokenizer))
    save_clip(clip, tokenizer, ClipSettings(), root / "clip")
    folders = {"clip": root / "clip"}
    for name in ("captioner", "vqa"):
        model = build_seq2seq(Seq2SeqSettings(), len(tokenizer), clip.config.vision_config)
        save_seq2seq(model, tokenizer, root / name)
        folders[name] = root / name
    return folders


def _metrics(task: str, folder: Path, out: Path, limit: int) -> dict[str, Any]:
    import bench

    (record,) = bench.run(
        tasks=[task],
        models=[f"hf:{folder}"],
        limit=limit,
        out=out,
        use_cache=False,
        progress=False,
        bootstrap=0,
        num_workers=0,
    )
    return {name: entry.value for name, entry in record.metrics.items()}


@pytest.mark.slow
def test_random_dual_encoder_is_at_chance(
    random_checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    scores = _metrics("shapes-retrieval", random_checkpoints["clip"], tmp_path, limit=200)
    # chance R@1 is 1/200; R@10 is 10/200
    assert scores["t2i_R@1"] < 0.03
    assert scores["t2i_R@10"] < 0.12
    sentiment = _metrics("shapes-sentiment", random_checkpoints["clip"], tmp_path, limit=300)
    # zero-shot with random towers: no better than always answering the majority label
    assert sentiment["macro_f1"] < 0.45


@pytest.mark.slow
def test_random_captioner_is_at_chance(random_checkpoints: dict[str, Path], tmp_path: Path) -> None:
    from bench.errors import RunIncompleteError

    try:
        scores = _metrics("shapes-captioning", random_checkpoints["captioner"], tmp_path, limit=40)
    except RunIncompleteError as exc:
        # A random decoder that never emits a word scores nothing at all: no record is
        # written for it rather than a CIDEr of 0 over 40 failed samples.
        assert "no sample succeeded" in str(exc) and "empty generation" in str(exc)
        return
    assert scores["CIDEr"] < 0.1


@pytest.mark.slow
def test_random_vqa_model_is_at_chance(random_checkpoints: dict[str, Path], tmp_path: Path) -> None:
    from bench.errors import RunIncompleteError

    try:
        scores = _metrics("shapes-vqa", random_checkpoints["vqa"], tmp_path, limit=150)
    except RunIncompleteError as exc:  # a random decoder that answers nothing at all
        assert "no sample succeeded" in str(exc) and "empty generation" in str(exc)
        return
    assert scores["accuracy"] < 0.1
