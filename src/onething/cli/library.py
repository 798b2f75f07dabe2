"""`onething library import DIR`: a folder of documents (one YAML metadata file beside each
text and optional PDF) into the document library (文件库); idempotent by 文号, one
transaction, every problem at its file:line and nothing written."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from onething.cli.common import CliError

SHOWN = 50


def add_parser(sub: Any) -> None:
    library = sub.add_parser("library", help="政务公开文件库"
                             ).add_subparsers(dest="action", required=True)
    load = library.add_parser(
        "import", help="导入文件目录（每件文件一个 .yaml 元数据，旁边是同名 .txt 全文和可选的 "
                       ".pdf；按文号更新；有错误则不导入）")
    load.add_argument("directory", help="文件目录")
    load.add_argument("--by", help="导入人的用户名（PDF 附件记在其名下；默认第一个管理员）")
    load.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from onething.catalog.service import NoCatalog
    from onething.cli import _database
    from onething.kernel.config import get_settings
    from onething.kernel.db import unit_of_work
    from onething.kernel.errors import DomainError
    from onething.library.loading import LibraryInvalid

    try:
        with unit_of_work(_database()) as session:
            report = import_directory(session, Path(args.directory), args.by,
                                      get_settings().data_dir)
    except LibraryInvalid as exc:
        for line in exc.report.problems[:SHOWN]:
            print(line, file=sys.stderr)
        if len(exc.report.problems) > SHOWN:
            print(f"…… 另有 {len(exc.report.problems) - SHOWN} 处问题", file=sys.stderr)
        raise CliError(exc.detail) from exc
    except NoCatalog as exc:
        raise CliError(str(exc)) from exc
    except DomainError as exc:
        raise CliError(exc.detail) from exc
    for number, what in report.updated:
        print(f"更新 {number}：{'、'.join(what)}")
    print(f"已导入文件库（{report.directory}）：新增 {len(report.added)} 件，"
          f"更新 {len(report.updated)} 件，未变 {len(report.unchanged)} 件")
    return 0


def import_directory(session: Any, directory: Any, username: str | None, data_dir: Any
                     ) -> Any:
    """The import as `username` (or the first administrator)."""
    from sqlalchemy import select

    from onething.catalog.service import current_catalog
    from onething.identity import service as identity
    from onething.identity.models import User
    from onething.kernel.clock import utcnow
    from onething.library.loading import load

    catalog = current_catalog(session)
    if username:
        user = identity.find_user(session, username)
    else:
        user = session.scalar(select(User).where(User.role == "admin", User.active)
                              .order_by(User.id).limit(1))
        if user is None:
            raise CliError("还没有管理员账户：请先创建管理员，或用 --by 指定导入人")
    return load(session, catalog, directory, identity.principal_of(user), data_dir, utcnow())
