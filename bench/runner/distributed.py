"""Sharding model calls across ``torchrun`` ranks and gathering the outputs.

Under ``torchrun`` (``WORLD_SIZE`` > 1) every rank loads the model and the data, computes
the outputs of its shard of each stage (a contiguous block of the items), and all ranks
then exchange their outputs so each continues the task with the complete predictions;
metrics are thus identical to a single-process run, and only rank 0 writes records.
Outputs travel as a JSON header plus raw float32 bytes in a uint8 tensor (no pickle).
"""

from __future__ import annotations

import json
import os
import struct
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
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        if device.startswith("cuda"):
            # Collectives and barriers use the current device: make it this rank's GPU.
            torch.cuda.set_device(local_rank if device == "cuda" else torch.device(device))
            dist.init_process_group(backend="nccl")
        else:
            dist.init_process_group(backend="gloo")
    return Ranks(dist.get_rank(), dist.get_world_size(), local_rank)


def rank_device(device: str, ranks: Ranks) -> str:
    """Each rank takes its own GPU (``cuda:LOCAL_RANK``) when running on CUDA."""
    if ranks.world > 1 and device == "cuda":
        return f"cuda:{ranks.local_rank}"
    return device


_HEADER = struct.Struct("<Q")


def encode_stage(result: StageResult) -> bytes:
    """Serialise a stage result: a JSON header, then every vector as raw float32 bytes.

    Layout: 8-byte little-endian header length, the UTF-8 JSON header (texts, errors and
    ``[id, length]`` of each vector, in order), then the vectors' little-endian float32
    values back to back. No pickle, and no base64 inflation of large embedding sets.
    """
    texts: dict[str, str] = {}
    vectors: list[tuple[str, int]] = []
    blobs: list[bytes] = []
    for key, value in result.outputs.items():
        if isinstance(value, str):
            texts[key] = value
        else:
            raw = np.ascontiguousarray(value, dtype="<f4").reshape(-1)
            vectors.append((key, int(raw.size)))
            blobs.append(raw.tobytes())
    header = json.dumps({"texts": texts, "errors": result.errors, "vectors": vectors})
    encoded = header.encode("utf-8")
    return b"".join([_HEADER.pack(len(encoded)), encoded, *blobs])


def decode_stage(payload: bytes) -> StageResult:
    """Inverse of :func:`encode_stage`."""
    (length,) = _HEADER.unpack_from(payload, 0)
    start = _HEADER.size
    header = json.loads(payload[start : start + length].decode("utf-8"))
    values = np.frombuffer(payload, dtype="<f4", offset=start + length)
    outputs: dict[str, Output] = dict(header["texts"])
    offset = 0
    for key, size in header["vectors"]:
        outputs[key] = values[offset : offset + size].astype(np.float32)
        offset += size
    return StageResult(outputs=outputs, errors=dict(header["errors"]))


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
