"""好差评 and 差评整改 through HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.http.deps import CatalogDep, CtxDep, SessionDep, code_url, guesser
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.kernel.db import UnitOfWork
from onething.ratings import codes, guesses
from onething.ratings import service as ratings
from onething.ratings.models import Rating, Rectification

router = APIRouter(prefix="/api/v1", tags=["ratings"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})


class RatingIn(BaseModel):
    target: Literal["window", "department"] = Field(
        description="评价对象：window 受理的综合窗口（服务态度、服务水平、服务效率）；"
                    "department 作出决定的部门（办事效率、办事指南精确度、办事便捷度、平台操作性）")
    department: str | None = Field(default=None, max_length=64,
                                   description="评价部门时：作出决定的部门代码")
    level: int = Field(ge=1, le=5,
                       description="5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意")
    indicators: dict[str, int] = Field(default_factory=dict, max_length=10)
    comment: str | None = Field(default=None, max_length=2000)

    def given(self) -> ratings.RatingInput:
        return ratings.RatingInput(self.level, self.indicators, self.comment, self.department,
                                   self.target)


class CodeRatingIn(RatingIn):
    code: str = Field(min_length=1, max_length=40, description="评价回执上的评价码")


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=40, description="评价回执上的评价码")


class TargetOut(BaseModel):
    target: str
    department: str | None
    name: str


class CodeOut(BaseModel):
    code: str = Field(description="评价码（只显示这一次，仅存其摘要）")
    url: str = Field(description="扫码或输入的评价地址")
    expires_at: dt.datetime
    application_id: int


class CodeTargetsOut(BaseModel):
    application_number: str
    bundle_name: str
    expires_at: dt.datetime
    targets: list[TargetOut] = Field(description="现在可以评价的服务（每项服务评价一次）")
    waiting: list[TargetOut] = Field(
        description="尚不能评价的服务：部门审批办结后可再次扫码评价")
    rated: list[TargetOut] = Field(description="已评价的服务")
    message: str | None = Field(description="现在没有可评价的服务时，说明原因")

    @staticmethod
    def listed(found: list[ratings.Target]) -> list[TargetOut]:
        return [TargetOut(target=t.kind, department=t.department, name=t.name) for t in found]


class RectificationOut(BaseModel):
    id: int
    application_id: int
    target: str = Field(description="window 综合窗口 · department 审批部门")
    department: str | None
    region: str
    status: str
    status_name: str
    due_on: dt.date
    justified: bool | None
    response: str | None
    review: str | None
    steps: list[dict[str, Any]]
    closed_at: dt.datetime | None

    @classmethod
    def of(cls, r: Rectification) -> RectificationOut:
        return cls(id=r.id, application_id=r.application_id, target=r.target,
                   department=r.department_code,
                   region=r.region_code, status=r.status,
                   status_name=ratings.STATUS_NAMES[r.status], due_on=r.due_on,
                   justified=r.justified, response=r.response, review=r.review,
                   steps=r.steps, closed_at=r.closed_at)


class RatingOut(BaseModel):
    application_id: int
    level: int
    level_name: str
    channel: str = Field(description="online 网上评价 · code 扫码评价 · window 窗口代录（旧）")
    target: str = Field(description="window 综合窗口 · department 审批部门")
    indicators: dict[str, int]
    comment: str | None
    department: str | None
    created_at: dt.datetime
    rectification: RectificationOut | None

    @classmethod
    def of(cls, r: Rating, rect: Rectification | None) -> RatingOut:
        return cls(application_id=r.application_id, level=r.level,
                   level_name=ratings.LEVELS[r.level], channel=r.channel, target=r.target,
                   indicators=r.indicators, comment=r.comment, department=r.department_code,
                   created_at=r.created_at,
                   rectification=RectificationOut.of(rect) if rect else None)


class CaseRatingsOut(RatingOut):
    """The case's first rating, as this answer always was, and all its ratings (one per
    service: the receiving window, each deciding department) in `ratings`."""

    ratings: list[RatingOut] = Field(description="本办件的全部评价（每项服务一条），按评价时间排列")


class StepIn(BaseModel):
    action: Literal["verify", "decide", "rectify", "follow_up", "review"]
    text: str = Field(min_length=1, max_length=4000)
    justified: bool | None = None


@router.post("/applications/{application_id}/rating", response_model=RatingOut,
             status_code=201,
             summary="申请人评价（好差评）：受理窗口、作出决定的各部门，每项服务一次")
def rate(application_id: Id, body: RatingIn, ctx: CtxDep, request: Request) -> RatingOut:
    settings = request.app.state.settings
    with ctx.work():
        rating = ratings.rate(ctx, application_id, body.given(),
                              rectification_days=settings.rectification_days)
    with ctx.reading() as reader:
        return RatingOut.of(rating, _rectification(reader.session, rating))


def _rectification(session: Session, rating: Rating) -> Rectification | None:
    return session.scalar(select(Rectification).where(Rectification.rating_id == rating.id))


@router.post("/applications/{application_id}/rating-code", response_model=CodeOut,
             status_code=201, summary="窗口：打印评价回执的一次性评价码（扫码评价）")
def rating_code(application_id: Id, ctx: CtxDep, request: Request) -> CodeOut:
    with ctx.work():
        issued = codes.issue(ctx, application_id, request.app.state.settings.rating_code_days)
    return CodeOut(code=codes.shown(issued.code), url=code_url(request, issued.code),
                   expires_at=issued.expires_at, application_id=application_id)


@router.post("/rating-codes/targets", response_model=CodeTargetsOut,
             responses={429: {"model": ProblemOut}},
             summary="扫码评价：评价码对应的办件和可评价的对象（无需登录）")
def code_targets(body: CodeIn, session: SessionDep, catalog: CatalogDep,
                 request: Request) -> CodeTargetsOut:
    now = request.app.state.clock()
    with guesses.counted(session, request.app.state.writer_sessions, guesser(request)):
        opened = codes.open_code(session, catalog, now, body.code)
    app = opened.application
    bundle = catalog.bundles.get(app.bundle_code)
    return CodeTargetsOut(
        application_number=app.number, bundle_name=bundle.name if bundle else app.bundle_code,
        expires_at=opened.row.expires_at, targets=CodeTargetsOut.listed(opened.ratable),
        waiting=CodeTargetsOut.listed(opened.waiting),
        rated=CodeTargetsOut.listed(opened.rated), message=opened.not_yet)


@router.post("/rating-codes/rating", response_model=RatingOut, status_code=201,
             responses={429: {"model": ProblemOut}},
             summary="扫码评价：凭评价码评价一项服务（无需登录；各项服务均评价后评价码用完）")
def rate_with_code(body: CodeRatingIn, session: SessionDep, catalog: CatalogDep,
                   request: Request) -> RatingOut:
    settings = request.app.state.settings
    with (UnitOfWork(session),
          guesses.counted(session, request.app.state.writer_sessions, guesser(request))):
        rating = codes.rate_with_code(
            session, catalog, request.app.state.clock(), body.code, body.given(),
            rectification_days=settings.rectification_days)
    with request.app.state.sessions() as reader:
        return RatingOut.of(rating, _rectification(reader, rating))


@router.get("/applications/{application_id}/rating", response_model=CaseRatingsOut | None,
            summary="办件的评价及整改答复：第一条评价，`ratings` 列出全部（每项服务一条）")
def get_rating(application_id: Id, ctx: CtxDep) -> CaseRatingsOut | None:
    found = ratings.ratings_of(ctx, application_id)
    if not found:
        return None
    first, rect = found[0]
    return CaseRatingsOut(**RatingOut.of(first, rect).model_dump(),
                          ratings=[RatingOut.of(r, x) for r, x in found])


@router.get("/rectifications", response_model=list[RectificationOut],
            summary="差评整改（责任部门、效能监察）")
def list_rectifications(ctx: CtxDep, status: str | None = None) -> list[RectificationOut]:
    return [RectificationOut.of(r) for r in ratings.rectifications(ctx, status)]


@router.post("/rectifications/{rectification_id}/steps", response_model=RectificationOut,
             summary="整改：回访核实 → 认定 → 整改 → 跟踪回访；监察复核")
def step(rectification_id: Id, body: StepIn, ctx: CtxDep) -> RectificationOut:
    with ctx.work():
        rect = ratings.advance(ctx, rectification_id, body.action, body.text, body.justified)
    return RectificationOut.of(rect)
