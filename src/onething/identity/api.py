"""Tokens for the API (OAuth2 password flow) and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from onething.deps import PrincipalDep, SessionDep
from onething.identity import service as identity
from onething.identity.roles import ROLE_NAMES
from onething.problems import ProblemOut

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


class ConsentIn(BaseModel):
    proxy: str = Field(max_length=64)
    person: str = Field(max_length=64)
    note: str = Field(min_length=2, max_length=500, description="授权方式与依据")


@router.post("/auth/token", response_model=TokenOut, summary="用用户名和密码换取访问令牌",
             responses={401: {"model": ProblemOut}})
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep,
          request: Request) -> TokenOut:
    user = identity.authenticate(session, form.username, form.password)
    secret, row = identity.open_session(session, user, "api", request.app.state.clock())
    session.commit()
    return TokenOut(access_token=secret,
                    expires_in=int((row.expires_at - row.created_at).total_seconds()))


@router.get("/me", response_model=MeOut, summary="当前用户")
def me(principal: PrincipalDep) -> MeOut:
    return MeOut(id=principal.user_id, username=principal.username,
                 display_name=principal.display_name, role=principal.role.value,
                 role_name=ROLE_NAMES[principal.role], region=principal.region,
                 department=principal.department)


@router.post("/auth/logout", status_code=204, summary="注销当前令牌")
def logout(principal: PrincipalDep, session: SessionDep, request: Request) -> None:
    header = request.headers.get("authorization", "")
    identity.close_session(session, header.partition(" ")[2].strip())
    session.commit()


@router.post("/consents", status_code=201, summary="登记帮代办授权（窗口人员）")
def consent(body: ConsentIn, principal: PrincipalDep, session: SessionDep) -> dict[str, int]:
    row = identity.record_consent(session, principal,
                                  proxy=identity.find_user(session, body.proxy),
                                  person=identity.find_user(session, body.person),
                                  note=body.note)
    session.commit()
    return {"id": row.id}


@router.delete("/consents/{consent_id}", status_code=204, summary="撤销帮代办授权")
def revoke(consent_id: int, principal: PrincipalDep, session: SessionDep) -> None:
    identity.revoke_consent(session, principal, consent_id)
    session.commit()
