"""信用 through HTTP: may this holder use 容缺 / 告知承诺 / 秒批 now, and their records — the
holder their own, the staff who decide anyone's by key; 失信 and 守信 rulings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from onething.cases.routing import office_name
from onething.credit import reading
from onething.credit.models import CreditRecord
from onething.credit.service import in_force
from onething.http.deps import CtxDep
from onething.http.problems import ProblemOut

router = APIRouter(prefix="/api/v1", tags=["credit"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 422: {"model": ProblemOut}})


class AllowedOut(BaseModel):
    option: str = Field(description="deficiency 容缺受理 · commitment 告知承诺 · "
                                    "auto_approval 秒批")
    name: str
    allowed: bool
    reason: str


class RecordOut(BaseModel):
    id: int
    kind: str = Field(description="bad 失信 · good 守信")
    kind_name: str
    holder_name: str | None
    source: str = Field(description="commitment_check 告知承诺核查 · ruling 行政机关认定 · "
                                    "data 载入的信用名单")
    source_name: str
    reference: str | None = Field(description="认定文书号")
    reason: str
    valid_from: dt.date
    valid_until: dt.date = Field(description="有效期最后一天")
    in_force: bool = Field(description="今天是否有效（在有效期内且未修复）")
    repaired_at: dt.datetime | None = Field(description="信用修复的时间")

    @classmethod
    def of(cls, r: CreditRecord, today: dt.date) -> RecordOut:
        return cls(id=r.id, kind=r.kind, kind_name=reading.kind_name(r),
                   holder_name=r.holder_name, source=r.source,
                   source_name=reading.source_name(r), reference=r.reference, reason=r.reason,
                   valid_from=r.valid_from, valid_until=r.valid_until,
                   in_force=in_force(r, today), repaired_at=r.repaired_at)


class CreditOut(BaseModel):
    holder: str = Field(description="身份证号（部分隐藏）或统一社会信用代码")
    may_use: list[AllowedOut] = Field(description="现在能否适用容缺受理、告知承诺、秒批，及理由")
    records: list[RecordOut]

    @classmethod
    def of(cls, shown: reading.Shown) -> CreditOut:
        return cls(holder=shown.holder, may_use=[
            AllowedOut(option=a.option, name=a.name, allowed=a.allowed, reason=a.reason)
            for a in shown.standing.answers],
            records=[RecordOut.of(r, shown.today) for r in shown.records])


class RulingIn(BaseModel):
    key: str = Field(max_length=40, description="居民身份证号或统一社会信用代码")
    name: str = Field(max_length=200, description="姓名或名称")
    kind: Literal["bad", "good"] = Field(description="bad 失信 · good 守信")
    reason: str = Field(max_length=2000)
    reference: str = Field(max_length=100, description="认定文书号")
    valid_from: dt.date
    valid_until: dt.date = Field(description="有效期最后一天")


@router.get("/credit", response_model=CreditOut,
            summary="本人的信用：现在能否适用容缺受理、告知承诺、秒批，以及全部信用记录")
def own_credit(ctx: CtxDep) -> CreditOut:
    return CreditOut.of(reading.own(ctx))


@router.get("/credit/holders", response_model=CreditOut,
            summary="查询某一主体的信用（窗口、审批部门、效能监察、管理员；留痕）")
def holder_credit(ctx: CtxDep, key: Annotated[str, Query(
        max_length=40, description="居民身份证号或统一社会信用代码")]) -> CreditOut:
    with ctx.work():  # the look-up is audited
        shown = reading.lookup(ctx, key)
        return CreditOut.of(shown)


@router.post("/credit/records", response_model=RecordOut, status_code=201,
             summary="登记失信或守信认定（审批部门、管理员）")
def record_ruling(body: RulingIn, ctx: CtxDep) -> RecordOut:
    office = (office_name(ctx.catalog, ctx.actor.region or "", ctx.actor.department)
              if ctx.actor.department else "平台管理员认定")
    with ctx.work():
        found = reading.record_ruling(ctx, reading.Ruling(
            body.key, body.name, body.kind, body.reason, body.reference, body.valid_from,
            body.valid_until), office)
        return RecordOut.of(found, ctx.today)
