"""The reference model manifest: the bundled entries and the checks on malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import UsageError
from bench.reference.manifest import CHECKPOINTS_DIR, bundled_models, read_manifest

EXPECTED = {
    "shapes-clip": ("checkpoint", ("shapes-retrieval", "shapes-sentiment")),
    "shapes-captioner": ("checkpoint", ("shapes-captioning",)),
    "shapes-vqa": ("checkpoint", ("shapes-vqa",)),
    "shapes-sentiment-early-fusion": ("probe", ("shapes-sentiment",)),
    "shapes-sentiment-late-fusion": ("probe", ("shapes-sentiment",)),
    "shapes-sentiment-hybrid-fusion": ("probe", ("shapes-sentiment",)),
    "shapes-sentiment-cross-attention": ("probe", ("shapes-sentiment",)),
    "shapes-sentiment-text-only": ("probe", ("shapes-sentiment",)),
    "shapes-sentiment-image-only": ("probe", ("shapes-sentiment",)),
}


def test_bundled_manifest_lists_every_reference_model() -> None:
    models = bundled_models()
    assert {n: (m.kind, m.intended_tasks) for n, m in models.items()} == EXPECTED
    for model in models.values():
        if model.kind == "checkpoint":
            assert (model.folder() / "config.json").is_file(), model.name
            assert model.folder().parent == CHECKPOINTS_DIR
        else:
            assert model.probe is not None and model.probe.base == "shapes-clip"
            assert set(model.capabilities) == {"Classifier", "FittableClassifier"}
    fusions = {m.probe.fusion for m in models.values() if m.probe is not None}
    assert fusions == {"early", "late", "hybrid", "cross-attention", "text", "image"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(text)
    return path


CLIP = """
[[model]]
name = "clip"
description = "d"
kind = "checkpoint"
checkpoint = "clip"
capabilities = ["ImageTextEmbedder"]
"""


def test_probe_options_are_kept_apart_from_base_and_fusion(tmp_path: Path) -> None:
    text = (
        CLIP
        + """
[[model]]
name = "p"
description = "d"
kind = "probe"
[model.probe]
base = "clip"
fusion = "early"
C = 0.5
"""
    )
    models = read_manifest(_write(tmp_path, text))
    probe = models["p"].probe
    assert probe is not None and (probe.base, probe.fusion) == ("clip", "early")
    assert dict(probe.options) == {"C": 0.5}
    assert models["p"].intended_tasks == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[model]]\nname='x'\ndescription='d'\nkind='weird'\n", "field 'kind'"),
        ("[[model]]\nname='x'\ndescription='d'\nkind='checkpoint'\n", "field 'checkpoint'"),
        ("[[model]]\ndescription='d'\nkind='checkpoint'\n", "field 'name'"),
        (CLIP + CLIP, "listed twice"),
        (
            "[[model]]\nname='p'\ndescription='d'\nkind='probe'\n"
            "[model.probe]\nbase='nothing'\nfusion='early'\n",
            "needs checkpoint model 'nothing'",
        ),
        ("[[model]]\nname='p'\ndescription='d'\nkind='probe'\n", "needs a \\[model.probe\\]"),
        (CLIP.replace('["ImageTextEmbedder"]', '"ImageTextEmbedder"'), "list of strings"),
        ("model = 3\n", "expected \\[\\[model\\]\\]"),
        ("[[model]\n", "cannot read"),
    ],
)
def test_malformed_manifests_fail_with_the_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        read_manifest(_write(tmp_path, text))
