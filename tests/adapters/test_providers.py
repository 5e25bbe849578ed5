"""Resolving hf: and openclip: specs: families, offline misses, light imports, fingerprints."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.adapters.base import ModelSpec
from bench.adapters.families import detect_family
from bench.adapters.fingerprint import folder_sha256
from bench.adapters.providers import HUGGING_FACE, OPEN_CLIP, hf_handle
from bench.capabilities import Classifier, Generator, ImageTextEmbedder, capabilities_of
from bench.cli.main import main
from bench.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]


def _family(config: dict[str, object], trust: bool = False) -> str:
    return detect_family(config, source="x", trust_remote_code=trust).name


@pytest.mark.parametrize(
    ("config", "family"),
    [
        ({"model_type": "clip", "architectures": ["CLIPModel"]}, "clip"),
        ({"model_type": "siglip", "architectures": ["SiglipModel"]}, "siglip"),
        ({"model_type": "siglip2", "architectures": ["Siglip2Model"]}, "siglip2"),
        ({"model_type": "blip", "architectures": ["BlipForConditionalGeneration"]}, "blip"),
        ({"model_type": "blip", "architectures": ["BlipForQuestionAnswering"]}, "blip-vqa"),
        ({"model_type": "blip-2", "architectures": ["Blip2ForConditionalGeneration"]}, "blip-2"),
        ({"model_type": "git", "architectures": ["GitForCausalLM"]}, "git"),
        ({"model_type": "vision-encoder-decoder"}, "vision-encoder-decoder"),
        ({"model_type": "vilt", "architectures": ["ViltForQuestionAnswering"]}, "vilt"),
        ({"model_type": "lxmert", "architectures": ["LxmertForQuestionAnswering"]}, "lxmert"),
        ({"model_type": "qwen2_5_vl"}, "qwen2_5_vl"),
        ({"model_type": "smolvlm"}, "smolvlm"),
        ({"model_type": "paligemma"}, "paligemma"),
        ({"model_type": "gemma3", "architectures": ["Gemma3ForConditionalGeneration"]}, "gemma3"),
    ],
)
def test_family_from_config(config: dict[str, object], family: str) -> None:
    assert _family(config) == family


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ({"model_type": "vilt", "architectures": ["ViltForMaskedLM"]}, "ViltForQuestionAnswering"),
        ({"model_type": "lxmert", "architectures": ["LxmertForPreTraining"]}, "answer head"),
        ({"model_type": "bert", "architectures": ["BertModel"]}, "not an image-text model"),
        ({"model_type": "my_vlm", "auto_map": {"AutoModel": "m.M"}}, "--trust-remote-code"),
    ],
)
def test_unsupported_configs_are_refused(config: dict[str, object], needle: str) -> None:
    with pytest.raises(UsageError, match=needle.replace("-", r"\-")):
        _family(config)


def test_remote_code_family_only_with_the_flag() -> None:
    config = {"model_type": "my_vlm", "auto_map": {"AutoModelForImageTextToText": "m.M"}}
    assert _family(config, trust=True) == "my_vlm"


def test_capabilities_are_known_without_loading(tiny_model: Callable[[str], Path]) -> None:
    expected = {
        "clip": ImageTextEmbedder,
        "blip-vqa": Generator,
        "qwen2_vl": Generator,
        "vilt": Classifier,
        "lxmert": Classifier,
    }
    for name, capability in expected.items():
        handle = HUGGING_FACE.resolve(ModelSpec("hf", str(tiny_model(name))))
        assert capabilities_of(handle.adapter_class) == frozenset({capability}), name


def test_hf_handle_serves_other_schemes(tiny_model: Callable[[str], Path]) -> None:
    spec = ModelSpec("ref", "tiny-clip", {"max_length": "8"})
    handle = hf_handle(str(tiny_model("clip")), spec)
    assert handle.spec is spec
    assert handle.family.name == "clip"
    assert handle.settings.max_length == 8


def test_offline_hub_miss_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as info:
        HUGGING_FACE.resolve(ModelSpec("hf", "no-such-org/no-such-model", {"revision": "v2"}))
    message = str(info.value)
    assert "no-such-org/no-such-model" in message
    assert "HF_HUB_OFFLINE=0" in message and "hf:/path/to/model" in message


def test_offline_hub_miss_exits_2_naming_the_id_and_the_fix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["run", "--model", "hf:no-such-org/no-such-model", "--task", "shapes-retrieval"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no-such-org/no-such-model" in err
    assert "HF_HUB_OFFLINE=0" in err and "local folder" in err


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("./no/such/folder", "model folder not found"),
        ("", "needs a model id"),
    ],
)
def test_bad_hf_targets(target: str, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        HUGGING_FACE.resolve(ModelSpec("hf", target))


def test_folder_without_config(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no config\.json"):
        HUGGING_FACE.resolve(ModelSpec("hf", str(tmp_path)))


def test_revision_is_for_hub_ids_only(tiny_model: Callable[[str], Path]) -> None:
    with pytest.raises(UsageError, match="revision"):
        HUGGING_FACE.resolve(ModelSpec("hf", str(tiny_model("clip")), {"revision": "main"}))


def test_unknown_model_arg_fails_at_resolve(tiny_model: Callable[[str], Path]) -> None:
    with pytest.raises(UsageError, match="known: "):
        HUGGING_FACE.resolve(ModelSpec("hf", str(tiny_model("clip")), {"num_beams": "2"}))


@pytest.mark.parametrize("target", ["", "ViT-B-32"])
def test_openclip_spec_shape(target: str) -> None:
    with pytest.raises(UsageError, match="ARCH/PRETRAINED"):
        OPEN_CLIP.resolve(ModelSpec("openclip", target))


def test_listing_and_resolving_import_nothing_heavy(tiny_model: Callable[[str], Path]) -> None:
    code = (
        "import sys\n"
        "from importlib.metadata import entry_points\n"
        "from bench.adapters.base import ModelSpec\n"
        "eps = {e.name: e for e in entry_points(group='modalbench.models')}\n"
        "hf, oc = eps['hf'].load(), eps['openclip'].load()\n"
        "assert list(hf.known_models()) == [] and list(oc.known_models()) == []\n"
        f"h = hf.resolve(ModelSpec('hf', {str(tiny_model('clip'))!r}))\n"
        "oc.resolve(ModelSpec('openclip', 'local-dir:/x'))\n"
        "heavy = [m for m in ('torch', 'transformers', 'open_clip') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "print(h.family.name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clip"


def _independent_folder_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in sorted(["config.json", "model.safetensors", "tokenizer.json"]):
        data = (folder / name).read_bytes()
        digest.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return "sha256:" + digest.hexdigest()


def test_folder_fingerprint_covers_weights_and_config(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "clip"}')
    (folder / "model.safetensors").write_bytes(b"\x00\x01weights")
    (folder / "tokenizer.json").write_text("{}")
    (folder / "README.md").write_text("docs do not count")
    (folder / ".hidden.json").write_text("{}")
    first = folder_sha256(folder)
    assert first == _independent_folder_hash(folder)
    (folder / "README.md").write_text("edited docs")
    assert folder_sha256(folder) == first
    (folder / "model.safetensors").write_bytes(b"\x00\x02weights")
    assert folder_sha256(folder) != first


@pytest.mark.slow
def test_hub_cache_snapshot_loads_offline_with_its_commit(
    tiny_model: Callable[[str], Path], tmp_path: Path
) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--tiny-org--tiny-clip"
    shutil.copytree(tiny_model("clip"), repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    code = (
        "from bench.adapters.base import ModelSpec, LoadOptions\n"
        "from bench.adapters.providers import HUGGING_FACE\n"
        "h = HUGGING_FACE.resolve(ModelSpec('hf', 'tiny-org/tiny-clip'))\n"
        "a = h.load(LoadOptions())\n"
        "print(a.fingerprint())\n"
        "print(a.embed_texts(['a red circle']).shape)\n"
    )
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-2] == f"hf:tiny-org/tiny-clip@{commit}"
    assert lines[-1] == "(1, 8)"


def test_config_json_must_be_an_object(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(["not", "an", "object"]))
    with pytest.raises(UsageError, match="not a JSON object"):
        HUGGING_FACE.resolve(ModelSpec("hf", str(tmp_path)))
