"""扫码评价: the one-time code on the window's receipt. The applicant rates that one
application on their own phone, without signing in; the code works once, expires, and
only its hash is stored. Services flush; the caller commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onething.cases import access
from onething.cases.context import Ctx
from onething.cases.models import Application
from onething.cases.states import AppStatus
from onething.catalog.model import Catalog
from onething.errors import Conflict, NotFound
from onething.identity.models import User
from onething.identity.service import principal_of
from onething.ratings.models import Rating, RatingCode
from onething.ratings.service import RatingInput, rate_as_applicant
from onething.workdays import Calendar

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to mistype
LENGTH = 10  # 50 bits
NOT_YET = frozenset({AppStatus.submitted, AppStatus.returned, AppStatus.withdrawn})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalized(typed: str) -> str:
    """What the applicant typed, as stored: capitals, without spaces or dashes."""
    return "".join(c for c in (typed or "").upper() if c in ALPHABET)[:LENGTH * 2]


def shown(code: str) -> str:
    """ABCDE-FGHJK: easier to read aloud and type."""
    return f"{code[:5]}-{code[5:]}"


def digest(code: str) -> str:
    return hashlib.sha256(normalized(code).encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    code: str  # shown once, on the receipt; only its hash is kept
    expires_at: dt.datetime
    application: Application


def issue(ctx: Ctx, application_id: int, days: int) -> Issued:
    """A new code for the receipt (the window that received the case); an earlier unused
    code of the same application stops working."""
    app = access.visible_application(ctx, application_id)
    access.at_window(ctx, app)
    if AppStatus(app.status) in NOT_YET:
        raise Conflict("受理后才能打印评价回执", code="not_accepted")
    ctx.session.execute(update(RatingCode).where(
        RatingCode.application_id == app.id, RatingCode.used_at.is_(None),
        RatingCode.expires_at > ctx.now).values(expires_at=ctx.now))
    code = new_code()
    expires = ctx.now + dt.timedelta(days=days)
    ctx.session.add(RatingCode(application_id=app.id, code_hash=digest(code),
                               issued_by_id=ctx.actor.user_id, created_at=ctx.now,
                               expires_at=expires))
    ctx.session.flush()
    return Issued(code, expires, app)


def redeemable(session: Session, code: str, now: dt.datetime,
               lock: bool = False) -> tuple[RatingCode, Application]:
    """The code's row and its application, if it can still be used."""
    query = select(RatingCode).where(RatingCode.code_hash == digest(code))
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None or len(normalized(code)) != LENGTH:
        raise NotFound("评价码不存在，请核对回执上的评价码", code="rating_code_not_found")
    if row.used_at is not None:
        raise Conflict("该评价码已使用，每个评价码只能评价一次", code="rating_code_used")
    if row.expires_at <= now:
        raise Conflict("该评价码已过期或已作废，请到窗口重新打印评价回执",
                       code="rating_code_expired")
    app = session.get_one(Application, row.application_id)
    if session.scalar(select(Rating.id).where(Rating.application_id == app.id,
                                              Rating.applicant_id == app.applicant_id)):
        raise Conflict("该办件已评价，每个办件只能评价一次，评价不可修改", code="already_rated")
    return row, app


def applicant_ctx(session: Session, catalog: Catalog, calendar: Calendar, now: dt.datetime,
                  app: Application) -> Ctx:
    """The applicant acting through the code (the code is their proof, not a login)."""
    return Ctx(session=session, catalog=catalog, calendar=calendar, now=now,
               actor=principal_of(session.get_one(User, app.applicant_id)))


def rate_with_code(session: Session, catalog: Catalog, calendar: Calendar, now: dt.datetime,
                   code: str, given: RatingInput, *, rectification_days: int,
                   after_acceptance: bool = False) -> Rating:
    row, app = redeemable(session, code, now, lock=True)
    ctx = applicant_ctx(session, catalog, calendar, now, app)
    rating = rate_as_applicant(ctx, app, given, "code", rectification_days, after_acceptance)
    row.used_at = now
    session.flush()
    return rating
