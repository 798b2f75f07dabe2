"""单点登录: who a sign-in through the province's identity provider is here.

A sign-in starts with a row keeping its nonce and PKCE verifier under the hash of its state
(`start`); the callback takes it once, within `STATE_MINUTES` (`take`). The provider's
account (issuer, subject) is then the user it was linked to; on its first sign-in it is
linked (`user_for`): to the staff account whose username the staff claim names (staff
accounts are never created from a sign-in), else to the applicant with the ID number the
provider verified (实名核验), created when there is none. A locked or ended account is
refused either way. Sign-ins and links are in the audit trail. Services flush; the caller
commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.identity.models import LoginEvent, OidcLink, OidcLogin, User
from onething.identity.oidc import SignedIn
from onething.identity.service import person_of, principal_of
from onething.kernel.config import Settings
from onething.kernel.errors import Unauthenticated
from onething.kernel.principal import STAFF, Role

STATE_MINUTES = 10  # the time a person has at the provider before the sign-in is stale
_STAFF_ROLES = sorted(role.value for role in STAFF)


@dataclass(frozen=True)
class ClaimNames:
    """Which of the provider's claims carry what (settings `oidc_*_claim`)."""

    id_number: str = "id_number"
    id_verified: str = "id_number_verified"
    name: str = "name"
    phone: str = "phone_number"
    staff: str = "preferred_username"

    @classmethod
    def of(cls, settings: Settings) -> ClaimNames:
        return cls(settings.oidc_id_number_claim, settings.oidc_id_verified_claim,
                   settings.oidc_name_claim, settings.oidc_phone_claim,
                   settings.oidc_staff_claim)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(session: Session, *, state: str, nonce: str, verifier: str, next_url: str,
          now: datetime, keep: timedelta) -> None:
    """A sign-in about to go to the provider. Rows older than `keep` (the longest a web
    session lasts) are forgotten."""
    session.execute(delete(OidcLogin).where(OidcLogin.created_at < now - keep))
    session.add(OidcLogin(state_hash=_hash(state), nonce=nonce, verifier=verifier,
                          next_url=next_url[:500], created_at=now))
    session.flush()


@dataclass(frozen=True)
class Started:
    """What a sign-in under way kept for its callback."""

    nonce: str
    verifier: str
    next_url: str


def take(session: Session, state: str, now: datetime) -> Started:
    """The sign-in this state started, used up: a state unknown, used or stale is refused."""
    row = session.scalar(select(OidcLogin).where(OidcLogin.state_hash == _hash(state))
                         .with_for_update())
    if row is None or row.used_at is not None \
            or row.created_at + timedelta(minutes=STATE_MINUTES) <= now:
        raise Unauthenticated("登录请求已失效或来源不明，请重新登录", code="sso_state")
    row.used_at = now
    session.flush()
    return Started(row.nonce, row.verifier, row.next_url)


def user_for(session: Session, signed: SignedIn, names: ClaimNames, now: datetime) -> User:
    """The user this provider account signs in as, linked on its first sign-in."""
    link = session.scalar(select(OidcLink).where(OidcLink.issuer == signed.issuer,
                                                 OidcLink.subject == signed.subject))
    if link is not None:
        user = session.get_one(User, link.user_id)
        _usable(user)
        link.last_login_at = now
    else:
        user, how = _staff(session, signed.claims, names) or _citizen(session, signed, names)
        _usable(user)
        link = OidcLink(issuer=signed.issuer, subject=signed.subject, user_id=user.id,
                        linked_by=how, created_at=now, last_login_at=now)
        session.add(link)
        session.flush()
        audit.record(session, principal_of(user), "link_sso", "user", user.id,
                     region=user.region_code, at=now,
                     after={"issuer": signed.issuer, "by": how})
    audit.record(session, principal_of(user), "login", "user", user.id,
                 region=user.region_code, at=now, after={"door": "sso"})
    return user


def refused(session: Session, subject: str, address: str, now: datetime) -> None:
    """A refused sign-in, in the failed logins' record (in a unit of work of its own: the
    refused step itself left nothing)."""
    session.add(LoginEvent(at=now, username=subject[:64], address=address[:64], door="sso",
                           outcome="refused"))
    session.flush()


def _usable(user: User) -> None:
    if not user.active or user.ended_at is not None:
        raise Unauthenticated("该账号已停用，无法登录", code="account_disabled")
    if user.locked_at is not None:
        raise Unauthenticated("账号已被管理员锁定，请联系管理员", code="account_locked")


def _staff(session: Session, claims: dict[str, Any],
           names: ClaimNames) -> tuple[User, str] | None:
    """The staff account the staff claim names, if there is one (never a new one)."""
    value = claims.get(names.staff) if names.staff else None
    if not isinstance(value, str) or not value:
        return None
    user = session.scalar(select(User).where(User.username == value,
                                             User.role.in_(_STAFF_ROLES)))
    return (user, "staff_claim") if user is not None else None


def _citizen(session: Session, signed: SignedIn, names: ClaimNames) -> tuple[User, str]:
    """The applicant with the ID number the provider verified, or a new one."""
    number, verified = signed.claims.get(names.id_number), signed.claims.get(names.id_verified)
    if not isinstance(number, str) or not number.strip() or verified not in (True, "true"):
        raise Unauthenticated(
            "统一身份认证未提供已实名核验的身份证号码，无法登录本平台；请先在统一身份认证"
            "平台完成实名核验，工作人员请联系管理员开通账号", code="sso_no_verified_id")
    found = session.scalar(select(User.id).where(User.id_number == number.strip().upper(),
                                                 User.role == Role.applicant.value))
    name = signed.claims.get(names.name)
    phone = signed.claims.get(names.phone)
    user = person_of(session, name=str(name or "申请人"), id_number=number,
                     phone=str(phone)[:20] if phone else None, field=names.id_number)
    return user, "id_number" if found is not None else "created"


def finish(session: Session, state: str, session_token_hash: str, id_token: str) -> None:
    """The sign-in opened this web session; its ID token is kept for the provider's logout."""
    login = session.get_one(OidcLogin, _hash(state))
    login.session_hash, login.id_token = session_token_hash, id_token
    session.flush()


def end(session: Session, session_token_hash: str) -> str | None:
    """The web session ends: the ID token of its sign-in through the provider, if any."""
    row = session.scalar(select(OidcLogin).where(OidcLogin.session_hash == session_token_hash))
    if row is None:
        return None
    token = row.id_token
    session.delete(row)
    session.flush()
    return token


def linked(session: Session, user_id: int) -> list[OidcLink]:
    return list(session.scalars(select(OidcLink).where(OidcLink.user_id == user_id)))
