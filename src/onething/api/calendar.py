"""The working-day calendar for administrators: the State Council holiday notices loaded,
and a notice file previewed (`dry_run=true`: the days it changes, the open deadlines it
moves, nothing written) then loaded with the preview's key (the notice stored, the
deadlines recomputed, audited). Thin: the rules are `cases.deadlines`' and
`calendar.service`'s, as for the CLI's `workdays load`."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, UploadFile
from pydantic import BaseModel

from onething.calendar import service as calendar
from onething.calendar.service import MAX_NOTICE_BYTES, DayChange
from onething.cases import deadlines
from onething.cases.deadlines import KIND_NAMES, Moves
from onething.http.deps import CtxDep
from onething.http.problems import ProblemOut
from onething.kernel.errors import FieldProblem, Forbidden, Invalid

router = APIRouter(prefix="/api/v1", tags=["calendar"],
                   responses={401: {"model": ProblemOut}, 403: {"model": ProblemOut},
                              422: {"model": ProblemOut}})


class YearOut(BaseModel):
    year: int
    source: str
    holidays: int
    workdays: int
    loaded_at: dt.datetime
    loaded_by: str | None


class DayOut(BaseModel):
    date: dt.date
    was_workday: bool
    workday: bool
    holiday: str | None


class MoveOut(BaseModel):
    kind: str
    kind_name: str
    number: str
    name: str
    before: dt.date
    after: dt.date


class NoticeOut(BaseModel):
    year: int
    loaded: bool  # false: a preview, nothing written
    preview: str | None  # the key to send back with dry_run=false
    days: list[DayOut]
    moved: dict[str, int]  # deadlines moved (or that would move), by kind
    moved_total: int
    sample: list[MoveOut]


@router.get("/calendar/notices", response_model=list[YearOut],
            summary="已加载的国务院放假安排（按年份）")
def notices(ctx: CtxDep) -> list[YearOut]:
    _may_see(ctx)
    with ctx.reading() as read:
        return [YearOut(**vars(y)) for y in calendar.years(read.session)]


@router.post("/calendar/notices", response_model=NoticeOut,
             responses={409: {"model": ProblemOut}},
             summary="上传放假安排文件：先预览（dry_run=true），再凭 preview 加载并重算期限")
def upload(file: UploadFile, ctx: CtxDep, dry_run: bool = True,
           preview: str | None = Query(None, max_length=64)) -> NoticeOut:
    text = file.file.read(MAX_NOTICE_BYTES + 1)
    if dry_run:
        with ctx.reading() as read:
            seen = deadlines.preview(read.session, ctx.actor, read.catalog.regions, text)
        return _out(seen.notice.year, False, seen.key, seen.days, seen.moves)
    if not preview:
        raise Invalid("请先预览（dry_run=true），再带上预览返回的 preview 加载",
                      code="preview_missing", problems=[FieldProblem("preview", "缺少预览")])
    with ctx.work():
        done = deadlines.load(ctx.session, ctx.actor, ctx.catalog.regions, text, preview)
    return _out(done.year, True, None, done.days, done.moves)


def _may_see(ctx: CtxDep) -> None:
    if not calendar.may_see(ctx.actor):
        raise Forbidden("只有管理员可以查看放假安排", code="calendar_forbidden")


def _out(year: int, loaded: bool, key: str | None, days: list[DayChange],
         moves: Moves) -> NoticeOut:
    return NoticeOut(
        year=year, loaded=loaded, preview=key,
        days=[DayOut(**vars(d)) for d in days], moved=dict(moves.counts),
        moved_total=moves.total,
        sample=[MoveOut(kind=m.kind, kind_name=KIND_NAMES[m.kind], number=m.number,
                        name=m.name, before=m.before, after=m.after) for m in moves.sample])
