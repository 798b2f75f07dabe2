"""What policies answers when cases asks: a person's profile from the shared data, which an
item's automatic rule (秒批) reads (`cases/ports.py`, registered when the domains are wired)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from onething.cases import ports
from onething.catalog.linked import Catalog
from onething.catalog.profile import context
from onething.catalog.spec import SourceHolder
from onething.policies.service import facts_of


class Profiles:
    """The answer of `ports.Profiles`: the profile a policy's rules would read."""

    def of_person(self, session: Session, catalog: Catalog, id_number: str,
                  today: dt.date) -> dict[str, Any]:
        found = {code: f.rows for code, f in facts_of(session, catalog, id_number).items()}
        return context(catalog.sources, SourceHolder.person, id_number.upper(), found, today)


ports.answer_profiles(Profiles())
