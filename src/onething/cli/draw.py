"""`onething draw`: pick ids from a file with a given seed, and verify a published record."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from onething.cli.common import EXIT_INVALID, EXIT_USAGE, CliError


def add_parser(sub: Any) -> None:
    draw = sub.add_parser(
        "draw", help="可验证的摇号：用给定种子从名单中抽取，或验证公布的抽取记录",
        description="onething draw --seed HEX --label LABEL --pick K FILE：打印从 FILE "
                    "（每行一个编号，任意顺序）抽中的 K 个编号，每行一个；"
                    "onething draw verify RECORD.json：按记录自身的字段重新抽取并核对。")
    draw.add_argument("--seed", help="32 字节种子（64 个十六进制字符）")
    draw.add_argument("--label", help="抽取流的标签，如 objects")
    draw.add_argument("--pick", type=int, metavar="K", help="抽取个数")
    draw.add_argument("--record", metavar="OUT.json", help="另将完整的抽取记录写入此文件")
    draw.add_argument("--pool", metavar="FILE", action="append", default=[],
                      help="verify 时：记录只给出名单哈希的名单文件（可多次给出）")
    draw.add_argument("target", nargs="+", metavar="FILE | verify RECORD.json")
    draw.set_defaults(func=cmd_draw)


def cmd_draw(args: argparse.Namespace) -> int:
    if args.target[0] == "verify" and len(args.target) == 2:
        return _verify(Path(args.target[1]), [Path(p) for p in args.pool])
    if len(args.target) != 1:
        raise CliError("用法：onething draw --seed HEX --label LABEL --pick K FILE，"
                       "或 onething draw verify RECORD.json", EXIT_USAGE)
    missing = [f"--{n}" for n in ("seed", "label", "pick") if getattr(args, n) is None]
    if missing:
        raise CliError(f"缺少 {'、'.join(missing)}", EXIT_USAGE)
    return _pick(args, Path(args.target[0]))


def _pick(args: argparse.Namespace, path: Path) -> int:
    from onething.draw.engine import DrawError, seed_from_hex
    from onething.draw.record import draw_entry, make_record

    try:
        seed = seed_from_hex(args.seed)
    except DrawError as exc:
        raise CliError(f"--seed：{exc}", EXIT_USAGE) from exc
    ids = _read_ids(path)
    try:
        entry = draw_entry(seed, args.label, ids, args.pick)
    except DrawError as exc:
        raise CliError(f"{path}：{exc}") from exc
    if args.record:
        text = json.dumps(make_record(seed, [entry]), ensure_ascii=False, indent=2)
        Path(args.record).write_text(text + "\n", encoding="utf-8")
    for picked in entry["result"]:
        print(picked)
    return 0


def _read_ids(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{path}：无法读取（{exc.strerror}）", EXIT_USAGE) from exc
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}：不是 UTF-8 文本（第 {text_line(exc)} 行附近）") from exc
    ids: list[str] = []
    for line in text.removeprefix("\ufeff").splitlines():
        if line.strip():
            ids.append(line.strip())
    return ids


def text_line(exc: UnicodeDecodeError) -> int:
    return exc.object[: exc.start].count(b"\n") + 1


def _verify(path: Path, pool_files: list[Path]) -> int:
    from onething.draw.engine import DrawError, pool_hash, sort_pool
    from onething.draw.record import verify

    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"{path}：无法读取（{exc.strerror}）", EXIT_USAGE) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", 1)
        raise CliError(f"{path}:{line}：不是有效的 JSON（{exc}）") from exc
    pools = {}
    for pool_file in pool_files:
        try:
            ordered = sort_pool(_read_ids(pool_file))
        except DrawError as exc:
            raise CliError(f"{pool_file}：{exc}") from exc
        pools[pool_hash(ordered)] = ordered
    problems = verify(record, pools.get)
    if problems:
        for problem in problems:
            print(f"{path}：{problem}")
        raise CliError(f"{path}：抽取记录验证未通过（{len(problems)} 处问题）", EXIT_INVALID)
    draws = record.get("draws", [record])
    print(f"{path}：验证通过。种子与承诺相符，{len(draws)} 次抽取的名单哈希与结果均可复现。")
    return 0
