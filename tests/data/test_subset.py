"""The seeded, stratified selection rule behind vqav2-lite, the MVSA splits and ``--limit``."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from card_helpers import card

from bench.data.cards import SourceSpec
from bench.data.sources.subset import apply_subset, quotas, rank_key, stratified_parts
from bench.data.subset import subset_indices
from bench.errors import UsageError
from bench.tasking import DataOptions
from bench.types import Sample
from modalbench_tasks.common import load_task_data


def sha(seed: int, sample_id: str) -> str:
    """The documented ranking key, computed independently of the code under test."""
    return hashlib.sha256(f"{seed}:{sample_id}".encode()).hexdigest()


def test_rank_key_is_the_documented_hash() -> None:
    assert rank_key("262148000", 0) == sha(0, "262148000")
    assert rank_key("262148000", 1) != rank_key("262148000", 0)


def test_quotas_largest_remainder_hand_worked() -> None:
    # 5 of 20: exact 2.5 / 1.5 / 1.0 -> floors 2, 1, 1; the one left goes to the largest
    # remainder, tied between yes/no and number: the larger stratum (yes/no) wins.
    assert quotas({"yes/no": 10, "number": 6, "other": 4}, 5) == {
        "yes/no": 3,
        "number": 1,
        "other": 1,
    }
    # Equal sizes and remainders: the name breaks the tie.
    assert quotas({"b": 1, "a": 1}, 1) == {"a": 1, "b": 0}


def test_quotas_for_vqav2_lite_match_the_card_comment() -> None:
    # VQAv2 val answer types: 80,541 / 28,134 / 105,679 (214,354 questions). Exact shares of
    # 5,000: 1878.67 / 656.25 / 2465.08 -> 1,879 / 656 / 2,465.
    assert quotas({"yes/no": 80541, "number": 28134, "other": 105679}, 5000) == {
        "yes/no": 1879,
        "number": 656,
        "other": 2465,
    }


def test_quotas_refuse_more_than_there_is() -> None:
    with pytest.raises(UsageError, match="7"):
        quotas({"a": 3, "b": 3}, 7)


def test_stratified_parts_take_the_smallest_hashes_per_stratum() -> None:
    a_ids = [f"a{i}" for i in range(6)]
    b_ids = [f"b{i}" for i in range(4)]
    items = [(i, "A") for i in a_ids] + [(i, "B") for i in b_ids]
    parts = stratified_parts(items, {"test": 5}, seed=3)
    # 5 of 10 with 6/4: quotas 3 and 2.
    expected = set(sorted(a_ids, key=lambda i: sha(3, i))[:3])
    expected |= set(sorted(b_ids, key=lambda i: sha(3, i))[:2])
    assert {i for i, part in parts.items() if part == "test"} == expected
    assert {i for i, part in parts.items() if part == "rest"} == set(a_ids + b_ids) - expected


def test_parts_are_filled_in_order_and_never_overlap() -> None:
    items = [(f"p{i}", ["neg", "neu", "pos"][i % 3]) for i in range(30)]
    parts = stratified_parts(items, {"test": 3, "dev": 3}, seed=0, rest="train")
    by_part: dict[str, list[str]] = {}
    for sample_id, part in parts.items():
        by_part.setdefault(part, []).append(sample_id)
    assert sorted(len(v) for v in by_part.values()) == [3, 3, 24]
    # One of each label in test and in dev (10 per label: quota 1 each), and the dev pick
    # is the second-smallest hash of its label.
    for label in ("neg", "neu", "pos"):
        ranked = sorted((i for i, s in items if s == label), key=lambda i: sha(0, i))
        assert parts[ranked[0]] == "test"
        assert parts[ranked[1]] == "dev"


def test_selection_does_not_depend_on_input_order() -> None:
    items = [(f"q{i}", "x" if i % 4 else "y") for i in range(40)]
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    assert stratified_parts(items, {"s": 7}, seed=0) == stratified_parts(shuffled, {"s": 7}, seed=0)


def test_too_many_requested_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="cannot take 5"):
        stratified_parts([("a", "x"), ("b", "x")], {"test": 5}, seed=0)


def _vqa_sample(qid: str, answer_type: str) -> Sample:
    return Sample(id=qid, image=Path("x.jpg"), text="?", meta={"answer_type": answer_type})


def test_apply_subset_keeps_input_order_and_the_rule() -> None:
    samples = [
        _vqa_sample("262148000", "other"),
        _vqa_sample("262148001", "other"),
        _vqa_sample("393225000", "yes/no"),
        _vqa_sample("393225001", "number"),
    ]
    spec = SourceSpec("local", "vqa-official", {"subset": {"size": 2, "stratify": "answer_type"}})
    chosen = apply_subset(spec, samples)
    # 2 of 4 with other 2 / yes/no 1 / number 1: exact 1.0 / 0.5 / 0.5 -> other 1, then the
    # tie between the two size-1 types goes to the name first in order: "number".
    other = min(["262148000", "262148001"], key=lambda i: sha(0, i))
    assert [s.id for s in chosen] == [other, "393225001"]


def test_apply_subset_without_a_subset_keeps_everything() -> None:
    samples = [_vqa_sample("1", "other"), _vqa_sample("2", "number")]
    assert apply_subset(SourceSpec("local", "vqa-official", {}), samples) == samples
    big = SourceSpec("local", "vqa-official", {"subset": {"size": 10}})
    assert apply_subset(big, samples) == samples


@pytest.mark.parametrize(
    "subset",
    [{"size": 0}, {"size": "10"}, {"size": 2, "seed": "x"}, {"size": 2, "stratify": 3}, 5],
)
def test_bad_subset_tables_name_the_field(subset: object) -> None:
    spec = SourceSpec("hub", "hf-datasets", {"subset": subset})
    with pytest.raises(UsageError, match=r"source\.hub\.subset"):
        apply_subset(spec, [_vqa_sample("1", "other")])


# --limit: the same rule, seeded by the run's --seed, stratified the way the card says.


def sorted_split() -> list[Sample]:
    """60 'yes/no' questions then 30 'number' then 10 'other': a file sorted by type."""
    types = ["yes/no"] * 60 + ["number"] * 30 + ["other"] * 10
    return [_vqa_sample(f"q{i}", t) for i, t in enumerate(types)]


def test_limit_keeps_each_answer_type_share() -> None:
    samples = sorted_split()
    picked = subset_indices(samples, 10, seed=0, stratify="meta.answer_type")
    # 10 of 100 in shares 60/30/10: exactly 6, 3 and 1 (the first 10 rows are all yes/no),
    # inside each type the ids with the smallest documented hash
    chosen = {samples[i].id for i in picked}
    expected: set[str] = set()
    for kind, quota in (("yes/no", 6), ("number", 3), ("other", 1)):
        ids = [s.id for s in samples if s.meta["answer_type"] == kind]
        expected |= set(sorted(ids, key=lambda i: sha(0, i))[:quota])
    assert chosen == expected
    assert picked == sorted(picked)


def test_limit_same_seed_same_rows_other_seed_other_rows() -> None:
    samples = sorted_split()
    first = subset_indices(samples, 20, seed=0, stratify="meta.answer_type")
    assert subset_indices(samples, 20, seed=0, stratify="meta.answer_type") == first
    assert subset_indices(samples, 20, seed=1, stratify="meta.answer_type") != first
    assert first != list(range(20))


def test_limit_label_strata_and_plain_random() -> None:
    samples = [Sample(f"s{i}", None, label="pos" if i < 80 else "neg") for i in range(100)]
    picked = subset_indices(samples, 10, seed=0, stratify="label")
    assert Counter(samples[i].label for i in picked) == {"pos": 8, "neg": 2}
    random_rows = subset_indices(samples, 10, seed=0, stratify="none")
    expected = sorted(range(100), key=lambda i: sha(0, f"s{i}"))[:10]
    assert random_rows == sorted(expected)


def test_limit_above_the_split_keeps_every_row() -> None:
    samples = sorted_split()
    assert subset_indices(samples, 500, seed=0, stratify="label") == list(range(100))


def test_shapes_vqa_limit_is_recorded_and_stratified() -> None:
    vqa = card("shapes-vqa")
    full = load_task_data(vqa, DataOptions())
    data = load_task_data(vqa, DataOptions(limit=50, seed=0))
    assert not full.limited and full.subset is None
    assert data.limited
    assert data.subset == {
        "rule": "seeded-stratified",
        "stratify": "meta.answer_type",
        "seed": 0,
        "n": 50,
        "of": 1000,
    }
    share = Counter(s.meta["answer_type"] for s in full.samples)
    picked = Counter(s.meta["answer_type"] for s in data.samples)
    for kind, count in share.items():
        assert abs(picked[kind] - 50 * count / 1000) < 1
    assert [s.id for s in data.samples] != [s.id for s in full.samples[:50]]
    again = load_task_data(vqa, DataOptions(limit=50, seed=0))
    assert again.fingerprint == data.fingerprint != full.fingerprint


def test_card_names_its_limit_stratification() -> None:
    vqa = card("shapes-vqa")
    plain = replace(vqa, task_options={**vqa.task_options, "limit_stratify": "none"})
    data = load_task_data(plain, DataOptions(limit=30, seed=0))
    assert data.subset is not None and data.subset["rule"] == "seeded-random"
    bad = replace(vqa, task_options={**vqa.task_options, "limit_stratify": "answer_type"})
    with pytest.raises(UsageError, match=r"task\.limit_stratify"):
        load_task_data(bad, DataOptions(limit=30))
