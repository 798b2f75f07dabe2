"""Who a match's holder is on the platform: the accounts told about it (a person by their
居民身份证号, a company through its legal representative's), and the holders a signed-in
person may act for (themselves and the companies they represent)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from onething.catalog.context import Ctx
from onething.catalog.spec import SourceHolder
from onething.policies.calculator import person_key
from onething.policies.matching import accounts
from onething.profiles import service as profiles


def recipients(session: Session, kind: str, key: str) -> list[int]:
    """The active accounts of the holder `key` (for a company: of its legal representative)."""
    return [user_id for user_id, _ in session.execute(accounts(SourceHolder(kind), [key]))]


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
