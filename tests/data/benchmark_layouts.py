"""Tiny copies of each benchmark's original distribution layout, written by the tests.

Every builder writes real files (JSON, TSV, jsonl, text, JPEG/PNG images made with
Pillow) in the exact folder structure the dataset cards expect, and returns the facts a
test checks against: the ids, references and labels written, in order. The values are
chosen by hand so that expected results can be worked out without running the readers.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

PALETTE = [(200, 30, 30), (30, 160, 40), (40, 60, 200), (220, 200, 40), (120, 40, 160), (0, 0, 0)]


def write_image(path: Path, index: int, fmt: str = "JPEG") -> Path:
    """A small solid-colour photo with a white square whose position depends on ``index``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (32, 24), PALETTE[index % len(PALETTE)])
    x = (index * 5) % 24
    image.paste((255, 255, 255), (x, 4, x + 6, 10))
    image.save(path, fmt)
    return path


def write_json(path: Path, data: object) -> Path:
    """Write ``data`` as JSON (creating folders)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- COCO (Karpathy split + official captions + val2014/) ----------------------------------

#: Karpathy test images (cocoid -> official captions, in annotation-file order).
COCO_TEST = {
    391895: [
        "A man with a red helmet on a small moped on a dirt road.",
        "Man riding a motor bike on a dirt road on the countryside.",
        "A man riding on the back of a motorcycle.",
        "A dirt path with a young person on a motor bike.",
        "A man in a red shirt and a red hat is on a motorcycle on a hill side.",
    ],
    522418: [
        "A woman wearing a net on her head cutting a cake.",
        "A woman cutting a large white sheet cake.",
        "A woman wearing a hair net cutting a large sheet cake.",
        "there is a woman that is cutting a white cake",
        "A woman marking a cake with the back of a chef's knife.",
        "A woman in a kitchen with a sheet cake.",
    ],
    184613: [
        "A child holding a flowered umbrella and petting a yak.",
        "A young man holding an umbrella next to a herd of cattle.",
        "a young boy barefoot holding an umbrella touching the horn of a cow",
        "A young boy with an umbrella who is touching the horn of a cow.",
        "A boy holding an umbrella while standing next to livestock.",
    ],
}
#: Images of other Karpathy splits (must not be read as test).
COCO_OTHER = {318219: "val", 554625: "restval", 397133: "train"}


def coco_file(cocoid: int) -> str:
    """COCO's val2014 file name for an image id."""
    return f"COCO_val2014_{cocoid:012d}.jpg"


def make_coco(root: Path) -> dict[str, list[str]]:
    """``dataset_coco.json`` + ``annotations/captions_val2014.json`` + ``val2014/``.

    The Karpathy ``raw`` sentences deliberately differ from the official captions (lower
    case) so a test can tell which ones a reader used. Returns ``{id: official captions}``
    of the test split, in Karpathy file order.
    """
    images = []
    annotations = []
    ann_id = 1
    all_ids = [*COCO_TEST, *COCO_OTHER]
    for index, cocoid in enumerate(all_ids):
        split = "test" if cocoid in COCO_TEST else COCO_OTHER[cocoid]
        captions = COCO_TEST.get(cocoid, [f"other image {cocoid}"])
        images.append(
            {
                "filepath": "val2014",
                "filename": coco_file(cocoid),
                "imgid": index,
                "split": split,
                "sentences": [{"raw": c.lower(), "tokens": c.split()} for c in captions],
                "cocoid": cocoid,
            }
        )
        write_image(root / "val2014" / coco_file(cocoid), index)
    # The official file lists annotations interleaved across images: order within an
    # image must still be kept.
    longest = max(len(c) for c in COCO_TEST.values())
    for k in range(longest):
        for cocoid, captions in COCO_TEST.items():
            if k < len(captions):
                annotations.append({"image_id": cocoid, "id": ann_id, "caption": captions[k]})
                ann_id += 1
    write_json(root / "dataset_coco.json", {"images": images, "dataset": "coco"})
    write_json(
        root / "annotations" / "captions_val2014.json",
        {"images": [{"id": i} for i in all_ids], "annotations": annotations},
    )
    return {str(cocoid): captions for cocoid, captions in COCO_TEST.items()}


# -- Flickr30k (Karpathy split with raw sentences + flickr30k-images/) ---------------------

FLICKR_TEST = {
    "1007129816": [f"Flickr caption {i} of 1007129816" for i in range(5)],
    "1009434119": [f"Flickr caption {i} of 1009434119" for i in range(5)],
}


def make_flickr(root: Path) -> dict[str, list[str]]:
    """``dataset_flickr30k.json`` + ``flickr30k-images/``; returns test ``{id: captions}``."""
    images = []
    for index, (stem, captions) in enumerate([*FLICKR_TEST.items(), ("1000092795", ["x"])]):
        images.append(
            {
                "filename": f"{stem}.jpg",
                "imgid": index,
                "split": "test" if stem in FLICKR_TEST else "train",
                "sentences": [{"raw": c, "tokens": c.split()} for c in captions],
            }
        )
        write_image(root / "flickr30k-images" / f"{stem}.jpg", index)
    write_json(root / "dataset_flickr30k.json", {"images": images, "dataset": "flickr30k"})
    return dict(FLICKR_TEST)


# -- NoCaps (COCO-format caption file + Open Images validation/) ---------------------------

NOCAPS = {
    0: ("0013ea2087020901", "in-domain"),
    1: ("0023f6cbbbbf5f6b", "near-domain"),
    2: ("003b0b6a3a0a3d6a", "out-domain"),
}


def make_nocaps(root: Path) -> dict[str, list[str]]:
    """``nocaps_val_4500_captions.json`` + ``validation/``; returns ``{id: captions}``."""
    images, annotations = [], []
    expected: dict[str, list[str]] = {}
    for image_id, (oid, domain) in NOCAPS.items():
        images.append(
            {"id": image_id, "file_name": f"{oid}.jpg", "open_images_id": oid, "domain": domain}
        )
        write_image(root / "validation" / f"{oid}.jpg", image_id)
        captions = [f"nocaps caption {k} for {oid}" for k in range(10)]
        expected[str(image_id)] = captions
        for k, caption in enumerate(captions):
            annotations.append({"image_id": image_id, "id": image_id * 10 + k, "caption": caption})
    write_json(
        root / "nocaps_val_4500_captions.json", {"images": images, "annotations": annotations}
    )
    return expected
