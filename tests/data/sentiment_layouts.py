"""Tiny sentiment layouts: MVSA folders, TomBERT TSVs + images, Hateful Memes jsonl + img/."""

from __future__ import annotations

import json
from pathlib import Path

from benchmark_layouts import write_image

#: MVSA-Single label lines (one annotator) and the label the usual rule gives by hand.
MVSA_SINGLE = [
    ("1", "positive,positive", "positive"),
    ("2", "neutral,negative", "negative"),
    ("3", "positive,negative", None),  # modalities disagree: not in the benchmark
    ("4", "neutral,neutral", "neutral"),
    ("5", "negative,neutral", "negative"),
    ("6", "positive,neutral", "positive"),
    ("7", "negative,positive", None),
    ("8", "neutral,positive", "positive"),
    ("9", "negative,negative", "negative"),
    ("10", "positive,positive", "positive"),
    ("11", "neutral,neutral", "neutral"),
    ("12", "positive,positive", "positive"),
]

#: MVSA-Multiple label lines (three annotators) and the label worked out by hand:
#: per modality the label more than half of the annotators gave, then the single rule.
MVSA_MULTIPLE = [
    ("1", "positive,positive\tpositive,neutral\tnegative,positive", "positive"),
    ("2", "neutral,negative\tneutral,negative\tpositive,neutral", "negative"),
    ("3", "positive,neutral\tnegative,neutral\tneutral,positive", None),  # text: no majority
    ("4", "negative,positive\tnegative,positive\tnegative,negative", None),  # pos vs neg
    ("5", "neutral,neutral\tneutral,positive\tnegative,neutral", "neutral"),
    ("6", "positive,negative\tpositive,neutral\tpositive,neutral", "positive"),
    ("7", "negative,negative\tnegative,negative\tnegative,negative", "negative"),
    ("8", "neutral,positive\tpositive,positive\tneutral,positive", "positive"),
    ("9", "positive,positive\tpositive,positive\tneutral,neutral", "positive"),
    ("10", "neutral,neutral\tneutral,neutral\tneutral,neutral", "neutral"),
    ("11", "negative,neutral\tnegative,neutral\tpositive,neutral", "negative"),
] + [
    # Unanimous posts, so that the seeded 8:1:1 split has something in test and dev.
    (str(i), "\t".join([f"{label},{label}"] * 3), label)
    for i, label in zip(range(12, 23), ["negative", "neutral", "positive"] * 4, strict=False)
]


def make_mvsa(root: Path, folder: str, lines: list[tuple[str, str, str | None]]) -> dict:
    """``{folder}/labelResultAll.txt`` + ``{folder}/data/{ID}.txt|.jpg``.

    Returns ``{id: (label, text)}`` for the posts that are part of the benchmark.
    """
    data = root / folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    header = "ID\ttext,image" + ("\ttext,image" * (lines[0][1].count("\t")))
    rows = [header] + [f"{post_id}\t{labels}" for post_id, labels, _ in lines]
    (root / folder / "labelResultAll.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    kept = {}
    for index, (post_id, _, label) in enumerate(lines):
        text = f"Post number {post_id} #mvsa http://t.co/x{post_id}"
        (data / f"{post_id}.txt").write_text(text + "\n", encoding="utf-8")
        write_image(data / f"{post_id}.jpg", index)
        if label is not None:
            kept[post_id] = (label, text)
    return kept


#: TomBERT rows: (index, label 0/1/2, image, sentence with $T$, target).
TWITTER = {
    "train": [
        ("1", "2", "1001.jpg", "Great night with $T$ at the arena !", "Drake"),
        ("2", "0", "1002.jpg", "$T$ lost again , what a mess", "Leeds United"),
        ("3", "1", "1002.jpg", "Leeds United lost again , $T$ reports", "BBC"),
        ("4", "2", "1003.jpg", "RT @ fan : Love this photo of $T$", "Paris"),
    ],
    "dev": [("1", "1", "1001.jpg", "Heading to $T$ tomorrow", "Boston")],
    "test": [
        (
            "1",
            "1",
            "2001.jpg",
            "RT @ OU Football : Follow the official $T$ football page !",
            "Oklahoma",
        ),
        ("2", "2", "2002.jpg", "Crazy hair day ! $T$ is a contender . : )", "Lydia"),
        (
            "3",
            "0",
            "2003.jpg",
            "Egyptian court declares group $T$ a terrorist organisation",
            "Hamas",
        ),
    ],
}


def make_tombert(root: Path, tsv_folder: str, image_folder: str) -> dict[str, list[tuple]]:
    """``{tsv_folder}/{split}.tsv`` (TomBERT header and columns) + ``{image_folder}/``."""
    (root / tsv_folder).mkdir(parents=True, exist_ok=True)
    header = "index\t#1 Label\t#2 ImageID\t#3 String\t#3 String"
    images = sorted({row[2] for rows in TWITTER.values() for row in rows})
    for index, name in enumerate(images):
        write_image(root / image_folder / name, index)
    for split, rows in TWITTER.items():
        lines = [header] + ["\t".join(row) for row in rows]
        (root / tsv_folder / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TWITTER


#: Hateful Memes rows per split: (id, img, label, text).
MEMES = {
    "train": [
        (42953, "img/42953.png", 0, "its their character not their color that matters"),
        (23058, "img/23058.png", 1, "don't be afraid to love again everyone is not like your ex"),
        (13894, "img/13894.png", 0, "putting bows on your pet"),
    ],
    "dev_seen": [(8291, "img/08291.png", 1, "white people is this a shooting range")],
    "test_seen": [
        (16395, "img/16395.png", 1, "handjobs sold seperately"),
        (37405, "img/37405.png", 0, "introducing fidget spinner for women"),
        (94180, "img/94180.png", 1, "happy pride month let's go beat up lesbians"),
        (1765, "img/01765.png", 0, "laughs in [majority of u.s crime rate]"),
    ],
}


def make_hateful_memes(root: Path, folder: str = "hateful_memes") -> dict[str, list[tuple]]:
    """``{folder}/{split}.jsonl`` + ``{folder}/img/*.png``."""
    base = root / folder
    base.mkdir(parents=True, exist_ok=True)
    index = 0
    for split, rows in MEMES.items():
        lines = []
        for meme_id, img, label, text in rows:
            lines.append(json.dumps({"id": meme_id, "img": img, "label": label, "text": text}))
            write_image(base / img, index, fmt="PNG")
            index += 1
        (base / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return MEMES


def make_clmlf_split(root: Path, folder: str, splits: dict[str, list[str]]) -> None:
    """CLMLF's published split files: ``dataset/data/{folder}/10-flod-1/{split}.json``."""
    base = root / "dataset" / "data" / folder / "10-flod-1"
    base.mkdir(parents=True, exist_ok=True)
    for split, ids in splits.items():
        entries = [{"id": i, "text": f"post {i}", "emotion_label": 0} for i in ids]
        (base / f"{split}.json").write_text(json.dumps(entries, indent=2), encoding="utf-8")
