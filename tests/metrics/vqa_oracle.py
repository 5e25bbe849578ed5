"""A literal, loop-per-question restatement of the official VQA evaluation (test oracle).

Written straight from the script's documented behaviour (see bench/metrics/vqa_normalize.py
for the rules): clean every answer, normalise answers and prediction only when the cleaned
answers disagree, then for each ground-truth answer dict count the *other* dicts equal to
the prediction. It is deliberately unoptimised; the benchmarks also time it as a stand-in
for the official script.
"""

from __future__ import annotations

import re

CONTRACTIONS_SOURCE = "bench.metrics.vqa_normalize"
PUNCT = [
    ";",
    "/",
    "[",
    "]",
    '"',
    "{",
    "}",
    "(",
    ")",
    "=",
    "+",
    "\\",
    "_",
    "-",
    ">",
    "<",
    "@",
    "`",
    ",",
    "?",
    "!",
]
PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")
COMMA_STRIP = re.compile(r"(\d)(\,)(\d)")
MANUAL = {
    "none": "0",
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
}
ARTICLES = ["a", "an", "the"]


def _contractions() -> dict[str, str]:
    from bench.metrics.vqa_normalize import CONTRACTIONS

    return dict(CONTRACTIONS)


def process_punctuation(in_text: str) -> str:
    out_text = in_text
    for p in PUNCT:
        if (p + " " in in_text or " " + p in in_text) or (
            re.search(COMMA_STRIP, in_text) is not None
        ):
            out_text = out_text.replace(p, "")
        else:
            out_text = out_text.replace(p, " ")
    return PERIOD_STRIP.sub("", out_text, re.UNICODE)


def process_digit_article(in_text: str, contractions: dict[str, str]) -> str:
    out = []
    for word in in_text.lower().split():
        word = MANUAL.setdefault(word, word)
        if word not in ARTICLES:
            out.append(word)
    for i, word in enumerate(out):
        if word in contractions:
            out[i] = contractions[word]
    return " ".join(out)


def official_accuracy(answers: list[str], prediction: str) -> float:
    """One question, exactly the script's loop (answers get distinct answer_ids)."""
    contractions = _contractions()
    gts = [{"answer": a, "answer_id": i + 1} for i, a in enumerate(answers)]
    for ans in gts:
        ans["answer"] = ans["answer"].replace("\n", " ").replace("\t", " ").strip()
    res = prediction.replace("\n", " ").replace("\t", " ").strip()
    gt_answers = [ans["answer"] for ans in gts]
    if len(set(gt_answers)) > 1:
        for ans in gts:
            ans["answer"] = process_digit_article(process_punctuation(ans["answer"]), contractions)
        res = process_digit_article(process_punctuation(res), contractions)
    gt_acc = []
    for datum in gts:
        others = [item for item in gts if item != datum]
        matching = [item for item in others if item["answer"] == res]
        gt_acc.append(min(1, float(len(matching)) / 3))
    return float(sum(gt_acc)) / len(gt_acc)
