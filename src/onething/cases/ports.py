"""What cases asks the domains above it, and cannot answer itself.

Cases tells the domains above it what happened through events (`cases/events.py`); a few
times it needs an answer back, at once, to decide what it does next:

- which licences the applicant holds (the guide skips a material a valid licence stands
  for), and whether the licence used at submission still stands for its material when the
  window accepts; the values an approved task's item creates (checked like the form; a new
  统一社会信用代码 is one no licence carries yet): the licences' data and rules;
- the signed commitment (告知承诺书) recorded with a material: its wording is the
  commitments' rules;
- the 12345 tickets about a case (its answer and page list them): the hotline's tables;
- a person's profile from the shared data, which an item's automatic rule (秒批) reads: the
  policies' tables of shared facts.

Each question is a port, a protocol defined here, below the domain that answers it; that
domain registers its answer when it is wired (`onething.wiring.load()` imports its
`handlers.py`, which calls `answer_licences` / `answer_commitments`). An event could not
carry these answers back (a handler returns nothing, and a refusal must come before
anything is written), and the queries cannot move down to cases: they read the licences'
table and apply the commitments' rules, which those domains own. Asking before the domains
are wired is a clear error, as publishing is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from onething.cases.models import Application, Task
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog, Material
from onething.identity.models import User


class Licences(Protocol):
    """The applicant's wallet and the values a result creates (answered by licences)."""

    def held(self, session: Session, holder_id: int, today: dt.date) -> Mapping[str, str]:
        """Licence type → the number of a valid, unexpired licence about the holder in person
        (one that may stand for a material)."""
        ...

    def stands_for_material(self, session: Session, number: str, holder_id: int,
                            today: dt.date) -> bool:
        """Whether the licence `number` still replaces a material of `holder_id`."""
        ...

    def result_values(self, session: Session, catalog: Catalog, app: Application, task: Task,
                      given: Mapping[str, Any]) -> dict[str, Any]:
        """The values the task's item creates, from what the deciding office entered
        (`given`); refused (`Invalid`, problems on `data.<code>`) when they are wrong."""
        ...


class Commitments(Protocol):
    """告知承诺 as the applicant signs it (answered by commitments)."""

    def sign(self, ctx: Ctx, material: Material, items: list[str],
             applicant: User) -> dict[str, Any]:
        """The signed commitment recorded with the material's entry of the application."""
        ...


class Profiles(Protocol):
    """A person's profile from the shared data (answered by policies, which loads it)."""

    def of_person(self, session: Session, catalog: Catalog, id_number: str,
                  today: dt.date) -> dict[str, Any]:
        """`catalog.profile.context` of the person `id_number`, as a 秒批 rule reads it."""
        ...


@dataclass(frozen=True)
class TicketBrief:
    """A 12345 ticket as a case shows it: no caller, no description."""

    id: int
    number: str
    kind_name: str
    category_name: str
    status_name: str
    channel: str
    received_at: dt.datetime


class Tickets(Protocol):
    """The 12345 tickets about a case (answered by hotline)."""

    def of_application(self, ctx: Ctx, number: str) -> list[TicketBrief]:
        """The tickets naming application `number`, oldest first (保密 举报 left out)."""
        ...


_licences: list[Licences] = []
_commitments: list[Commitments] = []
_tickets: list[Tickets] = []
_profiles: list[Profiles] = []


def answer_licences(answerer: Licences) -> None:
    _licences[:] = [answerer]


def answer_commitments(answerer: Commitments) -> None:
    _commitments[:] = [answerer]


def licences() -> Licences:
    if not _licences:
        raise RuntimeError("no domain answers for licences: call onething.wiring.load() first")
    return _licences[0]


def commitments() -> Commitments:
    if not _commitments:
        raise RuntimeError("no domain answers for commitments: "
                           "call onething.wiring.load() first")
    return _commitments[0]


def answer_tickets(answerer: Tickets) -> None:
    _tickets[:] = [answerer]


def tickets() -> Tickets:
    if not _tickets:
        raise RuntimeError("no domain answers for tickets: call onething.wiring.load() first")
    return _tickets[0]


def answer_profiles(answerer: Profiles) -> None:
    _profiles[:] = [answerer]


def profiles() -> Profiles:
    if not _profiles:
        raise RuntimeError("no domain answers for profiles: call onething.wiring.load() first")
    return _profiles[0]
