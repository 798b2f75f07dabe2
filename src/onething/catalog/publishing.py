"""Catalog publishing: an administrator submits a draft (validated like `onething catalog
load`; an invalid one is refused with its problems and nothing kept), another administrator
reviews it (sends it back to draft with the reason, or marks it reviewed), it is published
at once or on a chosen day (the job `catalog_publication` publishes those whose day has
come), and the version in force can be rolled back to the one it replaced (a new published
version with that one's content: entries are never deleted, so applications' references
stay valid). Every step audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.diff import CatalogDiff, diff
from onething.catalog.linked import digest
from onething.catalog.models import CatalogVersion
from onething.catalog.service import (
    PUBLISHED,
    ROLLED_BACK,
    SUPERSEDED,
    current_version,
    make_current,
    serialise,
)
from onething.catalog.source import Problem
from onething.catalog.spec import CatalogFileSpec
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import SYSTEM, Principal, Role

DRAFT, REVIEWED = "draft", "reviewed"
__all__ = ["DRAFT", "PUBLISHED", "REVIEWED", "ROLLED_BACK", "STATUS_NAMES", "SUPERSEDED",
           "Compared", "compared", "manages_catalog", "publish", "publish_due", "require",
           "review", "rollback", "steps", "submit", "version", "versions"]
STATUS_NAMES = {DRAFT: "草稿", REVIEWED: "已审核待发布", PUBLISHED: "现行版本",
                SUPERSEDED: "已被替代", ROLLED_BACK: "已回退"}
MAX_COMMENT = 500


def manages_catalog(me: Principal | None) -> bool:
    """Who submits, reviews, publishes and rolls back catalog versions: administrators."""
    return me is not None and me.role == Role.admin


def require(me: Principal) -> None:
    """Refuses (403) whoever does not manage the catalog."""
    if not manages_catalog(me):
        raise Forbidden("只有管理员可以管理事项目录版本", code="not_catalog_admin")


def problems_of(problems: Sequence[Problem]) -> list[FieldProblem]:
    """Validation problems as the fields of a refusal: the file and line, and the message."""
    return [FieldProblem(f"{p.file}:{p.line}" if p.line else p.file, p.message)
            for p in problems]


def refuse_invalid(problems: Sequence[Problem]) -> Invalid:
    return Invalid(f"目录有 {len(problems)} 处问题，草稿未保存", code="catalog_invalid",
                   problems=problems_of(problems))


def steps(row: CatalogVersion, me: Principal, stale: bool = False) -> list[str]:
    """The steps `me` may take on `row` now: review (a draft, or a reviewed version made
    `stale` by another publication; not one's own), publish (a reviewed version, now or on
    a day)."""
    if not manages_catalog(me):
        return []
    if row.status == DRAFT or (row.status == REVIEWED and stale):
        return [] if row.author_id == me.user_id else ["review"]
    return ["publish"] if row.status == REVIEWED else []


# --- reading -----------------------------------------------------------------------------


def versions(session: Session, me: Principal, limit: int = 100,
             offset: int = 0) -> list[CatalogVersion]:
    require(me)
    return list(session.scalars(select(CatalogVersion).order_by(CatalogVersion.id.desc())
                                .limit(limit).offset(offset)))


def version(session: Session, me: Principal, version_id: int) -> CatalogVersion:
    require(me)
    row = session.get(CatalogVersion, version_id)
    if row is None:
        raise NotFound(f"没有编号为 {version_id} 的目录版本", code="catalog_version_not_found")
    return row


@dataclass(frozen=True)
class Compared:
    """A version and what it changes against its base: the version in force for a draft or
    a reviewed one, the version it replaced for one published."""

    base: CatalogVersion | None
    changes: CatalogDiff
    # a draft or reviewed version last checked against another version than the one in
    # force now (one was published since): it must be reviewed again before publication
    stale: bool = False


def compared(session: Session, row: CatalogVersion) -> Compared:
    if row.status in (DRAFT, REVIEWED):
        base = current_version(session)
        checked = row.supersedes_id  # the version in force when submitted or reviewed
        return Compared(base, diff(_spec(base), CatalogFileSpec.model_validate(row.document)),
                        stale=checked != (base.id if base is not None else None))
    else:  # a rollback's base is the version it rolled back
        base_id = row.rollback_of or row.supersedes_id
        base = session.get(CatalogVersion, base_id) if base_id else None
    return Compared(base, diff(_spec(base), CatalogFileSpec.model_validate(row.document)))


def _spec(row: CatalogVersion | None) -> CatalogFileSpec | None:
    return CatalogFileSpec.model_validate(row.document) if row is not None else None


def _in_force_id(session: Session) -> int | None:
    current = current_version(session)
    return current.id if current is not None else None


STALE = "审核后已有其他目录版本发布：本版本的变更须对照现行版本重新审核后才能发布"
RETURNED_STALE = "定时发布时发现审核后已有其他目录版本发布，已退回草稿，请对照现行版本重新审核"


# --- the steps ---------------------------------------------------------------------------


def submit(session: Session, me: Principal, document: CatalogFileSpec | None,
           problems: Sequence[Problem], source: str, now: dt.datetime) -> CatalogVersion:
    """A draft of `document` (validated by the caller with `validate`: `problems` refuse
    it, nothing kept) by `me`."""
    require(me)
    if document is None or problems:
        raise refuse_invalid(problems or [Problem(source, 0, "目录无效")])
    row = CatalogVersion(digest=digest(document), source=source[:500],
                         document=document.model_dump(mode="json"), summary={}, status=DRAFT,
                         author_id=me.user_id, author=me.display_name or me.username,
                         loaded_at=now, supersedes_id=_in_force_id(session))
    session.add(row)
    session.flush()
    changes = compared(session, row).changes
    row.summary = {"changes": changes.counts()}
    audit.record(session, me, "submit_catalog", "catalog", row.id, at=now,
                 after={"digest": row.digest, "source": row.source, **changes.counts()})
    return row


def review(session: Session, me: Principal, version_id: int, approve: bool, comment: str,
           now: dt.datetime) -> CatalogVersion:
    """Another administrator than the author marks the draft reviewed, or sends it back to
    draft with the reason (`comment`, required then)."""
    row = version(session, me, version_id)
    again = row.status == REVIEWED and row.supersedes_id != _in_force_id(session)
    if row.status != DRAFT and not again:
        raise Conflict(f"该版本{STATUS_NAMES[row.status]}，只能审核草稿", code="not_a_draft")
    if row.author_id is not None and row.author_id == me.user_id:
        raise Conflict("审核人不能是提交人：目录版本须由提交人以外的管理员审核",
                       code="reviewer_is_author")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid("审核意见过长", problems=[FieldProblem("comment",
                                                         f"不超过 {MAX_COMMENT} 字")])
    if not approve and not comment:
        raise Invalid("退回须写明原因", code="reason_required",
                      problems=[FieldProblem("comment", "请写明退回的原因")])
    row.reviewer_id, row.reviewer = me.user_id, me.display_name or me.username
    row.reviewed_at, row.comment = now, comment or None
    row.status = REVIEWED if approve else DRAFT
    row.supersedes_id = _in_force_id(session)  # what the reviewer saw it against
    audit.record(session, me, "review_catalog" if approve else "return_catalog", "catalog",
                 row.id, at=now, before={"status": REVIEWED if again else DRAFT},
                 after={"status": row.status, "comment": row.comment})
    session.flush()
    return row


def publish(session: Session, me: Principal, version_id: int, on: dt.date | None,
            now: dt.datetime, today: dt.date) -> CatalogVersion:
    """Publishes a reviewed version now (`on` None or today), or schedules it for `on`."""
    require(me)
    serialise(session)  # a second publication of the same version waits, then is refused
    row = version(session, me, version_id)
    if row.status != REVIEWED:
        raise Conflict(f"该版本{STATUS_NAMES[row.status]}，只有审核通过的版本可以发布",
                       code="not_reviewed")
    if row.supersedes_id != _in_force_id(session):
        raise Conflict(STALE, code="catalog_changed")
    if on is not None and on < today:
        raise Invalid("发布日期不能早于今天",
                      problems=[FieldProblem("on", "请选择今天或以后的日期")])
    if on is not None and on > today:
        row.publish_on = on
        audit.record(session, me, "schedule_catalog", "catalog", row.id, at=now,
                     after={"publish_on": on.isoformat()})
        session.flush()
        return row
    _publish(session, me, row, now)
    return row


def _publish(session: Session, me: Principal, row: CatalogVersion, now: dt.datetime) -> None:
    publisher = "系统（定时发布）" if me.role == Role.system else me.display_name or me.username
    report = make_current(session, row, me, publisher, now)
    row.publish_on = row.publish_on or now.date()
    audit.record(session, me, "publish_catalog", "catalog", row.id, at=now,
                 after={"digest": row.digest, "supersedes": row.supersedes_id,
                        **report.counts()})


def publish_due(session: Session, today: dt.date, now: dt.datetime) -> int:
    """The job's step: the reviewed versions whose day has come published, in the order of
    their days (the last one stays in force). How many."""
    serialise(session)
    due = session.scalars(select(CatalogVersion).where(
        CatalogVersion.status == REVIEWED, CatalogVersion.publish_on.is_not(None),
        CatalogVersion.publish_on <= today).order_by(CatalogVersion.publish_on,
                                                    CatalogVersion.id)).all()
    published = 0
    for row in due:
        if row.supersedes_id != _in_force_id(session):  # another was published meanwhile
            row.status, row.comment, row.publish_on = DRAFT, RETURNED_STALE, None
            audit.record(session, SYSTEM, "return_catalog", "catalog", row.id, at=now,
                         before={"status": REVIEWED},
                         after={"status": DRAFT, "comment": RETURNED_STALE})
            continue
        _publish(session, SYSTEM, row, now)
        published += 1
    return published


def rollback(session: Session, me: Principal, reason: str, now: dt.datetime
             ) -> CatalogVersion:
    """The version in force replaced by a new published version with the content of the one
    it superseded; the version rolled back is kept, `rolled_back`."""
    require(me)
    serialise(session)
    reason = reason.strip()
    if not reason or len(reason) > MAX_COMMENT:
        raise Invalid("回退须写明原因", code="reason_required",
                      problems=[FieldProblem("reason", "请写明回退的原因（不超过 500 字）")])
    current = current_version(session)
    previous = (session.get(CatalogVersion, current.supersedes_id)
                if current is not None and current.supersedes_id else None)
    if current is None or previous is None:
        raise Conflict("没有可以回退到的上一个发布版本", code="no_previous_version")
    name = me.display_name or me.username
    row = CatalogVersion(digest=previous.digest, source=f"回退至版本 #{previous.id}",
                         document=previous.document, summary={}, status=REVIEWED,
                         author_id=me.user_id, author=name, reviewer=name, reviewed_at=now,
                         comment=reason, rollback_of=current.id, loaded_at=now)
    session.add(row)
    session.flush()
    report = make_current(session, row, me, name, now, replaced=ROLLED_BACK)
    row.supersedes_id = previous.supersedes_id  # a second rollback goes one further back
    row.publish_on = now.date()
    audit.record(session, me, "rollback_catalog", "catalog", row.id, at=now,
                 before={"version": current.id},
                 after={"content_of": previous.id, "reason": reason, **report.counts()})
    session.flush()
    return row
