"""扫码评价: the code on the window's receipt, printed at acceptance. The applicant rates that
one application's services on their own phone, without signing in: the window at once, each
department once it has decided. The code is used up when every service of the case has been
rated (each once), or it expires; only its hash is stored. Services flush; the caller
commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onething.cases import access
from onething.cases.models import Application
from onething.cases.states import AppStatus
from onething.catalog.context import Ctx, build_ctx
from onething.catalog.linked import Catalog
from onething.identity.models import User
from onething.identity.service import principal_of
from onething.kernel.errors import Conflict, NotFound
from onething.ratings.models import Rating, RatingCode
from onething.ratings.service import (
    DEPARTMENT,
    RATABLE,
    RATED,
    WAITING,
    RatingInput,
    Target,
    all_rated,
    rate_as_applicant,
    services,
)

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


def prints(ctx: Ctx, app: Application) -> bool:
    """Whether the actor prints receipts for the case: the receiving window, once the case
    is accepted (or returned, refused)."""
    return access.receives(ctx, app) and AppStatus(app.status) not in NOT_YET


def issue(ctx: Ctx, application_id: int, days: int) -> Issued:
    """A new code for the receipt (the window that received the case); an earlier unused
    code of the same application stops working."""
    app = access.visible_application(ctx, application_id)
    access.at_window(ctx, app)
    if AppStatus(app.status) in NOT_YET:
        raise Conflict("受理后才能打印评价回执", code="not_accepted")
    if all_rated(services(ctx, app)):
        raise Conflict("申请人已评价本办件的各项服务，无需再打印评价回执", code="all_rated")
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
        raise _used_up()
    if row.expires_at <= now:
        raise Conflict("该评价码已过期或已作废，请到窗口重新打印评价回执",
                       code="rating_code_expired")
    return row, session.get_one(Application, row.application_id)


def _used_up() -> Conflict:
    return Conflict("本办件的各项服务均已评价，该评价码已用完，感谢您的评价",
                    code="rating_code_used")


@dataclass(frozen=True)
class Opened:
    """A usable code: its row, its case, the applicant acting through it, and the case's
    services (ratable now, waiting for their turn, or rated)."""

    row: RatingCode
    ctx: Ctx
    services: list[Target]

    @property
    def application(self) -> Application:
        return self.ctx.session.get_one(Application, self.row.application_id)

    @property
    def ratable(self) -> list[Target]:
        return [t for t in self.services if t.state == RATABLE]

    @property
    def waiting(self) -> list[Target]:
        return [t for t in self.services if t.state == WAITING]

    @property
    def rated(self) -> list[Target]:
        return [t for t in self.services if t.state == RATED]

    @property
    def not_yet(self) -> str | None:
        """Why nothing can be rated now, said before any form (None: something can)."""
        if self.ratable:
            return None
        names = "、".join(t.name for t in self.waiting)
        if any(t.kind == DEPARTMENT for t in self.waiting):
            return f"部门审批尚未办结（{names}），办结后可再次扫码评价。"
        return f"{names}尚未受理本办件，受理后可扫码评价。"


def open_code(session: Session, catalog: Catalog, now: dt.datetime,
              code: str, lock: bool = False) -> Opened:
    """The code, if usable, with what its case offers to rate; a code whose case has
    nothing left to rate, now or later, is used up (409 rating_code_used)."""
    row, app = redeemable(session, code, now, lock)
    ctx = applicant_ctx(session, catalog, now, app)
    found = services(ctx, app)
    if all_rated(found):
        raise _used_up()
    return Opened(row, ctx, found)


def applicant_ctx(session: Session, catalog: Catalog, now: dt.datetime,
                  app: Application) -> Ctx:
    """The applicant acting through the code (the code is their proof, not a login)."""
    return build_ctx(session, catalog, principal_of(session.get_one(User, app.applicant_id)),
                     now)


def rate_with_code(session: Session, catalog: Catalog, now: dt.datetime,
                   code: str, given: RatingInput, *, rectification_days: int) -> Rating:
    """Rates one service of the code's case; the code is used up once every service is."""
    opened = open_code(session, catalog, now, code, lock=True)
    rating = rate_as_applicant(opened.ctx, opened.application, given, "code",
                               rectification_days)
    if all_rated(services(opened.ctx, opened.application)):
        opened.row.used_at = now
    session.flush()
    return rating
