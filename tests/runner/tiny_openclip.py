"""A very small random-weight open_clip model saved as an ``openclip:local-dir:`` folder."""

from __future__ import annotations

import json
from pathlib import Path

CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 64, "patch_size": 8},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 64, "heads": 1, "layers": 1},
}


def build(folder: Path, seed: int = 0) -> Path:
    """Write config and safetensors weights; returns the folder."""
    import open_clip
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "open_clip_config.json").write_text(
        json.dumps({"model_cfg": CONFIG, "preprocess_cfg": {}})
    )
    torch.manual_seed(seed)
    model, _, _ = open_clip.create_model_and_transforms(f"local-dir:{folder}")
    save_file(
        {k: v.contiguous() for k, v in model.state_dict().items()},
        str(folder / "open_clip_model.safetensors"),
    )
    return folder
