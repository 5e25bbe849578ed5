"""Sharding model calls across ``torchrun`` ranks and gathering the outputs.

Under ``torchrun`` (``WORLD_SIZE`` > 1) every rank loads the model and the data, computes
the outputs of its shard of each stage (items ``rank::world``), and all ranks then exchange
their outputs so each continues the task with the complete predictions; metrics are thus
identical to a single-process run, and only rank 0 writes records. Outputs travel as
JSON with base64 float32 vectors in a uint8 tensor (no pickle).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

from bench.tasking import Output, StageResult


@dataclass(frozen=True)
class Ranks:
    """This process's place in the job."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Whether this process writes records and prints."""
        return self.rank == 0


def launched_by_torchrun() -> bool:
    """Whether the environment describes a multi-process job."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def init_ranks(device: str) -> Ranks:
    """Join the process group set up by torchrun (gloo on CPU, nccl on CUDA)."""
    if not launched_by_torchrun():
        return Ranks()
    if not dist.is_initialized():
        backend = "nccl" if device.startswith("cuda") else "gloo"
        dist.init_process_group(backend=backend)
    return Ranks(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def rank_device(device: str, ranks: Ranks) -> str:
    """Each rank takes its own GPU (``cuda:LOCAL_RANK``) when running on CUDA."""
    if ranks.world > 1 and device == "cuda":
        return f"cuda:{ranks.local_rank}"
    return device


def encode_stage(result: StageResult) -> bytes:
    """Serialise a stage result as JSON (vectors as base64 little-endian float32)."""
    outputs: dict[str, dict[str, str]] = {}
    for key, value in result.outputs.items():
        if isinstance(value, str):
            outputs[key] = {"t": value}
        else:
            raw = np.asarray(value, dtype="<f4").tobytes()
            outputs[key] = {"v": base64.b64encode(raw).decode("ascii")}
    return json.dumps({"outputs": outputs, "errors": result.errors}).encode("utf-8")


def decode_stage(payload: bytes) -> StageResult:
    """Inverse of :func:`encode_stage`."""
    data = json.loads(payload.decode("utf-8"))
    outputs: dict[str, Output] = {}
    for key, value in data["outputs"].items():
        if "t" in value:
            outputs[key] = value["t"]
        else:
            outputs[key] = np.frombuffer(base64.b64decode(value["v"]), dtype="<f4").copy()
    return StageResult(outputs=outputs, errors=dict(data["errors"]))


def all_gather_bytes(payload: bytes, device: str) -> list[bytes]:
    """Every rank's ``payload``, in rank order, on every rank."""
    tensor_device = torch.device(device) if dist.get_backend() == "nccl" else torch.device("cpu")
    local = torch.frombuffer(bytearray(payload), dtype=torch.uint8).to(tensor_device)
    size = torch.tensor([local.numel()], dtype=torch.int64, device=tensor_device)
    sizes = [torch.zeros_like(size) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, size)
    longest = int(max(int(s.item()) for s in sizes))
    padded = torch.zeros(longest, dtype=torch.uint8, device=tensor_device)
    padded[: local.numel()] = local
    gathered = [torch.zeros_like(padded) for _ in sizes]
    dist.all_gather(gathered, padded)
    return [
        bytes(chunk[: int(chunk_size.item())].cpu().numpy().tobytes())
        for chunk, chunk_size in zip(gathered, sizes, strict=True)
    ]


def all_gather_stage(result: StageResult, device: str) -> StageResult:
    """Every rank's outputs, merged, on every rank."""
    merged = StageResult()
    for payload in all_gather_bytes(encode_stage(result), device):
        part = decode_stage(payload)
        merged.outputs.update(part.outputs)
        merged.errors.update(part.errors)
    return merged


def all_gather_json(value: object, device: str) -> list[object]:
    """Every rank's JSON-serialisable ``value``, in rank order."""
    payloads = all_gather_bytes(json.dumps(value).encode("utf-8"), device)
    return [json.loads(p.decode("utf-8")) for p in payloads]


def shutdown() -> None:
    """Leave the process group (no-op outside one)."""
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
