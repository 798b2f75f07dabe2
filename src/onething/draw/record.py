"""A published draw record and its verification, pure.

A record carries everything needed to re-run it: the seed and its commitment, and for each
draw the label, the pool (or only its hash, when the pool is published beside it), k and the
result. One draw may sit at the top level; several under one seed sit in ``draws``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from onething.draw.engine import (
    ALGORITHM,
    DrawError,
    commitment,
    pick,
    pool_hash,
    seed_from_hex,
    sort_pool,
)

DRAW_FIELDS = ("label", "pool_hash", "k", "result")


def draw_entry(seed: bytes, label: str, pool: Sequence[str], k: int, *,
               with_pool: bool = True) -> dict[str, Any]:
    """One draw as the record shows it (the pool sorted, hashed and, by default, listed)."""
    ordered = sort_pool(pool)
    entry: dict[str, Any] = {"label": label, "pool_hash": pool_hash(ordered), "k": k,
                             "result": pick(seed, label, ordered, k)}
    if with_pool:
        entry["pool"] = ordered
    return entry


def make_record(seed: bytes, draws: list[dict[str, Any]]) -> dict[str, Any]:
    return {"algorithm": ALGORITHM, "commitment": commitment(seed), "seed": seed.hex(),
            "draws": draws}


PoolLookup = Callable[[str], Sequence[str] | None]


def verify(record: Any, pools: PoolLookup | None = None) -> list[str]:
    """What is wrong with a record, in Chinese; an empty list when it re-runs to its result.

    ``pools`` finds a pool published beside the record by its hash, for a draw that lists
    only the hash.
    """
    if not isinstance(record, dict):
        return ["记录须为 JSON 对象"]
    problems: list[str] = []
    if record.get("algorithm", ALGORITHM) != ALGORITHM:
        return [f"不认识的算法：{record.get('algorithm')!r}（本程序验证 {ALGORITHM}）"]
    try:
        seed = seed_from_hex(str(record.get("seed", "")))
    except DrawError as e:
        return [f"seed：{e}"]
    if record.get("commitment") != commitment(seed):
        problems.append("seed 与事先公布的 commitment 不符：SHA-256(seed) = "
                        f"{commitment(seed)}，记录为 {record.get('commitment')}")
    draws = record.get("draws", [record])
    if not isinstance(draws, list) or not draws:
        return [*problems, "draws 须为非空列表"]
    for n, draw in enumerate(draws):
        where = f"draws[{n}]" if "draws" in record else "记录"
        problems += [f"{where}：{p}" for p in _verify_draw(seed, draw, pools)]
    return problems


def _verify_draw(seed: bytes, draw: Any, pools: PoolLookup | None) -> list[str]:
    if not isinstance(draw, dict):
        return ["须为 JSON 对象"]
    missing = [f for f in DRAW_FIELDS if f not in draw]
    if missing:
        return [f"缺少字段 {', '.join(missing)}"]
    label, k, result = draw["label"], draw["k"], draw["result"]
    if not isinstance(label, str) or not isinstance(k, int) or isinstance(k, bool):
        return ["label 须为字符串，k 须为整数"]
    pool = draw.get("pool")
    if pool is None and pools is not None:
        pool = pools(str(draw["pool_hash"]))
    if pool is None:
        return [f"没有名单：记录未列出 pool，也没有给出哈希为 {draw['pool_hash']} 的名单文件"]
    if not isinstance(pool, list) or not all(isinstance(i, str) for i in pool):
        return ["pool 须为字符串列表"]
    try:
        ordered = sort_pool(pool)
        if ordered != pool:
            return ["pool 未按编号的 UTF-8 字节排序"]
        if pool_hash(ordered) != draw["pool_hash"]:
            return [f"名单在承诺后被改动：名单的哈希为 {pool_hash(ordered)}，"
                    f"公布的 pool_hash 为 {draw['pool_hash']}"]
        again = pick(seed, label, ordered, k)
    except DrawError as e:
        return [str(e)]
    if again != result:
        return [f"重新抽取的结果与记录不符：应为 {again}，记录为 {result}"]
    return []
