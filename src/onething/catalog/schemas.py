"""What the catalog API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from onething.catalog.diff import Change
from onething.catalog.linked import Bundle, Catalog, Item
from onething.catalog.models import CatalogVersion
from onething.catalog.publishing import STATUS_NAMES, Compared


class QuestionOut(BaseModel):
    code: str
    text: str
    type: str
    options: dict[str, str] | None
    default: Any = None
    required: bool
    help: str | None


class StageItemOut(BaseModel):
    code: str
    name: str
    department: str
    department_name: str
    promised_days: int
    legal_days: int
    when: str | None


class StageOut(BaseModel):
    number: int
    name: str
    items: list[StageItemOut]


class BundleSummary(BaseModel):
    code: str
    name: str
    audience: str
    description: str | None
    keywords: list[str]
    regions: list[str]
    item_count: int
    stage_count: int

    @classmethod
    def of(cls, b: Bundle) -> BundleSummary:
        return cls(code=b.code, name=b.name, audience=b.audience.value,
                   description=b.description, keywords=list(b.keywords),
                   regions=list(b.regions), item_count=len(b.items),
                   stage_count=len(b.stages))


class BaselineOut(BaseModel):
    """Published before-the-reform figures: only those the source gives."""

    figures: dict[str, int]
    source: str
    when: str | None
    situation: str | None


class CheckOut(BaseModel):
    rule: str
    message: str
    fields: list[str]


class BundleDetail(BundleSummary):
    catalog_version: str
    questions: list[QuestionOut]
    stages: list[StageOut]
    promised_days: int | None
    baseline: BaselineOut | None = None
    checks: list[CheckOut] = []

    @classmethod
    def of_bundle(cls, b: Bundle, catalog: Catalog) -> BundleDetail:
        return cls(
            **BundleSummary.of(b).model_dump(), catalog_version=catalog.version,
            questions=[
                QuestionOut(code=q.code, text=q.text, type=q.type.value, options=q.options,
                            default=q.default, required=q.required, help=q.help)
                for q in b.questions
            ],
            stages=[
                StageOut(number=s.number, name=s.name or f"第 {s.number} 阶段", items=[
                    StageItemOut(code=si.item.code, name=si.item.name,
                                 department=si.item.department.code,
                                 department_name=si.item.department.name,
                                 promised_days=si.item.promised_days,
                                 legal_days=si.item.legal_days,
                                 when=si.when.source if si.when else None)
                    for si in s.items
                ])
                for s in b.stages
            ],
            promised_days=b.promised_days,
            baseline=BaselineOut(figures=b.baseline.figures, source=b.baseline.source,
                                 when=b.baseline.when.source if b.baseline.when else None,
                                 situation=b.baseline.situation) if b.baseline else None,
            checks=[CheckOut(rule=c.source, message=c.message, fields=list(c.fields))
                    for c in b.checks],
        )


class ItemSummary(BaseModel):
    code: str
    name: str
    type: str
    department: str
    department_name: str
    level: str
    legal_days: int
    promised_days: int
    immediate: bool
    fee: float

    @classmethod
    def of(cls, i: Item) -> ItemSummary:
        return cls(code=i.code, name=i.name, type=i.type.value, department=i.department.code,
                   department_name=i.department.name, level=i.level.value,
                   legal_days=i.legal_days, promised_days=i.promised_days,
                   immediate=i.immediate, fee=i.fee)


class MaterialUseOut(BaseModel):
    code: str
    name: str
    key: bool
    required: bool
    commitment_allowed: bool
    licence_type: str | None
    intermediary_service: str | None = None  # made by an intermediary: 中介服务超市's type
    when: str | None
    note: str | None


class FieldUseOut(BaseModel):
    code: str
    label: str
    type: str
    required: bool
    when: str | None


class ResultOut(BaseModel):
    licence_type: str
    name: str
    valid_years: int | None
    fills: list[str] = Field(default_factory=list, description="办结时生成并填入申请表的字段")
    holder_kind: str = Field(default="applicant",
                             description="证照关于谁：applicant、person、company")


class PaymentOut(BaseModel):
    """A payment beside the fixed fee."""

    name: str
    amount: float | None
    unit: str
    note: str | None
    fee: bool = Field(description="true：按具体情况计收的行政事业性收费（金额见 note）；"
                                   "false：不属于行政事业性收费")


class ItemDetail(ItemSummary):
    catalog_version: str
    basis: str | None
    description: str | None
    implementing_body: str | None
    visits: int
    visits_alone: int
    payments: list[PaymentOut]
    checks: list[CheckOut]
    materials: list[MaterialUseOut]
    fields: list[FieldUseOut]
    result: ResultOut | None
    bundles: list[str]

    @classmethod
    def of_item(cls, i: Item, catalog: Catalog, bundles: list[str]) -> ItemDetail:
        return cls(
            **ItemSummary.of(i).model_dump(), catalog_version=catalog.version, basis=i.basis,
            description=i.description, visits=i.visits,
            implementing_body=i.implementing_body, visits_alone=i.visits_alone,
            payments=[PaymentOut(name=p.name, amount=p.amount, unit=p.unit, note=p.note,
                                 fee=p.fee) for p in i.payments],
            checks=[CheckOut(rule=c.source, message=c.message, fields=list(c.fields))
                    for c in i.checks],
            materials=[
                MaterialUseOut(code=m.material.code, name=m.material.name, key=m.key,
                               required=m.required, commitment_allowed=m.commitment_allowed,
                               licence_type=m.material.licence_type,
                               intermediary_service=m.material.intermediary_service,
                               when=m.when.source if m.when else None, note=m.note)
                for m in i.materials
            ],
            fields=[
                FieldUseOut(code=f.field.code, label=f.field.label, type=f.field.type.value,
                            required=f.field.required,
                            when=f.when.source if f.when else None)
                for f in i.fields
            ],
            result=ResultOut(licence_type=i.result.licence_type, name=i.result.name,
                             valid_years=i.result.valid_years, fills=list(i.result.fills),
                             holder_kind=i.result.holder.kind.value) if i.result else None,
            bundles=bundles,
        )


# --- catalog versions (publishing) -------------------------------------------------------


class ChangeOut(BaseModel):
    kind: str = Field(description="added 新增 | withdrawn 撤下 | changed 变更")
    code: str
    name: str
    lines: list[str] = Field(description="变更内容（中文）")
    within: list[str] = Field(default_factory=list,
                              description="事项所在的一件事（名称）；其他变更为空")


class DiffOut(BaseModel):
    base_id: int | None = Field(description="对比的版本（草稿：现行版本）")
    bundles: list[ChangeOut]
    items: list[ChangeOut]
    materials: list[ChangeOut]
    fields: list[ChangeOut]
    others: dict[str, dict[str, int]]


class CatalogVersionOut(BaseModel):
    id: int
    digest: str
    status: str = Field(description="draft | reviewed | published | superseded | rolled_back")
    status_name: str
    source: str
    author: str
    created_at: datetime
    reviewer: str | None
    reviewed_at: datetime | None
    comment: str | None
    publish_on: date | None
    published_at: datetime | None
    publisher: str | None
    supersedes_id: int | None
    rollback_of: int | None
    diff: DiffOut | None = None

    @classmethod
    def of(cls, row: CatalogVersion, compared: Compared | None = None) -> CatalogVersionOut:
        shown = None
        if compared is not None:
            c = compared.changes

            def out(changes: tuple[Change, ...]) -> list[ChangeOut]:
                return [ChangeOut(kind=x.kind, code=x.code, name=x.name, lines=list(x.lines),
                                  within=list(x.within))
                        for x in changes]

            shown = DiffOut(base_id=compared.base.id if compared.base else None,
                            bundles=out(c.bundles), items=out(c.items),
                            materials=out(c.materials), fields=out(c.fields), others=c.others)
        return cls(id=row.id, digest=row.digest, status=row.status,
                   status_name=STATUS_NAMES.get(row.status, row.status), source=row.source,
                   author=row.author, created_at=row.loaded_at, reviewer=row.reviewer,
                   reviewed_at=row.reviewed_at, comment=row.comment, publish_on=row.publish_on,
                   published_at=row.published_at, publisher=row.publisher,
                   supersedes_id=row.supersedes_id, rollback_of=row.rollback_of, diff=shown)
