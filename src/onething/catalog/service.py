"""Catalog rules that touch the database: loading versions and serving the current catalog."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from onething.audit import service as audit
from onething.catalog.linked import Catalog, build_catalog, digest
from onething.catalog.models import (
    BundleRow,
    CatalogVersion,
    DepartmentRow,
    FieldRow,
    ItemRow,
    MaterialRow,
    RegionRow,
)
from onething.catalog.spec import LEVEL_ORDER, CatalogFileSpec, ItemSpec
from onething.kernel.jobs import NotReady, Run
from onething.kernel.principal import SYSTEM
from onething.kernel.recent import Recent

_Row = RegionRow | DepartmentRow | FieldRow | MaterialRow | ItemRow | BundleRow


def _item_columns(spec: ItemSpec) -> dict[str, Any]:
    return {
        "type": spec.type.value, "department_code": spec.department, "level": spec.level.value,
        "legal_days": spec.legal_days, "promised_days": spec.promised_days,
        "fee": Decimal(str(spec.fee)).quantize(Decimal("0.01")),
    }


# Each section: its table, the name of its display column, and its extra columns.
# Order matters: referenced tables first.
_TABLES: list[tuple[str, type[_Row], str, Callable[[Any], dict[str, Any]]]] = [
    ("regions", RegionRow, "name",
     lambda s: {"level": s.level.value, "parent_code": s.parent}),
    ("departments", DepartmentRow, "name", lambda s: {}),
    ("fields", FieldRow, "label", lambda s: {}),
    ("materials", MaterialRow, "name", lambda s: {}),
    ("items", ItemRow, "name", _item_columns),
    ("bundles", BundleRow, "name", lambda s: {"audience": s.audience.value}),
]


class NoCatalog(LookupError):
    """No catalog has been loaded into the database yet."""


@dataclass
class LoadReport:
    version: str
    version_id: int
    changed: bool
    added: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    withdrawn: dict[str, list[str]] = field(default_factory=dict)
    restored: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        kinds = {"added": self.added, "updated": self.updated, "withdrawn": self.withdrawn,
                 "restored": self.restored}
        return {k: {s: len(v) for s, v in d.items() if v} for k, d in kinds.items()}


def latest_version(session: Session) -> CatalogVersion | None:
    return session.scalars(
        select(CatalogVersion).order_by(CatalogVersion.id.desc()).limit(1)
    ).first()


def load(session: Session, document: CatalogFileSpec, source: str) -> LoadReport:
    """Make the database hold `document`; nothing changes if it already does.

    Loads are serialised: an advisory lock on PostgreSQL (SQLite writers are serial anyway).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(727001)"))
    version = digest(document)
    latest = latest_version(session)
    if latest is not None and latest.digest == version:
        return LoadReport(version, latest.id, changed=False)
    row = CatalogVersion(digest=version, source=source,
                         document=document.model_dump(mode="json"), summary={})
    session.add(row)
    session.flush()
    report = LoadReport(version, row.id, changed=True)
    for section, table, display, columns in _TABLES:
        specs = getattr(document, section)
        if section == "regions":
            specs = sorted(specs, key=lambda s: (LEVEL_ORDER.index(s.level), s.code))
        _sync(session, table, specs, row.id, display, columns, report, section)
    row.summary = {"entries": {s: len(getattr(document, s)) for s, *_ in _TABLES},
                   **report.counts()}
    session.flush()
    audit.record(session, SYSTEM, "load_catalog", "catalog", row.id,
                 after={"digest": version, "source": source, **report.counts()})
    return report


def _sync(session: Session, table: type[_Row], specs: Sequence[Any], version_id: int,
          display: str, columns: Callable[[Any], dict[str, Any]], report: LoadReport,
          section: str) -> None:
    rows: Sequence[Any] = session.scalars(select(table)).all()
    existing: dict[str, Any] = {r.code: r for r in rows}
    for spec in specs:
        values = {"name": getattr(spec, display), "definition": spec.model_dump(mode="json"),
                  **columns(spec)}
        code: str = spec.code
        current = existing.pop(code, None)
        if current is None:
            session.add(table(code=code, changed_in=version_id, **values))
            report.added.setdefault(section, []).append(code)
            continue
        if current.withdrawn_in is not None:
            current.withdrawn_in = None
            report.restored.setdefault(section, []).append(code)
        if any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            current.changed_in = version_id
            report.updated.setdefault(section, []).append(code)
    for gone in existing.values():
        if gone.withdrawn_in is None:
            gone.withdrawn_in = version_id
            report.withdrawn.setdefault(section, []).append(gone.code)
    session.flush()


class CatalogCache:
    """The built catalog of the newest version, rebuilt only when a new version appears."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: tuple[int, Catalog] | None = None
        self._recent = Recent(self.get)

    def recent(self, sessions: sessionmaker[Session], max_age: float) -> Catalog:
        """The catalog, asking the database for a newer version at most every `max_age` s
        (`Recent`): other processes' loads become visible within `max_age`."""
        return self._recent.get(sessions, max_age)

    def get(self, session: Session) -> Catalog:
        newest = session.execute(
            select(CatalogVersion.id).order_by(CatalogVersion.id.desc()).limit(1)
        ).scalar()
        if newest is None:
            raise NoCatalog("尚未加载事项目录，请先运行 onething catalog load")
        cached = self._by_id
        if cached is not None and cached[0] == newest:
            return cached[1]
        with self._lock:
            row = session.get_one(CatalogVersion, newest)
            catalog = build_catalog(CatalogFileSpec.model_validate(row.document), row.digest)
            self._by_id = (newest, catalog)
            return catalog

    def clear(self) -> None:
        self._by_id = None
        self._recent.clear()


catalog_cache = CatalogCache()  # for commands; each app keeps its own


def catalog_of(run: Run) -> Catalog:
    """The catalog of a scheduled run, kept between the runs of one scheduler; NotReady
    (the run stops, to try again next time) until a catalog is loaded."""
    catalogs = run.kept.setdefault("catalogs", CatalogCache())
    try:
        return catalogs.recent(run.sessions, 0)  # type: ignore[no-any-return]
    except NoCatalog as exc:
        raise NotReady(str(exc)) from exc


def current_catalog(session: Session) -> Catalog:
    return catalog_cache.get(session)
