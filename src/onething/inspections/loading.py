"""Loading a register of market entities into the 检查对象名录库
(`onething inspections load-entities FILE`): one transaction, `file:line` refusals.

The file is CSV with a header: 统一社会信用代码 (`uscc`), 名称 (`name`), 登记机关所在
县区代码 (`region`), 乡镇街道代码 (`township`, optional), 信用风险分类 (`risk`: A, B, C
or D) and 类型 (`kind`, optional). A file with any bad row changes nothing; a USCC already
in the 名录库 is brought up to date (a register's row replaces a company file's).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, insert
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.inspections.models import Entity
from onething.inspections.rules import RISK_CLASSES
from onething.kernel.errors import Invalid
from onething.kernel.identifiers import uscc_problem
from onething.kernel.principal import SYSTEM, Principal

COLUMNS = ("uscc", "name", "region", "township", "risk", "kind")
REQUIRED = ("uscc", "name", "region", "risk")
SHOWN = 50
_ENTITIES = cast(Table, Entity.__table__)


@dataclass
class EntityLoad:
    file: str
    rows: int = 0
    problems: list[str] = field(default_factory=list)


class EntitiesInvalid(Invalid):
    def __init__(self, report: EntityLoad) -> None:
        super().__init__(f"检查对象名录文件有 {len(report.problems)} 处问题，未载入任何对象",
                         code="inspection_entities_invalid")
        self.report = report


def row_problem(row: dict[str, str], regions: set[str]) -> str | None:
    """What is wrong with one row, or None (pure)."""
    missing = [c for c in REQUIRED if not row.get(c)]
    if missing:
        return f"缺少 {'、'.join(missing)}"
    problem = uscc_problem(row["uscc"])
    if problem:
        return f"统一社会信用代码 {row['uscc']!r}：{problem}"
    if row["region"] not in regions:
        return f"没有行政区划 {row['region']!r}"
    township = row.get("township") or ""
    if township and (not township.isdigit() or not township.startswith(row["region"])
                     or len(township) > 12):
        return f"乡镇街道代码 {township!r} 须为 {row['region']} 开头的数字代码"
    if row["risk"] not in RISK_CLASSES:
        return f"信用风险分类须为 A、B、C 或 D，收到 {row['risk']!r}"
    if len(row["name"]) > 200:
        return "名称不能超过 200 个字"
    return None


def load(session: Session, path: Path, regions: set[str], now: dt.datetime,
         actor: Principal = SYSTEM) -> EntityLoad:
    report = EntityLoad(file=path.name)
    if path.suffix.lower() != ".csv":
        raise Invalid(f"{path.name}：只能载入 .csv 文件", code="inspection_entities_format")
    good: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            absent = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if absent:
                raise Invalid(f"{path.name}:1：表头缺少 {'、'.join(absent)}（应有 "
                              f"{','.join(COLUMNS)}）", code="inspection_entities_format")
            for row in reader:
                line = reader.line_num
                clean = {k: (row.get(k) or "").strip() for k in COLUMNS}
                clean["uscc"] = clean["uscc"].upper()
                problem = row_problem(clean, regions)
                if problem is None and clean["uscc"] in seen:
                    problem = f"与第 {seen[clean['uscc']]} 行的统一社会信用代码重复"
                if problem:
                    report.problems.append(f"{path.name}:{line}：{problem}")
                    continue
                seen[clean["uscc"]] = line
                good.append({"uscc": clean["uscc"], "name": clean["name"],
                             "kind": clean["kind"] or None, "region_code": clean["region"],
                             "township_code": clean["township"] or None,
                             "risk_class": clean["risk"], "source": "register",
                             "updated_at": now})
    except UnicodeDecodeError as exc:
        raise Invalid(f"{path.name}：不是 UTF-8 文本", code="inspection_entities_format") from exc
    report.rows = len(good)
    if report.problems:
        raise EntitiesInvalid(report)
    for at in range(0, len(good), 1000):
        batch = good[at:at + 1000]
        session.execute(delete(Entity).where(Entity.uscc.in_([r["uscc"] for r in batch])))
        session.execute(insert(_ENTITIES), batch)
    audit.record(session, actor, "load_inspection_entities", "inspection_entities", path.name,
                 at=now, after={"rows": report.rows})
    session.flush()
    return report
