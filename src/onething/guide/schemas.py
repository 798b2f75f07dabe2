"""What the guide API takes and answers (mirrors `Guide.as_dict()`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from onething.guide.engine import FieldStatus, MaterialStatus


class GuideRequest(BaseModel):
    answers: dict[str, Any] = Field(default_factory=dict, description="情形代码 → 回答")
    licences: list[str] = Field(default_factory=list, max_length=200,
                                description="申请人已持有的电子证照类型")


class GuideItemOut(BaseModel):
    code: str
    name: str
    type: str
    department: str
    department_name: str
    implementing_body: str | None = Field(
        description="实施主体, where it is not the competent department itself")
    level: str
    stage: int
    promised_days: int
    legal_days: int
    immediate: bool
    fee: float
    visits: int = Field(description="trips to a counter for this item within the bundle")
    visits_alone: int = Field(description="trips when the item is applied for on its own")
    result: str | None


class SkippedItemOut(BaseModel):
    code: str
    name: str
    stage: int
    department_name: str


class CommitmentNoticeOut(BaseModel):
    item: str
    item_name: str
    material: str
    material_name: str
    conditions: str = Field(description="告知的条件（证明义务）")
    statement: str = Field(description="承诺的内容")
    consequence: str = Field(description="不实承诺的后果")
    text: str = Field(description="告知承诺书全文，签署后随申请记录")


class GuideMaterialOut(BaseModel):
    code: str
    name: str
    status: MaterialStatus
    key: bool
    required: bool
    items: list[str]
    licence_type: str | None
    commitment_allowed: bool
    produced_by: str | None
    reason: str
    notes: list[str]
    commitment_notices: list[CommitmentNoticeOut] | None = Field(
        default=None, description="可告知承诺时：每个事项的告知承诺书（选择前应阅读）")


class GuideFieldOut(BaseModel):
    code: str
    label: str
    type: str
    required: bool
    items: list[str]
    options: dict[str, str] | None
    min: float | None
    max: float | None
    max_length: int | None
    pattern: str | None
    help: str | None
    status: FieldStatus = Field(
        description="fill：申请人填写；produced：前序阶段事项办结时生成，无需填写")
    produced_by: str | None = Field(description="生成该字段的事项代码（status 为 produced 时）")
    reason: str


class StageOut(BaseModel):
    number: int
    name: str
    items: list[str]


class DepartmentOut(BaseModel):
    code: str
    name: str
    items: list[str]


class FiguresOut(BaseModel):
    applications: int
    forms: int
    materials: int
    fields: int
    days: int
    visits: int


class BaselineOut(BaseModel):
    source: str = Field(description="where the published before-the-reform figures come from")
    published: list[str] = Field(description="the figures of `before` taken from the source")
    situation: str | None = Field(description="the situation the figures were published for")


class EffectOut(BaseModel):
    before: FiguresOut = Field(description=(
        "applying item by item: the published baseline's figures where it holds for the "
        "answers, the others as computed_before"))
    after: FiguresOut
    saved: FiguresOut = Field(description="before − after")
    computed_before: FiguresOut = Field(description=(
        "every applicable item on its own, one after the other: one application and form "
        "each, their materials and fields, the sum of their promised days and of their "
        "trips when applied for alone (visits_alone)"))
    baseline: BaselineOut | None


class PaymentOut(BaseModel):
    """A payment beside the fixed fees: not an administrative fee (e.g. a social insurance
    contribution), or an administrative fee whose amount depends on the case (`fee`)."""

    item: str
    item_name: str
    name: str
    amount: float | None
    unit: str
    note: str | None
    fee: bool = Field(description="true：按具体情况计收的行政事业性收费（金额见 note），"
                                   "不计入 fee")


class GuideOut(BaseModel):
    bundle: str
    bundle_name: str
    catalog_version: str
    answers: dict[str, Any]
    held_licences: list[str]
    items: list[GuideItemOut]
    not_applicable: list[SkippedItemOut]
    stages: list[StageOut]
    materials: list[GuideMaterialOut]
    fields: list[GuideFieldOut]
    departments: list[str]
    departments_detail: list[DepartmentOut]
    promised_days: int
    fee: float = Field(description="administrative fees of fixed amount (行政事业性收费)")
    payments: list[PaymentOut] = Field(description=(
        "other payments, not in `fee`: administrative fees whose amount depends on the case "
        "(`fee` true) and payments that are not fees"))
    effect: EffectOut
    bad_credit: str | None = Field(
        default=None, description="调用者有失信记录时：不适用告知承诺和容缺受理的原因")
