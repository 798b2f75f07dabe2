"""What sibling domains (one line of the layers: ratings, hotline, knowledge …) tell and ask
each other. Siblings may not import each other, so the facts that cross between them and
the few questions one must have answered at once by another live here, below both.

Facts (published by one sibling, handled by another, in the same unit of work):

- `BadRatingRecorded` (ratings): a 差评 opened its rectification; the hotline opens a
  complaint ticket about it (one place to see every 诉求).
- `RatingTicketNoted` (hotline): the complaint ticket of a bad rating was opened or ended;
  ratings notes it on the rectification.

Ports (a protocol defined here, answered by the sibling that owns the rule when it is
wired, like `cases/ports.py`):

- `Articles` (answered by knowledge): whether an article is published and in force, for the
  hotline's 直接答复 that names the article it used.
- `Categories` (answered by hotline): the 诉求分类 codes, for the knowledge base's
  articles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from onething.kernel.bus import Event


@dataclass(frozen=True)
class BadRatingRecorded(Event):
    """A bad rating (差评) of the window or of a deciding department opened its
    rectification (整改)."""

    rating_id: int
    rectification_id: int
    application_id: int
    application_number: str
    applicant_id: int
    target: str  # window | department
    department: str | None  # None: the window
    region: str  # of the office rated
    level: int  # 1 非常不满意, 2 不满意
    level_name: str
    service_name: str  # the office rated, as people read it
    comment: str


@dataclass(frozen=True)
class RatingTicketNoted(Event):
    """The 12345 ticket of a bad rating was opened or ended (`what`: opened | ended)."""

    rectification_id: int
    ticket_id: int
    ticket_number: str
    what: str
    note: str


class Articles(Protocol):
    """The knowledge base's articles (answered by knowledge)."""

    def published(self, session: Session, article_id: int, today: dt.date) -> str | None:
        """The question of article `article_id` when it is published and in force on
        `today`, else None."""
        ...


class Categories(Protocol):
    """The 12345 诉求分类 (answered by hotline)."""

    def name(self, code: str) -> str | None:
        """The category's name when `code` is one of the tree (a class or a leaf)."""
        ...


_articles: list[Articles] = []
_categories: list[Categories] = []


def answer_articles(answerer: Articles) -> None:
    _articles[:] = [answerer]


def answer_categories(answerer: Categories) -> None:
    _categories[:] = [answerer]


def articles() -> Articles:
    if not _articles:
        raise RuntimeError("no domain answers for articles: call onething.wiring.load() first")
    return _articles[0]


def categories() -> Categories:
    if not _categories:
        raise RuntimeError("no domain answers for categories: "
                           "call onething.wiring.load() first")
    return _categories[0]
