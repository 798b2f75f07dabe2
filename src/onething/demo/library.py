"""The demo's document library for `onething serve --demo`: the shipped folder of 33
documents written for the demo (marked so on every text), imported as the administrator.
Idempotent: the import updates by 文号, so a second start changes nothing. Served with
another catalog than the demo's (whose regions and departments issue these documents), the
folder is refused before anything is written, and the demo goes on without it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from onething.catalog.linked import Catalog
from onething.identity import service as identity
from onething.kernel.config import demo_library_dir
from onething.library.loading import LibraryInvalid, Report, load


def ensure_demo_library(session: Session, catalog: Catalog, data_dir: Path,
                        now: dt.datetime) -> Report | None:
    """The demo folder imported, or None (and why, printed) when this catalog lacks the
    bodies that issue its documents."""
    admin = identity.principal_of(identity.find_user(session, "admin"))
    try:
        return load(session, catalog, demo_library_dir(), admin, data_dir, now)
    except LibraryInvalid as refused:
        first = refused.report.problems[0] if refused.report.problems else ""
        print(f"演示文件库未导入：当前事项目录不含其发文机关（{first}）")
        return None
