"""``bench.score``: score a predictions file against references (the ``modalbench score``
command's Python API).

Formats and output keys are DESIGN.md's. Text metrics import no torch (nor pandas or
scikit-learn): the family's metric module is imported only when it is scored.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bench.errors import UsageError
from bench.metrics.base import MetricSuite, confidence_entries
from bench.metrics.inputs import Source

Family = Literal["captioning", "vqa", "retrieval", "sentiment"]
FAMILIES: tuple[str, ...] = ("captioning", "vqa", "retrieval", "sentiment")


@dataclass(frozen=True)
class ScoreReport:
    """Metric values (fractions, not percentages), their 95% bootstrap CIs and details.

    Attributes:
        values: metric name -> value (NaN when undefined, e.g. AUROC with one class).
        ci: metric name -> (low, high) percentile-bootstrap bounds (None when undefined).
        details: counts, breakdowns, skipped metrics, bootstrap settings...
        suite: the underlying per-sample statistics.
    """

    values: dict[str, float]
    ci: dict[str, tuple[float | None, float | None]]
    details: dict[str, Any]
    suite: MetricSuite | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's ``--json`` object: metric keys with numeric values, rest in details.

        An undefined value (NaN) is ``null``.
        """
        out: dict[str, Any] = {k: (v if math.isfinite(v) else None) for k, v in self.values.items()}
        details = dict(self.details)
        details["ci95"] = {k: list(v) for k, v in self.ci.items()}
        out["details"] = details
        return out


def _suite(
    family: str,
    predictions: Source,
    references: Source,
    metrics: Collection[str] | None,
    tokenizer: str,
) -> MetricSuite:
    if family == "captioning":
        from bench.metrics.captioning import caption_metrics
        from bench.metrics.formats import parse_captioning

        cap = parse_captioning(predictions, references)
        try:
            return caption_metrics(
                cap.references,
                cap.predictions,
                metrics=metrics,
                tokenizer="java" if tokenizer == "java" else "python",
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    if family == "vqa":
        from bench.metrics.formats import parse_vqa
        from bench.metrics.vqa import vqa_metrics

        vqa = parse_vqa(predictions, references)
        suite = vqa_metrics(
            vqa.answers,
            vqa.predictions,
            answer_types=vqa.answer_types or None,
            question_types=vqa.question_types or None,
            answer_keys=vqa.answer_keys or None,
        )
        return _vqa_clusters(suite, vqa.image_ids)
    if family == "retrieval":
        from bench.metrics.formats import parse_retrieval
        from bench.metrics.retrieval import retrieval_metrics_from_scores

        ret = parse_retrieval(predictions, references)
        suite = retrieval_metrics_from_scores(
            ret.scores,
            ret.text_to_image,
            failed_texts=ret.failed_texts,
            failed_images=ret.failed_images,
        )
        # The unit of resampling is the image: the captions of one image move together.
        return suite.with_clusters("text", [str(i) for i in ret.text_to_image], by="image")
    if family == "sentiment":
        return _sentiment(predictions, references)
    raise UsageError(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}")


def _vqa_clusters(suite: MetricSuite, image_ids: Mapping[str, str] | None) -> MetricSuite:
    """Questions resampled by image when every annotation names its ``image_id``.

    ``image_ids`` is question id -> image id from the annotations; without it (or with a
    question lacking one) questions are resampled as independent, and ``details`` says so.
    """
    questions = suite.ids["question"]
    if image_ids and all(q in image_ids for q in questions):
        return suite.with_clusters("question", [image_ids[q] for q in questions], by="image")
    return replace(suite, details={**suite.details, "resampling": "independent questions"})


def _sentiment(predictions: Source, references: Source) -> MetricSuite:
    from bench.metrics.formats import parse_sentiment
    from bench.metrics.sentiment import classification_metrics, regression_metrics

    sent = parse_sentiment(predictions, references)
    try:
        if sent.regression:
            suite = regression_metrics(sent.gold, sent.predicted)
        else:
            suite = classification_metrics(
                sent.gold, sent.predicted, sent.labels, positive_scores=sent.scores
            )
    except ValueError as exc:
        raise UsageError(f"sentiment: {exc}") from exc
    details = dict(suite.details)
    details["missing_predictions"] = len(sent.missing)
    details["missing_prediction_ids"] = sent.missing[:20]
    details["reading"] = sent.reading
    return MetricSuite(ids={"example": tuple(sent.ids)}, metrics=suite.metrics, details=details)


def score(
    family: str,
    predictions: Source,
    references: Source,
    *,
    metrics: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    tokenizer: str = "python",
) -> ScoreReport:
    """Score ``predictions`` against ``references`` for one task family.

    Args:
        family: ``captioning``, ``vqa``, ``retrieval`` or ``sentiment``.
        predictions, references: file paths or already-loaded objects in DESIGN.md's formats.
        metrics: only these output keys (all by default); unknown names are a UsageError.
        bootstrap: resamples for the 95% CIs (0 disables them).
        seed: bootstrap seed (the same resamples are shared by the metrics of one unit, and
            ``run`` with the same seed draws the same ones: see
            :func:`bench.metrics.base.confidence_entries`).
        tokenizer: captioning only, ``python`` or ``java``.

    Raises:
        UsageError: bad input, naming the file and JSON path of the first bad item.
    """
    if family not in FAMILIES:
        raise UsageError(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}")
    if bootstrap < 0:
        raise UsageError("--bootstrap must be >= 0")
    wanted = [m.strip() for m in metrics if m.strip()] if metrics is not None else None
    suite = _suite(
        family, predictions, references, wanted if family == "captioning" else None, tokenizer
    )
    chosen = list(suite.metrics)
    if wanted is not None and family != "captioning":
        names = {m.name.lower(): m for m in suite.metrics}
        unknown = [w for w in wanted if w.lower() not in names]
        if unknown:
            raise UsageError(
                f"unknown {family} metric {unknown[0]!r}; choose from "
                f"{', '.join(m.name for m in suite.metrics)}"
            )
        keep = {w.lower() for w in wanted}
        chosen = [m for m in suite.metrics if m.name.lower() in keep]
    entries = confidence_entries(
        replace(suite, metrics=tuple(chosen)), resamples=bootstrap, seed=seed
    )
    values = {name: e.value for name, e in entries.items()}
    ci = {name: (e.ci_low, e.ci_high) for name, e in entries.items()}
    details = dict(suite.details)
    details["higher_is_better"] = {m.name: m.higher_is_better for m in chosen}
    details["bootstrap"] = {
        "resamples": bootstrap,
        "seed": seed,
        "level": 0.95,
        "dropped_resamples": {n: e.dropped for n, e in entries.items() if e.dropped},
        "resampled_by": {
            m.unit: (suite.clusters[m.unit].by if m.unit in suite.clusters else m.unit)
            for m in chosen
        },
    }
    return ScoreReport(values, ci, details, suite)
