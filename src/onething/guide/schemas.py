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
    level: str
    stage: int
    promised_days: int
    legal_days: int
    immediate: bool
    fee: float
    visits: int
    result: str | None


class SkippedItemOut(BaseModel):
    code: str
    name: str
    stage: int
    department_name: str


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


class EffectOut(BaseModel):
    before: FiguresOut
    after: FiguresOut
    saved: FiguresOut


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
    fee: float
    effect: EffectOut
