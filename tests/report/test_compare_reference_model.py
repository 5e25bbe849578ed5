"""The regression gate on a real model: ``ref:shapes-clip`` against a weight-perturbed copy.

Both runs go through the whole pipeline (``bench.run`` on the shapes retrieval task), so
the records and per-sample files ``compare`` reads are the runner's own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

import bench
from bench.cli.main import main
from bench.reference.manifest import CHECKPOINTS_DIR

CHECKPOINT = CHECKPOINTS_DIR / "shapes-clip"
LIMIT = 200  # images; 5 captions each

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHECKPOINT / "config.json").is_file(),
        reason="the bundled ref:shapes-clip checkpoint is not built "
        "(modalbench train-reference --install)",
    ),
]


def perturbed_copy(source: Path, target: Path, *, scale: float, seed: int) -> Path:
    """A copy of a Hugging Face folder whose float weights get Gaussian noise of ``scale``
    times each tensor's standard deviation."""
    shutil.copytree(source, target)
    generator = torch.Generator().manual_seed(seed)
    for path in sorted(target.glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata()
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
        noisy = {}
        for key, tensor in tensors.items():
            if tensor.is_floating_point() and tensor.numel() > 1:
                noise = torch.randn(tensor.shape, generator=generator) * tensor.float().std()
                tensor = (tensor.float() + scale * noise).to(tensor.dtype)
            noisy[key] = tensor.contiguous()
        save_file(noisy, str(path), metadata=metadata)
    return target


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("gate")
    degraded = perturbed_copy(CHECKPOINT, root / "shapes-clip-noisy", scale=0.5, seed=0)
    folders = {}
    for name, spec in [
        ("base", "ref:shapes-clip"),
        ("again", "ref:shapes-clip"),
        ("degraded", f"hf:{degraded}"),
    ]:
        bench.run(
            tasks=["shapes-retrieval"],
            models=[spec],
            limit=LIMIT,
            out=root / name,
            use_cache=False,
            progress=False,
            device="cpu",
        )
        folders[name] = root / name
    return folders


def test_two_runs_of_the_same_model_pass(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(runs["base"]), str(runs["again"])]) == 0
    assert "**OK** (exit 0)" in capsys.readouterr().out


def test_a_perturbed_copy_fails_and_names_the_metrics(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(runs["base"]), str(runs["degraded"])]) == 1
    first = next(line for line in capsys.readouterr().out.splitlines() if "REGRESSED" in line)
    assert "shapes-retrieval t2i_R@1" in first
    assert "shapes-retrieval i2t_R@1" in first
