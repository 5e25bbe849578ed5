"""Every benchmark card, end to end: tiny original layouts -> ``bench.run`` -> RunRecord.

The models are tiny random Hugging Face checkpoints built offline (the adapters' test
builders), served through ``hf:PATH`` like any user checkpoint: a CLIP for retrieval and
zero-shot sentiment, a BLIP captioner (a Generator) for captioning and VQA. Scores are
meaningless; what is checked is that each card's data flows through the same loading,
batching and scoring code a real run uses, with nothing dropped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from benchmark_layouts import make_coco, make_flickr, make_nocaps
from card_helpers import card, load
from sentiment_layouts import (
    MVSA_MULTIPLE,
    MVSA_SINGLE,
    make_clmlf_split,
    make_hateful_memes,
    make_mvsa,
    make_tombert,
)
from vqa_layouts import make_okvqa, make_textvqa, make_vqav2

import bench
from bench.records.io import find_runs, read_rows

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapters"))
import tiny_captioners
import tiny_dual

#: task -> (tiny model, number of evaluated samples in the fixture).
RUNS = {
    "coco-captioning": ("blip", 3),
    "nocaps-captioning": ("blip", 3),
    "flickr30k-captioning": ("blip", 2),
    "coco-retrieval": ("clip", 3),
    "flickr30k-retrieval": ("clip", 2),
    "vqav2": ("blip", 4),
    "vqav2-lite": ("blip", 4),
    "okvqa": ("blip", 4),
    "textvqa": ("blip", 2),
    "mvsa-single": ("clip", 2),
    "mvsa-multiple": ("clip", 2),
    "twitter2015": ("clip", 3),
    "twitter2017": ("clip", 3),
    "hateful-memes": ("clip", 4),
}
HEADLINE = {
    "captioning": "CIDEr",
    "retrieval": "t2i_R@1",
    "vqa": "accuracy",
    "sentiment": "accuracy",
}


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder holding every benchmark's layout, as a user's --data-dir would."""
    root = tmp_path_factory.mktemp("benchmarks")
    make_coco(root)
    make_flickr(root)
    make_nocaps(root)
    make_vqav2(root)
    make_okvqa(root)
    make_textvqa(root)
    make_mvsa(root, "MVSA_Single", MVSA_SINGLE)
    make_mvsa(root, "MVSA", MVSA_MULTIPLE)
    # CLMLF's published split files, as the cards read them when present.
    make_clmlf_split(root, "MVSA-single", {"test": ["1", "2"], "dev": ["4"], "train": ["5", "6"]})
    make_clmlf_split(root, "MVSA-multiple", {"test": ["1", "2"], "dev": ["5"], "train": ["6"]})
    make_tombert(root, "absa_data/twitter2015", "IJCAI2019_data/twitter2015_images")
    make_tombert(root, "absa_data/twitter", "IJCAI2019_data/twitter2017_images")
    make_hateful_memes(root)
    return root


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """``tiny(name)`` -> the ``hf:`` spec of a tiny checkpoint (built once per module)."""
    builders = {"clip": tiny_dual.build_clip, "blip": tiny_captioners.build_blip}
    built: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in built:
            built[name] = f"hf:{builders[name](tmp_path_factory.mktemp(name))}"
        return built[name]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(RUNS))
def test_card_runs_end_to_end(
    task: str, data_root: Path, tiny: Callable[[str], str], tmp_path: Path
) -> None:
    model, n_samples = RUNS[task]
    the_card = card(task)
    records = bench.run(
        tasks=[task],
        models=[tiny(model)],
        data_dir=data_root,
        limit=50,  # the fixture is smaller than the real split: skip the size check
        out=tmp_path / "results",
        device="cpu",
        batch_size=4,
        num_workers=0,
        bootstrap=0,
        progress=False,
        use_cache=False,
    )
    assert len(records) == 1
    record = records[0]
    assert record.task.name == task and record.task.family == the_card.family
    assert record.task.n_samples == n_samples
    assert record.task.source.startswith(f"local:{the_card.sources['local'].kind}:")
    assert record.task.fingerprint == load(task, data_root, limit=50).fingerprint
    assert record.task.license == the_card.license
    assert HEADLINE[the_card.family] in record.metrics
    assert record.n_failed == 0, record.errors
    rows = read_rows(find_runs(tmp_path / "results")[0])
    assert {row["id"] for row in rows} >= {s.id for s in load(task, data_root, limit=50).samples}
    if task == "hateful-memes":
        assert "auroc" in record.metrics  # binary label set: AUROC beside accuracy
