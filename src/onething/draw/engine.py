"""The draw engine, pure: the algorithm docs/DRAW.md publishes, with nothing of the platform.

A pool is a list of distinct ids sorted by their UTF-8 bytes; its hash is the SHA-256 of the
ids joined by ``\\n``. A 32-byte secret seed is committed (its SHA-256) before the draw and
revealed after it. A stream (a label) under the seed gives integers uniform in [0, m) by
HMAC-SHA256 of ``label:counter`` with rejection; k of n are picked by a partial Fisher–Yates
shuffle. Everything here is deterministic in (seed, label, pool, k).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

ALGORITHM = "onething-draw-v1"
SEED_BYTES = 32
_SPACE = 1 << 256


class DrawError(ValueError):
    """A draw that cannot be made or verified; the message says why, in Chinese."""


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def seed_from_hex(text: str) -> bytes:
    try:
        seed = bytes.fromhex(text.strip())
    except ValueError:
        raise DrawError(f"种子须为十六进制：{text!r}") from None
    if len(seed) != SEED_BYTES:
        raise DrawError(f"种子须为 {SEED_BYTES} 字节（{SEED_BYTES * 2} 个十六进制字符），"
                        f"收到 {len(seed)} 字节")
    return seed


def commitment(seed: bytes) -> str:
    """What is published before the draw: the SHA-256 (hex) of the seed."""
    return hashlib.sha256(seed).hexdigest()


def sort_pool(ids: Iterable[str]) -> list[str]:
    """The pool in its one order (UTF-8 bytes), refusing empty, duplicate or multi-line ids."""
    pool = sorted(ids, key=lambda i: i.encode())
    for before, this in zip([None, *pool], pool, strict=False):
        if not this or "\n" in this or this != this.strip():
            raise DrawError(f"名单中的编号无效：{this!r}")
        if this == before:
            raise DrawError(f"名单中的编号重复：{this}")
    return pool


class PoolHasher:
    """The pool hash computed id by id, for a pool read in order from a file or a database."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._last: bytes | None = None
        self.size = 0

    def add(self, pool_id: str) -> None:
        data = pool_id.encode()
        if self._last is not None:
            if data <= self._last:
                raise DrawError(f"名单须按编号排序且不重复：{pool_id}")
            self._sha.update(b"\n")
        self._sha.update(data)
        self._last = data
        self.size += 1

    def add_all(self, pool_ids: Sequence[str]) -> None:
        """The same as `add` for each id in turn, a page at a time (for millions of ids)."""
        if not pool_ids:
            return
        data = [pool_id.encode() for pool_id in pool_ids]
        if self._last is not None and data[0] <= self._last:
            raise DrawError(f"名单须按编号排序且不重复：{pool_ids[0]}")
        if not all(before < this for before, this in pairwise(data)):
            n = next(n for n, (before, this) in enumerate(pairwise(data))
                     if this <= before)
            raise DrawError(f"名单须按编号排序且不重复：{pool_ids[n + 1]}")
        if self._last is not None:
            self._sha.update(b"\n")
        self._sha.update(b"\n".join(data))
        self._last = data[-1]
        self.size += len(data)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def pool_hash(pool: Iterable[str]) -> str:
    hasher = PoolHasher()
    for pool_id in pool:
        hasher.add(pool_id)
    return hasher.hexdigest()


@dataclass
class Stream:
    """Integers uniform in [0, m) from one labelled stream; the counter runs across calls."""

    seed: bytes
    label: str
    counter: int = field(default=0)

    def uniform(self, m: int) -> int:
        if m < 1:
            raise DrawError(f"取值范围须至少为 1：{m}")
        limit = _SPACE // m * m
        prefix = self.label.encode() + b":"
        while True:
            message = prefix + str(self.counter).encode()
            self.counter += 1
            x = int.from_bytes(hmac.digest(self.seed, message, "sha256"), "big")
            if x < limit:
                return x % m


def pick_positions(seed: bytes, label: str, n: int, k: int) -> list[int]:
    """The positions in a pool of n that a partial Fisher–Yates shuffle puts first, in order.

    Only the swapped positions are kept, so picking k of millions needs memory for k.
    """
    if not 0 <= k <= n:
        raise DrawError(f"抽取数须在 0 到名单人数 {n} 之间：{k}")
    stream = Stream(seed, label)
    moved: dict[int, int] = {}
    picked: list[int] = []
    for i in range(k):
        j = i + stream.uniform(n - i)
        at_i, at_j = moved.get(i, i), moved.get(j, j)
        moved[j] = at_i
        moved.pop(i, None)
        picked.append(at_j)
    return picked


def pick(seed: bytes, label: str, pool: Sequence[str], k: int) -> list[str]:
    """k ids of a sorted pool, in the order drawn."""
    return [pool[i] for i in pick_positions(seed, label, len(pool), k)]
