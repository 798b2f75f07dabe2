"""`onething inspections load-entities FILE`: the register of market entities loaded into
the 检查对象名录库 (one transaction; every bad row at its file:line, nothing written)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from onething.cli.common import CliError

SHOWN = 50


def add_parser(sub: Any) -> None:
    inspections = sub.add_parser("inspections", help="双随机、一公开（随机抽查）"
                                 ).add_subparsers(dest="action", required=True)
    load = inspections.add_parser(
        "load-entities", help="载入市场主体名录（CSV：uscc,name,region,township,risk,kind；"
                              "有错误行则不载入）")
    load.add_argument("file", help="名录文件（.csv 带表头）")
    load.set_defaults(func=cmd_load_entities)


def cmd_load_entities(args: argparse.Namespace) -> int:
    from onething.catalog.service import NoCatalog, current_catalog
    from onething.cli import _database
    from onething.inspections.loading import EntitiesInvalid, load
    from onething.kernel.clock import utcnow
    from onething.kernel.db import unit_of_work
    from onething.kernel.errors import DomainError

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{args.file}: 文件不存在")
    try:
        with unit_of_work(_database()) as session:
            regions = set(current_catalog(session).regions)
            report = load(session, path, regions, utcnow())
    except EntitiesInvalid as exc:
        for line in exc.report.problems[:SHOWN]:
            print(line, file=sys.stderr)
        if len(exc.report.problems) > SHOWN:
            print(f"…… 另有 {len(exc.report.problems) - SHOWN} 处问题", file=sys.stderr)
        raise CliError(exc.detail) from exc
    except NoCatalog as exc:
        raise CliError(str(exc)) from exc
    except DomainError as exc:
        raise CliError(exc.detail) from exc
    print(f"已载入检查对象名录（{report.file}）：{report.rows} 户")
    return 0
