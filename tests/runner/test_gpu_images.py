"""The device image pipeline matches the models' own CPU preprocessing; fallbacks per image.

The decode + resize / crop / normalise code is device-agnostic, so its agreement with
open_clip's PIL preprocessing is checked here on CPU; the CUDA decoder is checked against
the CPU decoder where CUDA exists.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from bench.runner.gpu_images import (
    DeviceImagePipeline,
    TensorPreprocess,
    decode_images,
    device_decodable,
    from_torchvision,
)


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def fixed_set() -> list[bytes]:
    """Twelve JPEGs: COCO-like sizes both orientations, smooth and noisy, one greyscale."""
    rng = np.random.default_rng(0)
    out = []
    for k in range(12):
        width, height = [(640, 480), (480, 640), (500, 375), (333, 500)][k % 4]
        if k % 3 == 0:
            pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            image = Image.fromarray(pixels)
        else:
            small = rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8)
            image = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
        out.append(jpeg(image.convert("L") if k == 5 else image))
    return out


@pytest.fixture(scope="module")
def clip_transform():
    import open_clip

    return open_clip.image_transform(224, is_train=False)


def test_matches_open_clips_own_preprocessing_within_one_level(clip_transform) -> None:
    preprocess = from_torchvision(clip_transform)
    assert preprocess is not None
    datas = fixed_set()
    tensors, failures, fast = decode_images(datas, "cpu")
    assert failures == {} and fast == len(datas)
    ours = preprocess([t for t in tensors if t is not None])
    theirs = torch.stack([clip_transform(Image.open(io.BytesIO(d)).convert("RGB")) for d in datas])
    assert ours.shape == theirs.shape == (12, 3, 224, 224)
    # in 8-bit levels: identical decode, resampling within one rounding step of PIL's
    levels = (ours - theirs).abs() * torch.tensor(preprocess.std).view(1, 3, 1, 1) * 255
    assert float(levels.max()) <= 1.0 + 1e-3
    assert float((ours - theirs).abs().mean()) < 1e-3


def test_other_formats_and_modes_fall_back_to_the_cpu_path_per_image() -> None:
    from bench.data.images import load_image

    rgb = Image.new("RGB", (40, 30), (200, 10, 30))
    png = io.BytesIO()
    rgb.save(png, format="PNG")
    cmyk = jpeg(rgb.convert("CMYK"))
    datas = [jpeg(rgb), png.getvalue(), cmyk, b"\xff\xd8\xff not really a jpeg"]
    assert [device_decodable(d) for d in datas] == [True, False, False, False]
    tensors, failures, fast = decode_images(datas, "cpu")
    assert fast == 1
    assert list(failures) == [3] and failures[3].startswith("image:")
    for i in (1, 2):  # decoded exactly as the CPU path decodes them
        expected = np.asarray(load_image(datas[i])).transpose(2, 0, 1)
        assert np.array_equal(tensors[i].numpy(), expected)


def test_a_batch_keeps_order_and_leaves_out_failures() -> None:
    preprocess = TensorPreprocess(8, (8, 8), (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), "bilinear")
    red, blue = Image.new("RGB", (16, 12), (255, 0, 0)), Image.new("RGB", (12, 16), (0, 0, 255))
    batch, failures = DeviceImagePipeline(preprocess, "cpu")([jpeg(red), b"junk", jpeg(blue)])
    assert list(failures) == [1]
    assert batch is not None and batch.shape == (2, 3, 8, 8)
    assert batch[0, 0].mean() > 0.9 and batch[1, 2].mean() > 0.9  # red first, then blue


def test_only_resize_crop_normalise_pipelines_are_translated(clip_transform) -> None:
    from torchvision import transforms as tv

    normalize = tv.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    for other in [
        tv.Compose([tv.Resize((224, 224)), tv.CenterCrop(224), tv.ToTensor(), normalize]),
        tv.Compose([tv.Resize(224), tv.RandomCrop(224), tv.ToTensor(), normalize]),
        tv.Compose([tv.Resize(224, interpolation=tv.InterpolationMode.NEAREST), normalize]),
        tv.Compose([tv.Resize(224), tv.CenterCrop(224), tv.ToTensor()]),
    ]:
        assert from_torchvision(other) is None, other
    translated = from_torchvision(clip_transform)
    assert translated is not None and translated.interpolation == "bicubic"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_decode_and_preprocess_match_the_cpu(clip_transform) -> None:
    preprocess = from_torchvision(clip_transform)
    assert preprocess is not None
    datas = fixed_set()
    on_gpu, failures, fast = decode_images(datas, "cuda")
    on_cpu, _, _ = decode_images(datas, "cpu")
    assert failures == {} and fast == len(datas)
    for g, c in zip(on_gpu, on_cpu, strict=True):
        assert g is not None and c is not None and g.device.type == "cuda"
        # nvjpeg's IDCT and chroma upsampling may differ from libjpeg-turbo by a few levels
        assert (g.cpu().int() - c.int()).abs().max() <= 8
    gpu_batch = preprocess([t for t in on_gpu if t is not None]).cpu()
    cpu_batch = preprocess([t for t in on_cpu if t is not None])
    levels = (gpu_batch - cpu_batch).abs() * torch.tensor(preprocess.std).view(1, 3, 1, 1) * 255
    assert float(levels.mean()) < 1.0
