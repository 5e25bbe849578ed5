"""Device and dtype resolution and the autocast context, on the CPU side."""

from __future__ import annotations

import pytest
import torch

from bench.errors import UsageError
from bench.runner.device import inference_context, resolve_device, resolve_dtype


def test_cpu_defaults_to_fp32_and_refuses_fp16() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_dtype("auto", "cpu") == "fp32"
    assert resolve_dtype("bf16", "cpu") == "bf16"
    with pytest.raises(UsageError, match="fp16 needs a CUDA device"):
        resolve_dtype("fp16", "cpu")
    with pytest.raises(UsageError, match="expected auto, fp32"):
        resolve_dtype("int8", "cpu")
    with pytest.raises(UsageError, match="expected auto, cpu, cuda"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CUDA-less refusal")
def test_cuda_requests_fail_clearly_without_cuda() -> None:
    with pytest.raises(UsageError, match="CUDA is not available"):
        resolve_device("cuda:0")


def test_bf16_autocast_on_cpu_and_no_grad_everywhere() -> None:
    layer = torch.nn.Linear(4, 4)
    x = torch.ones(2, 4)
    with inference_context("cpu", "bf16"):
        assert layer(x).dtype == torch.bfloat16
        assert torch.is_inference_mode_enabled()
    with inference_context("cpu", "fp32"):
        out = layer(x)
        assert out.dtype == torch.float32 and not out.requires_grad
