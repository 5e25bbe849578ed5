"""``ref:shapes-clip``: a tiny CLIP dual encoder trained with the symmetric InfoNCE loss.

A patch-8 ViT image tower and a small causal text transformer, both projected into one
embedding space; the loss is CLIP's symmetric cross-entropy over the batch's image-text
similarity matrix, scaled by a learned temperature (``logit_scale``). Batches mix shapes
scenes with one of their five captions and sentiment faces with a description of their mood
or, when the post agrees with the face, the post itself (so the text tower also learns the
posts' sentiment words). A throw-away linear head adds a supervised auxiliary loss on the
image tower's pooled output of scenes: per grid cell, the kind, colour and size of the shape
there (:mod:`bench.reference.scene_targets`). It teaches a tower this small to tell shape
kinds apart within a CPU-sized budget; it is dropped before saving. Saved as a standard
``CLIPModel`` with a ``CLIPProcessor``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.reference.data import IMAGE_MEAN, IMAGE_STD, caption_data, face_data, normalise
from bench.reference.progress import Report, StepLog, quiet
from bench.reference.scene_targets import head_outputs, scene_loss, scene_targets
from bench.reference.schedule import adamw
from bench.reference.texts import encode_all, pad_batch
from bench.reference.tokenizer import BOS_ID, EOS_ID, MAX_LENGTH, PAD_ID

if TYPE_CHECKING:
    import torch
    from transformers import CLIPModel, PreTrainedTokenizerFast


@dataclass(frozen=True)
class ClipSettings:
    """Architecture, data and optimisation settings (all recorded with the checkpoint)."""

    seed: int = 0
    data_seed: int = 0
    retrieval_images: int = 60000
    face_images: int = 3000
    steps: int = 1200
    batch_size: int = 128
    faces_per_batch: int = 16
    post_share: float = 0.5
    group_size: int = 0
    scene_weight: float = 1.0
    lr: float = 1e-3
    weight_decay: float = 0.1
    warmup_steps: int = 60
    hidden: int = 128
    mlp: int = 256
    heads: int = 4
    vision_layers: int = 3
    text_layers: int = 2
    projection: int = 128
    patch: int = 8
    image_size: int = 64


def build_clip(settings: ClipSettings, vocab_size: int) -> CLIPModel:
    """A randomly initialised CLIPModel of the reference architecture."""
    from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPVisionConfig

    vision = CLIPVisionConfig(
        hidden_size=settings.hidden,
        intermediate_size=settings.mlp,
        num_hidden_layers=settings.vision_layers,
        num_attention_heads=settings.heads,
        image_size=settings.image_size,
        patch_size=settings.patch,
        projection_dim=settings.projection,
    )
    text = CLIPTextConfig(
        vocab_size=vocab_size,
        hidden_size=settings.hidden,
        intermediate_size=settings.mlp,
        num_hidden_layers=settings.text_layers,
        num_attention_heads=settings.heads,
        max_position_embeddings=MAX_LENGTH,
        projection_dim=settings.projection,
        pad_token_id=PAD_ID,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
    )
    config = CLIPConfig(
        text_config=text.to_dict(),
        vision_config=vision.to_dict(),
        projection_dim=settings.projection,
    )
    return CLIPModel(config)


def clip_processor(tokenizer: PreTrainedTokenizerFast, image_size: int) -> Any:
    """The ``CLIPProcessor`` saved with the model: resize + crop to ``image_size``, normalise."""
    from transformers import CLIPImageProcessor, CLIPProcessor

    image_processor = CLIPImageProcessor(
        size={"shortest_edge": image_size},
        crop_size={"height": image_size, "width": image_size},
        image_mean=list(IMAGE_MEAN),
        image_std=list(IMAGE_STD),
    )
    return CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer)  # type: ignore[no-untyped-call]


@dataclass
class _Pool:
    """What batches are drawn from: images, then per image the token ids of its texts."""

    images: torch.Tensor
    texts: list[list[list[int]]]
    groups: list[list[int]] = field(default_factory=list)
    scenes: list[str] = field(default_factory=list)


def colour_groups(scenes: Sequence[str]) -> list[list[int]]:
    """Rows grouped by the colours of their shapes (as a multiset), groups in key order.

    Drawing a batch's scenes a group at a time gives every scene in-batch negatives of the
    same colours, so colour alone cannot solve the batch: the towers must also learn kinds,
    positions and sizes.
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    for row, text in enumerate(scenes):
        key = tuple(sorted(str(s["color"]) for s in json.loads(text)["shapes"]))
        groups.setdefault(key, []).append(row)
    return [groups[key] for key in sorted(groups)]


def _shapes_pool(tokenizer: PreTrainedTokenizerFast, settings: ClipSettings) -> _Pool:
    data = caption_data("retrieval", seed=settings.data_seed, size=settings.retrieval_images)
    flat = [c for captions in data.captions for c in captions]
    ids = encode_all(tokenizer, flat, special=True)
    per = len(data.captions[0])
    texts = [ids[i * per : (i + 1) * per] for i in range(len(data.captions))]
    return _Pool(data.images, texts, colour_groups(data.scenes), data.scenes)


def _face_pools(tokenizer: PreTrainedTokenizerFast, settings: ClipSettings) -> tuple[_Pool, _Pool]:
    """Faces with their descriptions, and faces with the posts that agree with them."""
    data = face_data(seed=settings.data_seed, size=settings.face_images)
    per = len(data.descriptions[0])
    ids = encode_all(tokenizer, [d for ds in data.descriptions for d in ds], special=True)
    described = _Pool(data.images, [ids[i * per : (i + 1) * per] for i in range(len(data.posts))])
    agree = [
        i
        for i, (a, b) in enumerate(zip(data.image_sentiment, data.text_sentiment, strict=True))
        if a == b
    ]
    posts = encode_all(tokenizer, [data.posts[i] for i in agree], special=True)
    return described, _Pool(data.images[agree], [[p] for p in posts])


def _grouped_rows(pool: _Pool, count: int, size: int, generator: torch.Generator) -> list[int]:
    """``count`` rows drawn ``size`` at a time from groups chosen in proportion to their size."""
    import torch

    weights = torch.tensor([float(len(g)) for g in pool.groups])
    rows: list[int] = []
    while len(rows) < count:
        group = pool.groups[int(torch.multinomial(weights, 1, generator=generator))]
        take = min(size, count - len(rows), len(group))
        picks = torch.randperm(len(group), generator=generator)[:take].tolist()
        rows.extend(group[p] for p in picks)
    return rows


def _draw(
    pool: _Pool, count: int, generator: torch.Generator, group_size: int = 0
) -> tuple[list[int], list[list[int]]]:
    """Rows of ``pool`` and, for each, one of its texts chosen at random."""
    import torch

    if group_size > 1 and pool.groups:
        rows = _grouped_rows(pool, count, group_size, generator)
    else:
        rows = torch.randint(len(pool.texts), (count,), generator=generator).tolist()
    picks = torch.randint(1 << 30, (count,), generator=generator).tolist()
    texts = [pool.texts[r][p % len(pool.texts[r])] for r, p in zip(rows, picks, strict=True)]
    return rows, texts


def train_clip(
    tokenizer: PreTrainedTokenizerFast,
    settings: ClipSettings,
    *,
    report: Report = quiet,
) -> CLIPModel:
    """Train the reference CLIP from ``settings.seed`` and return it (in eval mode)."""
    import torch

    torch.manual_seed(settings.seed)
    model = build_clip(settings, len(tokenizer))
    shapes = _shapes_pool(tokenizer, settings)
    described, posts = _face_pools(tokenizer, settings)
    report(f"shapes-clip: {len(shapes.texts)} scenes, {len(described.texts)} faces")
    aux_head = None
    if settings.scene_weight > 0:
        aux_head = torch.nn.Linear(settings.hidden, head_outputs())
        model.add_module("scene_head", aux_head)  # trained alongside, removed before saving
        targets = scene_targets(shapes.scenes)
    optimizer, scheduler = adamw(
        model,
        lr=settings.lr,
        weight_decay=settings.weight_decay,
        total=settings.steps,
        warmup=settings.warmup_steps,
    )
    generator = torch.Generator().manual_seed(settings.seed)
    log = StepLog("shapes-clip", settings.steps, report)
    n_posts = round(settings.faces_per_batch * settings.post_share)
    n_faces = settings.faces_per_batch - n_posts
    model.train()
    for step in range(1, settings.steps + 1):
        n_scenes = settings.batch_size - settings.faces_per_batch
        scene_rows, scene_texts = _draw(shapes, n_scenes, generator, settings.group_size)
        face_rows, face_texts = _draw(described, n_faces, generator)
        post_rows, post_texts = _draw(posts, n_posts, generator)
        images = torch.cat(
            [shapes.images[scene_rows], described.images[face_rows], posts.images[post_rows]]
        )
        ids = pad_batch([*scene_texts, *face_texts, *post_texts])
        output = model(
            input_ids=ids,
            attention_mask=(ids != PAD_ID).long(),
            pixel_values=normalise(images),
            return_loss=True,
        )
        loss = output.loss
        if aux_head is not None:
            pooled = output.vision_model_output.pooler_output[:n_scenes]
            loss = loss + settings.scene_weight * scene_loss(aux_head(pooled), targets[scene_rows])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        with torch.no_grad():
            model.logit_scale.clamp_(0.0, 4.6052)  # temperature at most 100, as in CLIP
        log.step(step, float(loss.detach()))
    if aux_head is not None:
        del model.scene_head
    model.eval()  # type: ignore[no-untyped-call]
    return model


def save_clip(
    model: CLIPModel, tokenizer: PreTrainedTokenizerFast, settings: ClipSettings, folder: Path
) -> None:
    """Write the checkpoint folder: config, safetensors weights, processor, tokenizer."""
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    clip_processor(tokenizer, settings.image_size).save_pretrained(folder)
