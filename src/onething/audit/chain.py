"""The hash chain of the audit trail. Pure: records in, hashes and findings out.

Each record carries the hash of the record before it in its chain; its own hash covers
every field and that link, so changing, removing or reordering a stored record breaks
the chain at that record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

GENESIS = "0" * 64  # the link of a chain's first record

# the fields a record's hash covers, in this order (never change it: old hashes would break)
SEALED = ("chain", "seq", "at", "actor_id", "actor", "role", "scope", "action", "subject",
          "subject_id", "before", "after", "address", "prev_hash")


def seal(record: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the sealed fields (sorted keys, UTC ISO times)."""
    document = {name: _plain(record.get(name)) for name in SEALED}
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


@dataclass(frozen=True)
class Break:
    chain: str
    seq: int
    record_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"第 {self.seq} 条" + (f"（记录 id {self.record_id}）" if self.record_id else "")
        return f"审计链 {self.chain} {where}：{self.problem}"


def first_break(chain: str, records: Iterable[Mapping[str, Any]],
                head: tuple[int, str] | None) -> tuple[int, Break | None]:
    """How many records of one chain were read (in `seq` order) and the first broken one,
    or None if the chain holds. `head` is the chain's stored (last seq, last hash): records
    removed from the end of the chain are found through it."""
    prev, read = GENESIS, 0
    for r in records:
        read += 1
        problem = _problem(r, read, prev)
        if problem is not None:
            return read, Break(chain, read, r.get("id"), problem)
        prev = r["hash"]
    if head is not None and (head[0] != read or head[1] != prev):
        return read, Break(chain, read + 1, None,
                           f"链尾记录缺失：链头登记到第 {head[0]} 条，库中只有 {read} 条")
    return read, None


def _problem(record: Mapping[str, Any], seq: int, prev: str) -> str | None:
    if record["seq"] != seq:
        return f"缺少记录（下一条为第 {record['seq']} 条）"
    if record["prev_hash"] != prev:
        return "与前一条记录的哈希不相连"
    if seal(record) != record["hash"]:
        return "内容与哈希不符（记录被改动）"
    return None
