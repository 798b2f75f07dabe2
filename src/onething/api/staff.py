"""The staff directory (工作人员名录) for administrators: list, add, edit, lock, unlock, end
staff accounts of their region and below, and import a CSV file of them. Thin: the rules
are `identity.directory`'s and `identity.staff`'s."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile
from pydantic import BaseModel, Field

from onething.http.deps import CtxDep, PagingDep
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.identity import staff
from onething.identity.directory import MAX_BYTES, STAFF_ROLE_NAMES, StaffRow, role_of
from onething.identity.models import User

router = APIRouter(prefix="/api/v1", tags=["staff"],
                   responses={401: {"model": ProblemOut}, 403: {"model": ProblemOut},
                              422: {"model": ProblemOut}})


class StaffEdit(BaseModel):
    display_name: str = Field(max_length=100, description="姓名")
    role: str = Field(max_length=32,
                      description="角色：clerk、approver、supervisor、operator、admin")
    region: str | None = Field(None, max_length=12, description="所属行政区划代码")
    department: str | None = Field(None, max_length=32, description="部门代码（审批人员必填）")
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=200)

    def row(self, username: str = "") -> StaffRow:
        return StaffRow(username=username, display_name=self.display_name.strip(),
                        role=role_of(self.role), region=_blank(self.region),
                        department=_blank(self.department), phone=_blank(self.phone),
                        email=_blank(self.email))


class StaffIn(StaffEdit):
    username: str = Field(max_length=64)
    password: str | None = Field(None, max_length=200, description="初始密码；不填则生成一个")


class ReasonIn(BaseModel):
    reason: str = Field("", max_length=200, description="原因")


class StaffOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    role_name: str
    region: str | None
    department: str | None
    phone: str | None
    email: str | None
    state: str  # active | locked | ended
    lock_reason: str | None
    created_at: datetime
    locked_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, user: User) -> StaffOut:
        return cls(id=user.id, username=user.username, display_name=user.display_name,
                   role=user.role, role_name=STAFF_ROLE_NAMES.get(user.role, user.role),
                   region=user.region_code, department=user.department_code,
                   phone=user.phone, email=user.email, state=staff.state_of(user),
                   lock_reason=user.lock_reason, created_at=user.created_at,
                   locked_at=user.locked_at, ended_at=user.ended_at)


class AddedOut(BaseModel):
    staff: StaffOut
    password: str | None = Field(description="生成的初始密码（只显示这一次）；指定了密码时为空")


class ChangedOut(BaseModel):
    staff: StaffOut
    changes: dict[str, list[str | None]]


class PasswordOut(BaseModel):
    staff: StaffOut
    password: str = Field(description="临时密码（只显示这一次；本人下次登录时须修改）")


class HistoryOut(BaseModel):
    at: datetime
    action: str = Field(description="操作")
    actor: str = Field(description="操作人用户名")
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ImportLineOut(BaseModel):
    line: int
    username: str
    outcome: str  # added | changed | unchanged
    changes: dict[str, list[str | None]]
    password: str | None


class ImportOut(BaseModel):
    summary: str
    added: int
    changed: int
    unchanged: int
    lines: list[ImportLineOut]


def _blank(text: str | None) -> str | None:
    return (text or "").strip() or None


def _pairs(changes: dict[str, tuple[str | None, str | None]]) -> dict[str, list[str | None]]:
    return {name: list(pair) for name, pair in changes.items()}


@router.get("/staff", response_model=list[StaffOut], summary="工作人员名录（本地区及下级地区）")
def staff_list(ctx: CtxDep, paging: PagingDep,
               role: Annotated[str | None, Query(max_length=32)] = None,
               region: Annotated[str | None, Query(max_length=12)] = None,
               state: Annotated[str | None, Query(pattern="^(active|locked|ended)$")] = None,
               q: Annotated[str | None, Query(max_length=64, description="用户名或姓名")] = None,
               ) -> list[StaffOut]:
    with ctx.reading():
        found = staff.list_staff(ctx.session, ctx.actor, ctx.catalog, role=role, region=region,
                                 state=state, text=q, limit=paging.limit, offset=paging.offset)
        return [StaffOut.of(user) for user in found]


@router.post("/staff", response_model=AddedOut, status_code=201,
             summary="新增工作人员账号（未给密码时生成初始密码，只返回这一次）")
def add(body: StaffIn, ctx: CtxDep) -> AddedOut:
    row = StaffEdit.row(body, body.username.strip())
    with ctx.work():
        user, password = staff.add_staff(ctx.session, ctx.actor, ctx.catalog, row, ctx.now,
                                         body.password or None)
    return AddedOut(staff=StaffOut.of(user), password=password)


@router.get("/staff/{staff_id}", response_model=StaffOut, summary="工作人员账号",
            responses={404: {"model": ProblemOut}})
def one(staff_id: Id, ctx: CtxDep) -> StaffOut:
    """The account as it is now (also the answer of every step on it, read after the
    commit)."""
    with ctx.reading():
        return StaffOut.of(staff.get_staff(ctx.session, ctx.actor, ctx.catalog, staff_id))


@router.put("/staff/{staff_id}", response_model=ChangedOut,
            summary="修改工作人员的姓名、角色、所属地区和部门、联系方式",
            responses={404: {"model": ProblemOut}, 409: {"model": ProblemOut}})
def edit(staff_id: Id, body: StaffEdit, ctx: CtxDep) -> ChangedOut:
    with ctx.work():
        changes = staff.edit_staff(ctx.session, ctx.actor, ctx.catalog, staff_id, body.row(),
                                   ctx.now)
    return ChangedOut(staff=one(staff_id, ctx), changes=_pairs(changes))


@router.post("/staff/{staff_id}/lock", response_model=StaffOut,
             summary="锁定账号（须写明原因；立即退出所有登录）",
             responses={404: {"model": ProblemOut}, 409: {"model": ProblemOut}})
def lock(staff_id: Id, body: ReasonIn, ctx: CtxDep) -> StaffOut:
    with ctx.work():
        staff.lock_staff(ctx.session, ctx.actor, ctx.catalog, staff_id, body.reason, ctx.now)
    return one(staff_id, ctx)


@router.post("/staff/{staff_id}/unlock", response_model=StaffOut, summary="解除锁定",
             responses={404: {"model": ProblemOut}, 409: {"model": ProblemOut}})
def unlock(staff_id: Id, ctx: CtxDep) -> StaffOut:
    with ctx.work():
        staff.unlock_staff(ctx.session, ctx.actor, ctx.catalog, staff_id, ctx.now)
    return one(staff_id, ctx)


@router.post("/staff/{staff_id}/end", response_model=StaffOut,
             summary="停用账号（调离、离职；须写明原因；账号保留以备审计）",
             responses={404: {"model": ProblemOut}, 409: {"model": ProblemOut}})
def end(staff_id: Id, body: ReasonIn, ctx: CtxDep) -> StaffOut:
    with ctx.work():
        staff.end_staff(ctx.session, ctx.actor, ctx.catalog, staff_id, body.reason, ctx.now)
    return one(staff_id, ctx)


@router.post("/staff/{staff_id}/password", response_model=PasswordOut,
             summary="为工作人员设置临时密码（须写明原因，如如何核实本人身份；只返回这一次；本人下次登录时须修改；立即退出所有登录）",
             responses={404: {"model": ProblemOut}, 409: {"model": ProblemOut}})
def temporary_password(staff_id: Id, body: ReasonIn, ctx: CtxDep) -> PasswordOut:
    with ctx.work():
        _, password = staff.issue_temporary_password(ctx.session, ctx.actor, ctx.catalog,
                                                     staff_id, body.reason, ctx.now)
    return PasswordOut(staff=one(staff_id, ctx), password=password)


@router.get("/staff/{staff_id}/history", response_model=list[HistoryOut],
            summary="账号的变更记录（创建、修改、锁定、解锁、停用、重置密码），最新的在前",
            responses={404: {"model": ProblemOut}})
def account_history(staff_id: Id, ctx: CtxDep) -> list[HistoryOut]:
    with ctx.reading():
        lines = staff.history(ctx.session, ctx.actor, ctx.catalog, staff_id)
    return [HistoryOut(at=x.at, action=x.action, actor=x.actor, before=x.before, after=x.after)
            for x in lines]


@router.post("/staff/import", response_model=ImportOut,
             summary="导入工作人员 CSV（逐行校验，有错则全部不导入；重复导入不产生变化）")
def import_file(file: UploadFile, ctx: CtxDep) -> ImportOut:
    data = file.file.read(MAX_BYTES + 1)
    with ctx.work():
        report = staff.import_staff(ctx.session, ctx.actor, ctx.catalog, data, ctx.now)
    return ImportOut(summary=report.summary, added=report.count("added"),
                     changed=report.count("changed"), unchanged=report.count("unchanged"),
                     lines=[ImportLineOut(line=x.line, username=x.username, outcome=x.outcome,
                                          changes=_pairs(x.changes), password=x.password)
                            for x in report.lines])
