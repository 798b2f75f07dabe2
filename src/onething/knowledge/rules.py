"""What a knowledge-base article is and who may do what with it. Pure.

An article is written by the owning department's staff (its approvers in the article's
region or above it) or an administrator, published for the public and the operators, and
withdrawn when it no longer holds; supervisors read every article of their region.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from onething.kernel.principal import Principal, Role


class ArticleStatus(StrEnum):
    draft = "draft"  # 草稿: seen by its owners only
    published = "published"  # 已发布: seen by everyone while valid
    withdrawn = "withdrawn"  # 已撤回: seen by its owners only


class Move(StrEnum):
    edit = "edit"
    publish = "publish"
    withdraw = "withdraw"


STATUS_NAMES = {ArticleStatus.draft: "草稿", ArticleStatus.published: "已发布",
                ArticleStatus.withdrawn: "已撤回"}
MOVE_NAMES = {Move.edit: "修改", Move.publish: "发布", Move.withdraw: "撤回"}

# (state, move) -> next state. Editing a published article makes a new version that is
# published at once; editing a withdrawn one makes it a draft again, to be published anew.
TRANSITIONS: dict[tuple[ArticleStatus, Move], ArticleStatus] = {
    (ArticleStatus.draft, Move.edit): ArticleStatus.draft,
    (ArticleStatus.draft, Move.publish): ArticleStatus.published,
    (ArticleStatus.draft, Move.withdraw): ArticleStatus.withdrawn,
    (ArticleStatus.published, Move.edit): ArticleStatus.published,
    (ArticleStatus.published, Move.withdraw): ArticleStatus.withdrawn,
    (ArticleStatus.withdrawn, Move.edit): ArticleStatus.draft,
    (ArticleStatus.withdrawn, Move.publish): ArticleStatus.published,
}

# the limits of an article's texts, in characters
QUESTION_MAX = 200
ANSWER_MAX = 5000
CATEGORY_MAX = 32
SOURCE_TITLE_MAX = 200
SOURCE_NUMBER_MAX = 100
SOURCE_URL_MAX = 500
QUERY_MAX = 100
REASON_MAX = 500


def next_status(status: ArticleStatus, move: Move) -> ArticleStatus | None:
    """Where `move` takes an article in `status`, or None when the table does not allow it."""
    return TRANSITIONS.get((status, move))


def new_version(status: ArticleStatus, move: Move) -> bool:
    """Whether the move keeps the text as a new version (an edit of a published article)
    rather than changing the current one (a draft's edits)."""
    return move == Move.edit and status != ArticleStatus.draft


def writes(actor: Principal) -> bool:
    """Who writes articles at all: administrators and departments' staff (approvers)."""
    return actor.role == Role.admin or (actor.role == Role.approver
                                        and actor.department is not None)


def reads_all(actor: Principal) -> bool:
    """Who reads unpublished articles (of their scope): the writers and supervisors."""
    return writes(actor) or actor.role == Role.supervisor


def owns(actor: Principal, department: str, in_scope: bool) -> bool:
    """Whether `actor` may edit, publish and withdraw an article of `department` whose
    region is within the actor's (`in_scope`)."""
    if actor.role == Role.admin:
        return True
    return actor.role == Role.approver and actor.department == department and in_scope


def may(actor: Principal, move: Move, status: ArticleStatus, department: str,
        in_scope: bool) -> bool:
    return owns(actor, department, in_scope) and next_status(status, move) is not None


def actions(actor: Principal, status: ArticleStatus, department: str,
            in_scope: bool) -> list[str]:
    """What the actor may do with an article now (the page's buttons, the API's
    `actions`)."""
    return [m.value for m in Move if may(actor, m, status, department, in_scope)]


def valid_on(day: dt.date, valid_from: dt.date | None, valid_until: dt.date | None) -> bool:
    """Whether an article's content is in force on `day`."""
    return (valid_from is None or valid_from <= day) and (valid_until is None
                                                          or day <= valid_until)


def due_for_review(status: ArticleStatus, review_on: dt.date | None, day: dt.date) -> bool:
    """An article still in use whose review date has come."""
    return status != ArticleStatus.withdrawn and review_on is not None and review_on <= day
