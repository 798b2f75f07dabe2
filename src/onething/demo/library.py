"""The demo's document library for `onething serve --demo`: the shipped folder of 33
documents written for the demo (marked so on every text), imported as the administrator.
Idempotent: the import updates by 文号, so a second start changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from onething.catalog.linked import Catalog
from onething.identity import service as identity
from onething.kernel.config import demo_library_dir
from onething.library.loading import Report, load


def ensure_demo_library(session: Session, catalog: Catalog, data_dir: Path,
                        now: dt.datetime) -> Report:
    admin = identity.principal_of(identity.find_user(session, "admin"))
    return load(session, catalog, demo_library_dir(), admin, data_dir, now)
