"""好差评 and 差评整改 through HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from onething.deps import CtxDep
from onething.problems import ProblemOut
from onething.ratings import service as ratings
from onething.ratings.models import Rating, Rectification
from onething.schemas import Id

router = APIRouter(prefix="/api/v1", tags=["ratings"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})


class RatingIn(BaseModel):
    level: int = Field(ge=1, le=5,
                       description="5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意")
    indicators: dict[str, int] = Field(default_factory=dict, max_length=10)
    comment: str | None = Field(default=None, max_length=2000)
    department: str | None = Field(default=None, max_length=64, description="评价针对的部门")


class RectificationOut(BaseModel):
    id: int
    application_id: int
    department: str
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
        return cls(id=r.id, application_id=r.application_id, department=r.department_code,
                   region=r.region_code, status=r.status,
                   status_name=ratings.STATUS_NAMES[r.status], due_on=r.due_on,
                   justified=r.justified, response=r.response, review=r.review,
                   steps=r.steps, closed_at=r.closed_at)


class RatingOut(BaseModel):
    application_id: int
    level: int
    level_name: str
    channel: str
    indicators: dict[str, int]
    comment: str | None
    department: str
    created_at: dt.datetime
    rectification: RectificationOut | None

    @classmethod
    def of(cls, r: Rating, rect: Rectification | None) -> RatingOut:
        return cls(application_id=r.application_id, level=r.level,
                   level_name=ratings.LEVELS[r.level], channel=r.channel,
                   indicators=r.indicators, comment=r.comment, department=r.department_code,
                   created_at=r.created_at,
                   rectification=RectificationOut.of(rect) if rect else None)


class StepIn(BaseModel):
    action: Literal["verify", "decide", "rectify", "follow_up", "review"]
    text: str = Field(min_length=1, max_length=4000)
    justified: bool | None = None


@router.post("/applications/{application_id}/rating", response_model=RatingOut,
             status_code=201, summary="评价（好差评），每个办件一次，不可修改")
def rate(application_id: Id, body: RatingIn, ctx: CtxDep, request: Request) -> RatingOut:
    settings = request.app.state.settings
    rating = ratings.rate(ctx, application_id, ratings.RatingInput(
        body.level, body.indicators, body.comment, body.department),
        rectification_days=settings.rectification_days,
        after_acceptance=settings.rating_after_acceptance)
    ctx.session.commit()
    return RatingOut.of(rating, ratings.rating_of(ctx, application_id)[1])


@router.get("/applications/{application_id}/rating", response_model=RatingOut | None,
            summary="办件的评价及整改答复")
def get_rating(application_id: Id, ctx: CtxDep) -> RatingOut | None:
    rating, rect = ratings.rating_of(ctx, application_id)
    return RatingOut.of(rating, rect) if rating else None


@router.get("/rectifications", response_model=list[RectificationOut],
            summary="差评整改（责任部门、效能监察）")
def list_rectifications(ctx: CtxDep, status: str | None = None) -> list[RectificationOut]:
    return [RectificationOut.of(r) for r in ratings.rectifications(ctx, status)]


@router.post("/rectifications/{rectification_id}/steps", response_model=RectificationOut,
             summary="整改：回访核实 → 认定 → 整改 → 跟踪回访；监察复核")
def step(rectification_id: Id, body: StepIn, ctx: CtxDep) -> RectificationOut:
    rect = ratings.advance(ctx, rectification_id, body.action, body.text, body.justified)
    ctx.session.commit()
    return RectificationOut.of(rect)
