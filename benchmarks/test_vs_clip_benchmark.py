"""modalbench side by side with CLIP_benchmark: same model, same files, same recall@k.

One local image-caption folder serves both tools: JPEG images and a Flickr-style
``image,caption`` annotation file, which CLIP_benchmark reads as its ``flickr8k`` dataset
(``--dataset_root`` + ``--annotation_file``) and modalbench reads through a one-card
``jsonl`` source. The images and captions come from shapes-retrieval; a caption text that
already belongs to another image is dropped, so no two texts tie exactly (the tools break
exact ties differently, which is not what this compares).

Both tools load the same tiny open_clip weights (CLIP_benchmark as ``--model NAME
--pretrained FILE``, modalbench as ``openclip:local-dir:``), run in fp32 (``--no_amp``) on
CPU with the same batch size and loader workers, in this process, alternating which goes
first; each timing covers loading the model and the data, embedding, and scoring
(modalbench also computes bootstrap CIs and writes its run folder). Printed: both
recall@k tables (as hit counts) and both wall times.

    python -m pytest benchmarks/test_vs_clip_benchmark.py
"""

from __future__ import annotations

import io
import os
import statistics
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from runner_support import cpu_seconds, register_cards, report, timed, tiny_openclip

import bench
from bench.registry import build_task
from bench.runner.loader import default_workers
from bench.tasking import DataOptions

N_IMAGES = 400
BATCH = 64
ROUNDS = int(os.environ.get("MODALBENCH_BENCH_ROUNDS", "4"))
KS = (1, 5, 10)
CARD = """name = "clipbench-folder"
family = "retrieval"
description = "shapes-retrieval images as JPEG + a Flickr-style caption file"
license = "CC0-1.0"
split = "test"

[source.local]
kind = "jsonl"
[source.local.files]
annotations = "captions.csv"
"""


def write_folder(root: Path) -> tuple[int, int]:
    """Export shapes-retrieval images and unique captions; returns (images, captions)."""
    samples = build_task("shapes-retrieval").load(DataOptions(limit=N_IMAGES)).samples
    (root / "images").mkdir(parents=True)
    seen: set[str] = set()
    lines = ["image,caption"]
    images = 0
    for sample in samples:
        captions = [c for c in dict.fromkeys(sample.references) if c not in seen and "," not in c]
        if not captions:
            continue
        seen.update(captions)
        name = f"images/{sample.id}.jpg"
        assert isinstance(sample.image, bytes)
        Image.open(io.BytesIO(sample.image)).convert("RGB").save(root / name, quality=95)
        lines.extend(f"{name},{caption}" for caption in captions)
        images += 1
    (root / "captions.csv").write_text("\n".join(lines) + "\n")
    return images, len(lines) - 1


def _images_and_caption_lists(batch: list[tuple[Any, list[str]]]) -> tuple[Any, list[Any]]:
    """Stack the images, keep each image's captions as a list (as ``clip_benchmark eval``)."""
    import torch

    return torch.stack([image for image, _ in batch]), [captions for _, captions in batch]


def run_clip_benchmark(root: Path, model: Any, workers: int) -> dict[str, float]:
    """What ``clip_benchmark eval --dataset flickr8k --task zeroshot_retrieval`` runs.

    Its command-line module imports an undeclared dependency (``requests``, for
    ImageNet-V2), so the same steps are called directly: ``load_clip``, the ``Flickr``
    dataset over ``--dataset_root`` / ``--annotation_file``, a DataLoader with the CLI's
    batch size and workers, and ``zeroshot_retrieval.evaluate`` with ``--no_amp``.
    """
    import torch
    from clip_benchmark.datasets.flickr import Flickr
    from clip_benchmark.metrics import zeroshot_retrieval
    from clip_benchmark.models import load_clip

    torch.manual_seed(0)
    clip, transform, tokenizer = load_clip(
        model_type="open_clip",
        model_name=model.name,
        pretrained=str(model.weights),
        cache_dir=None,
        device="cpu",
    )
    clip.eval()
    dataset = Flickr(root=str(root), ann_file=str(root / "captions.csv"), transform=transform)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=BATCH,
        shuffle=False,
        num_workers=workers,
        collate_fn=_images_and_caption_lists,
    )
    metrics: dict[str, float] = zeroshot_retrieval.evaluate(
        clip, loader, tokenizer, recall_k_list=list(KS), device="cpu", amp=False
    )
    return metrics


def test_same_recall_and_not_slower_than_clip_benchmark(
    benchmark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tiny_openclip(tmp_path / "models")
    root = tmp_path / "folder"
    n_images, n_texts = write_folder(root)
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "clipbench-folder.toml").write_text(CARD)
    register_cards(tmp_path / "site", tmp_path / "cards")
    workers = default_workers()
    options = {
        "data_dir": root,
        "batch_size": BATCH,
        "num_workers": workers,
        "use_cache": False,
        "progress": False,
        "device": "cpu",
        "dtype": "fp32",
    }

    ours_times: list[float] = []
    theirs_times: list[float] = []
    ours_cpu: list[float] = []
    theirs_cpu: list[float] = []
    results: dict[str, Any] = {}

    def ours() -> None:
        out = tmp_path / f"mb{len(ours_times)}"
        cpu = cpu_seconds()
        seconds, records = timed(
            lambda: bench.run(tasks=["clipbench-folder"], models=[model.spec], out=out, **options)
        )
        ours_cpu.append(cpu_seconds() - cpu)
        ours_times.append(seconds)
        results["ours"] = records[0]

    def theirs() -> None:
        cpu = cpu_seconds()
        seconds, metrics = timed(lambda: run_clip_benchmark(root, model, workers))
        theirs_cpu.append(cpu_seconds() - cpu)
        theirs_times.append(seconds)
        results["theirs"] = metrics

    ours()  # warm-up of both (imports, first model creation), not timed below
    theirs()
    for figures in (ours_times, theirs_times, ours_cpu, theirs_cpu):
        figures.clear()

    def one_round() -> None:
        first, second = (ours, theirs) if len(ours_times) % 2 == 0 else (theirs, ours)
        first()
        second()

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    record, metrics = results["ours"], results["theirs"]
    lines = [f"{n_images} images, {n_texts} captions; batch {BATCH}, {workers} loader workers"]
    for k in KS:
        t2i_ours = round(record.metrics[f"t2i_R@{k}"].value * n_texts)
        t2i_theirs = round(metrics[f"image_retrieval_recall@{k}"] * n_texts)
        i2t_ours = round(record.metrics[f"i2t_R@{k}"].value * n_images)
        i2t_theirs = round(metrics[f"text_retrieval_recall@{k}"] * n_images)
        lines.append(
            f"R@{k}: t2i hits modalbench {t2i_ours} / CLIP_benchmark {t2i_theirs}; "
            f"i2t hits {i2t_ours} / {i2t_theirs}"
        )
        assert (t2i_ours, i2t_ours) == (t2i_theirs, i2t_theirs)
    ours_s, theirs_s = min(ours_times), min(theirs_times)
    median_ratio = statistics.median(ours_times) / statistics.median(theirs_times)
    cpu_ratio = statistics.median(ours_cpu) / statistics.median(theirs_cpu)
    lines.append(f"wall s: modalbench {', '.join(f'{t:.2f}' for t in ours_times)}")
    lines.append(f"        CLIP_benchmark {', '.join(f'{t:.2f}' for t in theirs_times)}")
    lines.append(f"cpu s:  modalbench {', '.join(f'{t:.2f}' for t in ours_cpu)}")
    lines.append(f"        CLIP_benchmark {', '.join(f'{t:.2f}' for t in theirs_cpu)}")
    lines.append(
        f"fastest modalbench / fastest CLIP_benchmark = {ours_s / theirs_s:.3f} "
        f"(target <= 1: {'met' if ours_s <= theirs_s else 'NOT met'}); "
        f"median ratio {median_ratio:.3f}; CPU-time ratio {cpu_ratio:.3f}"
    )
    benchmark.extra_info.update(
        {
            "modalbench_s": ours_times,
            "clip_benchmark_s": theirs_times,
            "modalbench_cpu_s": ours_cpu,
            "clip_benchmark_cpu_s": theirs_cpu,
            "ratio": ours_s / theirs_s,
            "median_ratio": median_ratio,
            "cpu_ratio": cpu_ratio,
        }
    )
    report(capsys, "modalbench vs CLIP_benchmark (same model, same folder)", lines)
