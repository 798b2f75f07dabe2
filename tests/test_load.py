"""Loading the catalog into SQLite and a real PostgreSQL: idempotent, versioned, never deleting."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from helpers import answer_everything
from onething.catalog import service
from onething.catalog.models import BundleRow, CatalogVersion, ItemRow, RegionRow
from onething.catalog.validate import read_catalog
from onething.guide.engine import compute_guide
from onething.kernel.db import unit_of_work


def load(sessions: sessionmaker[Session], directory: Path) -> service.LoadReport:
    with unit_of_work(sessions) as session:
        return service.load(session, read_catalog(directory), str(directory))


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_demo_catalog_loads_and_serves_guides(sessions: sessionmaker[Session],
                                              demo_dir: Path) -> None:
    report = load(sessions, demo_dir)
    assert report.changed
    assert count(sessions, BundleRow) >= 5
    with sessions() as session:
        catalog = service.current_catalog(session)
        assert catalog.version == report.version
        hunan = session.get(RegionRow, "430000")
        assert hunan is not None and hunan.name == "湖南省"
        cities = session.scalars(select(RegionRow).where(RegionRow.parent_code == "430000"))
        assert len(list(cities)) == 14
    bundle = catalog.bundles["NEWBORN_BIRTH"]
    guide = compute_guide(catalog, bundle.code, answer_everything(bundle))
    assert guide.items and guide.catalog_version == report.version


def test_loading_the_same_files_twice_changes_nothing(sessions: sessionmaker[Session],
                                                      basic_dir: Path) -> None:
    first = load(sessions, basic_dir)
    second = load(sessions, basic_dir)
    assert first.changed and not second.changed
    assert second.version == first.version and second.version_id == first.version_id
    assert count(sessions, CatalogVersion) == 1


def test_changed_files_update_in_place_and_keep_versions(sessions: sessionmaker[Session],
                                                         basic_dir: Path, tmp_path: Path) -> None:
    first = load(sessions, basic_dir)
    changed = tmp_path / "catalog"
    shutil.copytree(basic_dir, changed)
    items = changed / "items.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace("promised_days: 5",
                                                               "promised_days: 3"),
                     encoding="utf-8")
    second = load(sessions, changed)
    assert second.changed and second.version != first.version
    assert second.updated == {"items": ["FOOD"]}
    with sessions() as session:
        food = session.get_one(ItemRow, "FOOD")
        assert food.promised_days == 3 and food.changed_in == second.version_id
        reg = session.get_one(ItemRow, "REG")
        assert reg.changed_in == first.version_id  # untouched
        versions = session.scalars(select(CatalogVersion.digest).order_by(CatalogVersion.id))
        assert list(versions) == [first.version, second.version]
        assert service.current_catalog(session).items["FOOD"].promised_days == 3


def test_removed_items_are_withdrawn_not_deleted(sessions: sessionmaker[Session],
                                                 basic_dir: Path, tmp_path: Path) -> None:
    load(sessions, basic_dir)
    smaller = tmp_path / "catalog"
    shutil.copytree(basic_dir, smaller)
    bundles = smaller / "bundles.yaml"
    text = bundles.read_text(encoding="utf-8")
    stage = '      - name: 开业检查\n        items: [{item: FIRE, when: "shop_area > 300"}]\n'
    assert stage in text
    text = text.replace(stage, "")
    bundles.write_text(text, encoding="utf-8")
    items = smaller / "items.yaml"
    items.write_text(items.read_text(encoding="utf-8").split("  - code: FIRE")[0],
                     encoding="utf-8")
    report = load(sessions, smaller)
    assert report.withdrawn == {"items": ["FIRE"]}
    with sessions() as session:
        fire = session.get_one(ItemRow, "FIRE")
        assert fire.withdrawn_in == report.version_id
        assert "FIRE" not in service.current_catalog(session).items
    restored = load(sessions, basic_dir)
    assert restored.restored == {"items": ["FIRE"]}
    with sessions() as session:
        assert session.get_one(ItemRow, "FIRE").withdrawn_in is None
