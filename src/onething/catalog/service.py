"""Catalog rules that touch the database: loading versions, making a version the one in force
(publishing it: its entries synchronised) and serving the current catalog — the version
`published`, whatever drafts were submitted after it (`publishing.py` runs the review)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
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
from onething.kernel.clock import utcnow
from onething.kernel.jobs import NotReady, Run
from onething.kernel.principal import SYSTEM, Principal
from onething.kernel.recent import Recent

PUBLISHED, SUPERSEDED, ROLLED_BACK = "published", "superseded", "rolled_back"
BY_COMMAND = "命令行"  # the author and publisher of a load by `onething catalog load`

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


_CURRENT = select(CatalogVersion.id).where(CatalogVersion.status == PUBLISHED).order_by(
    CatalogVersion.published_at.desc(), CatalogVersion.id.desc()).limit(1)


def current_version(session: Session) -> CatalogVersion | None:
    """The version in force: the one published (None before the first)."""
    found = session.scalar(_CURRENT)
    return None if found is None else session.get_one(CatalogVersion, found)


def serialise(session: Session) -> None:
    """Changes of the version in force are serialised: an advisory lock on PostgreSQL
    (SQLite writers are serial anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(727001)"))


def load(session: Session, document: CatalogFileSpec, source: str) -> LoadReport:
    """Make the database hold `document` as the catalog in force, published by the command
    at once; nothing changes if it already is the version in force."""
    serialise(session)
    version = digest(document)
    current = current_version(session)
    if current is not None and current.digest == version:
        return LoadReport(version, current.id, changed=False)
    row = CatalogVersion(digest=version, source=source, document=document.model_dump(mode="json"),
                         summary={}, status="draft", author=BY_COMMAND)
    session.add(row)
    session.flush()
    report = make_current(session, row, SYSTEM, BY_COMMAND, utcnow())
    audit.record(session, SYSTEM, "load_catalog", "catalog", row.id,
                 after={"digest": version, "source": source, **report.counts()})
    return report


def make_current(session: Session, row: CatalogVersion, actor: Principal, publisher: str,
                 now: dt.datetime, replaced: str = SUPERSEDED) -> LoadReport:
    """Publishes `row`: its entries become the catalog's rows (changed and withdrawn in it),
    the version in force until now becomes `replaced` and is what `row` supersedes."""
    serialise(session)
    current = current_version(session)
    if current is not None:
        current.status = replaced
    document = CatalogFileSpec.model_validate(row.document)
    report = LoadReport(row.digest, row.id, changed=True)
    for section, table, display, columns in _TABLES:
        specs = getattr(document, section)
        if section == "regions":
            specs = sorted(specs, key=lambda s: (LEVEL_ORDER.index(s.level), s.code))
        _sync(session, table, specs, row.id, display, columns, report, section)
    row.summary = {"entries": {s: len(getattr(document, s)) for s, *_ in _TABLES},
                   **report.counts()}
    row.status, row.published_at, row.publisher = PUBLISHED, now, publisher
    row.supersedes_id = current.id if current is not None else None
    session.flush()
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
    """The built catalog of the version in force, rebuilt only when another is published."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: tuple[int, Catalog] | None = None
        self._recent = Recent(self.get)

    def recent(self, sessions: sessionmaker[Session], max_age: float) -> Catalog:
        """The catalog, asking the database for a newer version at most every `max_age` s
        (`Recent`): other processes' loads become visible within `max_age`."""
        return self._recent.get(sessions, max_age)

    def kept(self, max_age: float) -> Catalog | None:
        """The catalog without asking the database, if it was asked within `max_age` s."""
        return self._recent.kept(max_age)

    def get(self, session: Session) -> Catalog:
        newest = session.execute(_CURRENT).scalar()
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


_pinned: OrderedDict[str, Catalog] = OrderedDict()  # by digest: the same content, one catalog
_pinned_lock = threading.Lock()
PINNED_KEPT = 4


def catalog_at(session: Session, version_id: int) -> Catalog:
    """The catalog of version `version_id` (an application's, which keeps the version it
    started under), built once and kept for the few last asked."""
    version = session.scalar(select(CatalogVersion.digest).where(
        CatalogVersion.id == version_id))
    if version is None:
        raise NoCatalog(f"目录版本 #{version_id} 不存在")
    with _pinned_lock:
        if version in _pinned:
            _pinned.move_to_end(version)
            return _pinned[version]
    row = session.get_one(CatalogVersion, version_id)
    catalog = build_catalog(CatalogFileSpec.model_validate(row.document), row.digest)
    with _pinned_lock:
        _pinned[version] = catalog
        while len(_pinned) > PINNED_KEPT:
            _pinned.popitem(last=False)
    return catalog
