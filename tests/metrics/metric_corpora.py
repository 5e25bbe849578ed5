"""Seeded generators of caption corpora, VQA answers and score matrices for the metric tests.

The captions imitate COCO references (a subject, an action, a place) and mix in what makes
tokenisation and n-gram metrics differ between tools: mixed case, punctuation, contractions,
possessives, numbers in several forms, abbreviations, quotes, brackets, hyphenated words,
non-ASCII letters and stray whitespace.
"""

from __future__ import annotations

import random

SUBJECTS = [
    "a man",
    "a woman",
    "two dogs",
    "the cat",
    "a young boy",
    "an old lady",
    "three people",
    "a group of kids",
    "the chef",
    "a surfer",
    "a baseball player",
    "two giraffes",
    "a bus",
    "a red truck",
    "some zebras",
    "a little girl",
    "the police officer",
    "a skier",
    "an elephant",
    "a plate of food",
    "a couple",
    "the teddy bear",
    "a horse",
    "several birds",
    "a train",
]
VERBS = [
    "is riding",
    "rides",
    "is sitting on",
    "stands next to",
    "is holding",
    "looks at",
    "is eating",
    "walks across",
    "is flying over",
    "plays with",
    "is parked near",
    "lies on",
    "jumps over",
    "is cutting",
    "waits at",
    "is throwing",
    "carries",
    "crosses",
]
OBJECTS = [
    "a horse",
    "the beach",
    "a wooden bench",
    "a frisbee",
    "the street",
    "a large pizza",
    "a kite",
    "the snowy hill",
    "a tennis racket",
    "the kitchen counter",
    "a skateboard",
    "the green field",
    "an umbrella",
    "a cake",
    "the river",
    "a laptop",
    "the fence",
    "a cup of coffee",
    "the station",
    "a surfboard",
]
PLACES = [
    "in the park",
    "on a sunny day",
    "at night",
    "near the water",
    "in a city street",
    "inside a room",
    "under a tree",
    "by the ocean",
    "in front of a building",
    "on the grass",
]
EXTRAS = [
    "it's raining",
    "they're happy",
    "he isn't",
    "she can't wait",
    "we've seen it",
    "I'm sure",
    "you'll see",
    "that's nice",
    "don't worry",
    "it won't stop",
    "he'd left",
    "the dog's bone",
    "the kids' toys",
    "James's hat",
    "y'all know",
    "o'clock",
    "rock'n'roll",
    "cannot",
    "gonna",
    "wanna",
    "'Tis true",
    "'em",
    "'90s style",
]
NUMBERS = [
    "3",
    "12",
    "100",
    "1,000",
    "2.5",
    ".75",
    "3:30",
    "10:45pm",
    "50%",
    "$5",
    "$12.99",
    "#1",
    "1/2",
    "24/7",
    "2014-05-01",
    "05/01/2014",
    "-5",
    "+3",
    "1st",
    "2nd",
    "3rd",
    "4th",
    "1990s",
    "20-year-old",
    "3x4",
    "½",
    "5 7/8",
    "555-1234",
    "1.2.3",
    "10,000,000",
]
ODDITIES = [
    "Mr. Smith",
    "Dr. Jones",
    "St. Louis",
    "U.S.",
    "e.g.",
    "i.e.",
    "a.m.",
    "p.m.",
    "etc.",
    "Inc.",
    "vs.",
    "Jan. 5",
    "Mt. Fuji",
    "Ph.D.",
    "U.K.",
    "A.B.C.",
    "Ltd.",
    "No. 5",
    "well-known",
    "e-mail",
    "co-op",
    "self-driving",
    "black-and-white",
    "and/or",
    "AT&T",
    "R&D",
    "Q&A",
    "x@y.com",
    "www.example.com",
    "http://example.org/a?b=1",
    "file.txt",
    "#hashtag",
    "@user",
    "C++",
    "F#",
    "A+",
    "naïve",
    "café",
    "Straße",
    "ÉCOLE",
    "Zürich",
    "São Paulo",
    "crème brûlée",
    "日本",
    "Ελλάδα",
    "Москва",
    "(really)",
    "[sic]",
    "{x}",
    "<b>",
    "<br/>",
    "a < b",
    "c > d",
    "5 > 3",
    "*stars*",
    "~tilde",
    "^caret",
    "a|b",
    "back\\slash",
    "under_score",
    "a=b",
    "x+y",
    "&amp;",
    "&lt;",
    "&quot;",
    "it’s",
    "“curly”",
    "‘single’",
    "en – dash",
    "em — dash",
    "wait…",
    "...",
    ". . .",
    "--",
    "---",
    "-----",
    "?!",
    "!!!",
    "??",
    "Yahoo!",
    "E!",
    ":)",
    ";-)",
    "😀",
    "✓",
    "→",
    "€5",
    "£3",
    "¥100",
    "¢",
    "°C",
    "5°",
    "x²",
    "3×4",
    "\u00a0nbsp",
    "zero\u200bwidth",
    "soft\u00adhyphen",
    "Cap'n",
    "pro-choice",
    "anti-war",
    "S&P-500",
    "'80s",
    "D'Angelo",
    "O'Neil",
    "l'amour",
    "c'mon",
    "cont'd",
    "ma'am",
    "ne'er",
    "li'l",
    "e'er",
    "Shi'ite",
    "don'ts",
    "MR. BIG",
    "USA",
    "NYC.",
    "I.",
    "A.",
    "Z.",
    "OK!",
    "e.g.,",
    "etc.,",
    "Inc.;",
    "vs.:",
    "the end.",
    "The End.",
    "'quoted'",
    '"double"',
    "''twice''",
    "``latex''",
    "'s",
    "n't",
    "I'm.",
    "U.S.A.",
]
PUNCT_END = [".", ".", ".", "", "", "!", "?", " .", "...", "!!", "?!", ",", ";", ":"]
JOINERS = [", ", " and ", " while ", " - ", " -- ", "; ", " (", ' "', " ' ", ": ", " / "]


def _case(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return text[:1].upper() + text[1:]
    if roll < 0.65:
        return text.upper()
    if roll < 0.75:
        return text.title()
    return text


def caption(rng: random.Random, *, odd: float = 0.3, oddities: float | None = None) -> str:
    """One caption-like sentence.

    ``odd`` is the chance of inserting a number, a contraction and a joiner; ``oddities``
    (default ``odd``) the chance of one unusual token (URL, abbreviation, symbol...).
    """
    oddities = odd if oddities is None else oddities
    parts = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
    if rng.random() < 0.5:
        parts.append(rng.choice(PLACES))
    if rng.random() < odd:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(NUMBERS))
    if rng.random() < odd:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(EXTRAS))
    if rng.random() < oddities:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(ODDITIES))
    if rng.random() < odd / 2:
        parts.insert(rng.randrange(1, len(parts) + 1), rng.choice(JOINERS).strip())
    text = " ".join(parts)
    if rng.random() < 0.3:
        words = text.split(" ")
        i = rng.randrange(len(words))
        words[i] = _case(words[i], rng) if rng.random() < 0.5 else words[i].upper()
        text = " ".join(words)
    text = _case(text, rng) + rng.choice(PUNCT_END)
    if rng.random() < 0.05:
        text = rng.choice(["  ", " ", "\t"]) + text + rng.choice(["  ", " ", "\t"])
    if rng.random() < 0.03:
        text = text.replace(" ", "  ", 1)
    return text


def caption_corpus(
    n_images: int,
    refs_per_image: int = 5,
    *,
    seed: int = 0,
    odd: float = 0.3,
    oddities: float | None = None,
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """References ``{image_id: [captions]}`` and one prediction per image.

    Predictions reuse reference fragments a third of the time so n-gram metrics are non-zero
    and varied.
    """
    rng = random.Random(seed)
    refs: dict[str, list[str]] = {}
    preds: dict[str, str] = {}
    for i in range(n_images):
        image_id = f"img{i:06d}"
        refs[image_id] = [caption(rng, odd=odd, oddities=oddities) for _ in range(refs_per_image)]
        roll = rng.random()
        if roll < 0.33:
            words = rng.choice(refs[image_id]).split(" ")
            cut = rng.randrange(1, len(words) + 1)
            preds[image_id] = " ".join(words[:cut])
        else:
            preds[image_id] = caption(rng, odd=odd, oddities=oddities)
    return refs, preds


def sentence_corpus(n: int, *, seed: int = 0) -> list[str]:
    """``n`` varied sentences for tokenizer parity (a third of them heavy on oddities)."""
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(n):
        odd = 0.9 if i % 3 == 0 else 0.3
        out.append(caption(rng, odd=odd))
    return out


_FUZZ_CHARS = [
    *"abcXYZ019.,;:!?'\"()[]{}<>-_/\\@#$%&*+=~^|` ",
    "’",
    "‘",
    "“",
    "”",
    "–",
    "—",
    "…",
    "\u00a0",
    "é",
    "ß",
    "½",
    "€",
    "£",
]


def fuzz_sentence(rng: random.Random) -> str:
    """A line glued from caption fragments, odd tokens and random punctuation runs."""
    fragments = ODDITIES + NUMBERS + EXTRAS + [w for s in SUBJECTS + OBJECTS for w in s.split()]
    out: list[str] = []
    for _ in range(rng.randint(1, 8)):
        roll = rng.random()
        if roll < 0.6:
            out.append(rng.choice(fragments))
        elif roll < 0.8:
            out.append("".join(rng.choice(_FUZZ_CHARS) for _ in range(rng.randint(1, 4))))
        else:
            out.append(rng.choice(fragments) + rng.choice(_FUZZ_CHARS) + rng.choice(fragments))
        out.append(rng.choice([" ", " ", " ", " ", "", "  ", ", ", ". "]))
    return "".join(out).replace("\n", " ")


def varied_sentences(n: int, *, seed: int = 0) -> list[str]:
    """Two thirds caption-like sentences (:func:`sentence_corpus`), one third fuzz lines."""
    rng = random.Random(seed + 1)
    fuzz_count = n // 3
    return sentence_corpus(n - fuzz_count, seed=seed) + [
        fuzz_sentence(rng) for _ in range(fuzz_count)
    ]
