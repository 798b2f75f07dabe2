"""Who a match's holder is on the platform: the accounts told about it (a person by their
居民身份证号, a company through its legal representative's), and the holders a signed-in
person may act for (themselves and the companies they represent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.catalog.context import Ctx
from onething.identity.models import User
from onething.policies.calculator import person_key
from onething.profiles import service as profiles
from onething.profiles.models import Company


def recipients(session: Session, kind: str, key: str) -> list[int]:
    """The active accounts of the holder `key` (for a company: of its legal representative)."""
    number = key
    if kind == "company":
        found = session.scalar(select(Company.legal_rep_id_number).where(Company.uscc == key))
        if not found:
            return []
        number = found
    return list(session.scalars(select(User.id).where(User.id_number == number,
                                                      User.active.is_(True))))


def holder_keys(ctx: Ctx) -> dict[str, str]:
    """The holders the signed-in person acts for: their own ID number ("本人") and the
    companies they represent (by USCC, with the company's name); none for staff."""
    if ctx.actor.is_staff:
        return {}
    out: dict[str, str] = {}
    key = person_key(ctx.session, ctx.actor.user_id)
    if key:
        out[key] = "本人"
    out.update({c.uscc: c.name for c in profiles.represented(ctx)})
    return out
