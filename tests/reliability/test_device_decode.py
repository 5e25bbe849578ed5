"""``--decode``: images read as bytes in workers and decoded by torchvision on the run's
device, against the PIL path, end to end with a tiny open_clip model on JPEG files.

On this CPU-only machine ``gpu`` runs torchvision's CPU decoder through the same code the
CUDA run uses (only ``decode_jpeg``'s device differs; that part is tested where CUDA exists,
in tests/runner/test_gpu_images.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import bench
from bench.errors import UsageError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
import tiny_openclip

CARD = """name = "jpeg-retrieval"
family = "retrieval"
description = "photos of noise"
license = "CC0-1.0"
split = "test"

[source.local]
kind = "jsonl"
[source.local.files]
annotations = "pairs.jsonl"
"""


@pytest.fixture
def jpeg_task(badcases: Path, tmp_path: Path) -> Path:
    """12 JPEG images of assorted sizes (one corrupt), two captions each."""
    rng = np.random.default_rng(0)
    data = tmp_path / "data"
    data.mkdir()
    records = []
    for i in range(12):
        size = (40 + 7 * i, 30 + 5 * (i % 4))
        pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(pixels).save(data / f"{i}.jpg", quality=90)
        records.append({"id": f"img{i}", "image": f"{i}.jpg", "captions": [f"noise {i}", f"{i}"]})
    (data / "5.jpg").write_bytes((data / "5.jpg").read_bytes()[:200])  # cut short
    (data / "pairs.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (badcases / "jpeg-retrieval.toml").write_text(CARD)
    return data


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_openclip.build(tmp_path_factory.mktemp("tiny-clip"))


def run(data: Path, model: str, out: Path, **options: Any) -> Any:
    (record,) = bench.run(
        tasks=[options.pop("task", "jpeg-retrieval")], models=[model], data_dir=data,
        out=out, batch_size=4, num_workers=0, bootstrap=0, progress=False, **options,
    )  # fmt: skip
    return record


def test_device_decode_gives_the_cpu_paths_numbers_and_failures(
    jpeg_task: Path, model_dir: Path, tmp_path: Path
) -> None:
    model = f"openclip:local-dir:{model_dir}"
    on_cpu = run(jpeg_task, model, tmp_path / "cpu", decode="cpu")
    on_device = run(jpeg_task, model, tmp_path / "gpu", decode="gpu")
    assert on_cpu.details["image_decode"] == "cpu"
    assert on_device.details["image_decode"] == "gpu"
    assert on_device.config["decode"] == "gpu"
    # a different decode path is a different prediction: nothing came from the cache
    assert on_device.throughput.cached_items == 0 and on_device.throughput.computed_items > 0
    # the truncated JPEG fails alone, with the CPU path's reason, in both
    cpu_errors = {e.sample_id: e.reason for e in on_cpu.errors}
    device_errors = {e.sample_id: e.reason for e in on_device.errors}
    assert set(cpu_errors) == set(device_errors) == {"img5"}
    assert "truncated or corrupt" in device_errors["img5"]
    # pixels differ by at most one level: the ranks and so the recall agree here
    for name in ("t2i_R@1", "t2i_R@5", "i2t_R@1", "i2t_R@5"):
        assert on_device.metrics[name].value == pytest.approx(on_cpu.metrics[name].value, abs=1e-9)


def test_auto_keeps_the_cpu_path_on_a_cpu_run(
    jpeg_task: Path, model_dir: Path, tmp_path: Path
) -> None:
    record = run(jpeg_task, f"openclip:local-dir:{model_dir}", tmp_path / "auto")
    assert record.config["decode"] == "auto"
    assert record.details["image_decode"] == "cpu"


def test_gpu_decode_refuses_a_model_that_preprocesses_its_own_images(
    jpeg_task: Path, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="--decode gpu: this model's image preprocessing"):
        run(jpeg_task, "badcases:colour-oracle", tmp_path / "r", decode="gpu",
            task="jpeg-retrieval")  # fmt: skip
