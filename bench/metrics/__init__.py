"""Metrics with the reference implementations' numbers (see docs/metrics.md).

Entry points: :func:`bench.metrics.captioning.caption_metrics`,
:func:`bench.metrics.vqa.vqa_metrics`,
:func:`bench.metrics.retrieval.retrieval_metrics_from_scores` /
:func:`~bench.metrics.retrieval.retrieval_metrics_from_embeddings`,
:func:`bench.metrics.sentiment.classification_metrics` /
:func:`~bench.metrics.sentiment.regression_metrics`. Submodules are imported on demand so
that importing this package stays cheap.
"""
