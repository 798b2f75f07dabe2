"""Tokens for the API (OAuth2 password flow), who am I, passwords and 帮代办 consents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from onething.http.deps import (
    CatalogDep,
    PagingDep,
    PrincipalDep,
    SessionDep,
    address_of,
    policy_of,
    public_context,
    sign_in,
)
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.identity import recovery
from onething.identity import service as identity
from onething.kernel.db import UnitOfWork
from onething.kernel.principal import ROLE_NAMES

router = APIRouter(prefix="/api/v1", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    role_name: str
    region: str | None
    department: str | None


class PasswordIn(BaseModel):
    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class ForgotIn(BaseModel):
    username: str = Field(max_length=64, description="用户名")
    channel: str = Field(max_length=8, description="接收验证码的方式：sms（预留手机号）或 email")


class ResetIn(BaseModel):
    username: str = Field(max_length=64)
    code: str = Field(max_length=12, description="收到的 6 位验证码")
    new_password: str = Field(max_length=200)


class ChangeIn(BaseModel):
    username: str = Field(max_length=64)
    current_password: str = Field(max_length=200, description="当前密码（如管理员设置的临时密码）")
    new_password: str = Field(max_length=200)


class SentOut(BaseModel):
    detail: str


class ConsentIn(BaseModel):
    proxy: str = Field(max_length=64)
    person: str = Field(max_length=64)
    note: str = Field(min_length=2, max_length=500, description="授权方式与依据")


class ConsentOut(BaseModel):
    id: int
    proxy: str
    person: str
    recorded_by: str
    note: str
    created_at: datetime
    revoked_at: datetime | None
    active: bool

    @classmethod
    def of(cls, view: identity.ConsentView) -> ConsentOut:
        c = view.consent
        return cls(id=c.id, proxy=view.proxy, person=view.person, recorded_by=view.recorded_by,
                   note=c.note, created_at=c.created_at, revoked_at=c.revoked_at,
                   active=c.revoked_at is None)


@router.post("/auth/token", response_model=TokenOut, summary="用用户名和密码换取访问令牌",
             responses={401: {"model": ProblemOut}, 429: {"model": ProblemOut}})
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep,
          request: Request) -> TokenOut:
    with UnitOfWork(session):
        user = sign_in(request, session, form.username, form.password, "api")
        identity.require_own_password(user)
        secret, row = identity.open_session(session, user, "api", request.app.state.clock(),
                                            policy_of(request))
    return TokenOut(access_token=secret,
                    expires_in=int((row.expires_at - row.created_at).total_seconds()))


@router.get("/me", response_model=MeOut, summary="当前用户")
def me(principal: PrincipalDep) -> MeOut:
    return MeOut(id=principal.user_id, username=principal.username,
                 display_name=principal.display_name, role=principal.role.value,
                 role_name=ROLE_NAMES[principal.role], region=principal.region,
                 department=principal.department)


@router.post("/me/password", status_code=204, summary="修改密码（其他登录随之失效）",
             responses={422: {"model": ProblemOut}, 429: {"model": ProblemOut}})
def change_password(body: PasswordIn, principal: PrincipalDep, session: SessionDep,
                    request: Request) -> None:
    with UnitOfWork(session):
        user = sign_in(request, session, principal.username, body.current_password, "api")
        identity.set_password(session, user, body.new_password, request.app.state.clock(),
                              keep=_bearer(request))


@router.post("/password/forgot", response_model=SentOut, status_code=202,
             summary="忘记密码：向预留手机号或邮箱发送一次性验证码（无论账号是否存在，回答相同）",
             responses={422: {"model": ProblemOut}, 429: {"model": ProblemOut}})
def forgot(body: ForgotIn, session: SessionDep, request: Request) -> SentOut:
    ctx, policy = public_context(request, session), policy_of(request)
    with ctx.work():
        recovery.ask_code(ctx, username=body.username, channel=body.channel,
                          client=address_of(request), policy=policy)
    return SentOut(detail=recovery.sent_answer(policy))


@router.post("/password/reset", status_code=204,
             summary="用验证码设置新密码（验证码一次有效；账号的所有登录随之失效）",
             responses={403: {"model": ProblemOut}, 422: {"model": ProblemOut},
                        429: {"model": ProblemOut}})
def reset(body: ResetIn, session: SessionDep, request: Request) -> None:
    ctx = public_context(request, session)
    with ctx.work():
        recovery.reset_password(ctx, username=body.username, code=body.code,
                                new_password=body.new_password, policy=policy_of(request))


@router.post("/password/change", status_code=204,
             summary="用当前密码设置新密码，无需令牌（管理员设置了临时密码时，须先在此修改）",
             responses={401: {"model": ProblemOut}, 422: {"model": ProblemOut},
                        429: {"model": ProblemOut}})
def change_temporary(body: ChangeIn, session: SessionDep, request: Request) -> None:
    with UnitOfWork(session):
        user = sign_in(request, session, body.username, body.current_password, "api")
        identity.set_password(session, user, body.new_password, request.app.state.clock())


@router.post("/auth/logout", status_code=204, summary="注销当前令牌")
def logout(principal: PrincipalDep, session: SessionDep, request: Request) -> None:
    with UnitOfWork(session):
        identity.close_session(session, _bearer(request), request.app.state.clock())


def _bearer(request: Request) -> str:
    return request.headers.get("authorization", "").partition(" ")[2].strip()


@router.post("/consents", status_code=201,
             summary="登记帮代办授权（本人授权，或窗口人员、管理员据本人书面授权登记）")
def consent(body: ConsentIn, principal: PrincipalDep, session: SessionDep, catalog: CatalogDep,
            request: Request) -> dict[str, int]:
    with UnitOfWork(session):
        row = identity.grant_consent(session, principal, catalog, proxy=body.proxy,
                                     person=body.person, note=body.note,
                                     now=request.app.state.clock())
    return {"id": row.id}


@router.get("/consents", response_model=list[ConsentOut],
            summary="帮代办授权：本人、代办员各看自己的，窗口和监察人员看本地区的")
def consents(principal: PrincipalDep, session: SessionDep, catalog: CatalogDep,
             paging: PagingDep,
             active: Annotated[bool, Query(description="只列出未撤销的")] = False,
             ) -> list[ConsentOut]:
    found = identity.list_consents(session, principal, catalog, active_only=active,
                                   limit=paging.limit, offset=paging.offset)
    return [ConsentOut.of(view) for view in found]


@router.delete("/consents/{consent_id}", status_code=204, summary="撤销帮代办授权（立即生效）")
def revoke(consent_id: Id, principal: PrincipalDep, session: SessionDep,
           catalog: CatalogDep, request: Request) -> None:
    with UnitOfWork(session):
        identity.revoke_consent(session, principal, consent_id, catalog,
                                request.app.state.clock())
