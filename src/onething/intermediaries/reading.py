"""What anybody may read of the market, signed in or not: the approved intermediaries with
their credit scores, the projects and their results (the selected intermediary, the price,
the draw's record), and the 入驻 applications and complaints administrators check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.intermediaries.models import (
    AgencyBid,
    AgencyComplaint,
    AgencyProject,
    Intermediary,
)
from onething.intermediaries.rules import AgencyStatus, ProjectStatus
from onething.kernel.errors import NotFound


def agencies(session: Session, service: str | None = None,
             status: AgencyStatus = AgencyStatus.approved) -> list[Intermediary]:
    """Intermediaries of a status (the public list: the approved, best credit first),
    optionally only those offering `service`."""
    found = session.scalars(select(Intermediary).where(Intermediary.status == status)
                            .order_by(Intermediary.credit_score.desc(), Intermediary.id))
    return [a for a in found if service is None or service in a.services]


def agencies_of(session: Session, usccs: list[str]) -> list[Intermediary]:
    """The intermediaries of these companies, whatever their status (their 入驻 page)."""
    if not usccs:
        return []
    return list(session.scalars(select(Intermediary).where(Intermediary.uscc.in_(usccs))
                                .order_by(Intermediary.id)))


def agency_by_id(session: Session, agency_id: int) -> Intermediary:
    found = session.get(Intermediary, agency_id)
    if found is None:
        raise NotFound("没有该中介机构", code="intermediary_not_found")
    return found


def agency_of(session: Session, uscc: str) -> Intermediary:
    found = session.scalar(select(Intermediary).where(Intermediary.uscc == uscc))
    if found is None:
        raise NotFound("没有该中介机构", code="intermediary_not_found")
    return found


def projects(session: Session, service: str | None = None, limit: int = 200
             ) -> list[AgencyProject]:
    """The projects, newest first (optionally of one service type)."""
    query = select(AgencyProject).order_by(AgencyProject.id.desc()).limit(limit)
    if service:
        query = query.where(AgencyProject.service == service)
    return list(session.scalars(query))


def get_project(session: Session, project_id: int, lock: bool = False) -> AgencyProject:
    project = session.get(AgencyProject, project_id, with_for_update=lock)
    if project is None:
        raise NotFound("没有该中介服务项目", code="agency_project_not_found")
    return project


@dataclass(frozen=True)
class BidLine:
    bid: AgencyBid
    agency: Intermediary


def bids(session: Session, project: AgencyProject, sealed: bool = True) -> list[BidLine]:
    """A project's bids, cheapest first: public once the selection is made (or failed),
    so that nobody learns another's price while bidding is open (`sealed`; the buyer
    scoring them for 择优 reads them unsealed)."""
    if sealed and project.status in (ProjectStatus.open, ProjectStatus.frozen):
        return []
    rows = session.execute(select(AgencyBid, Intermediary).join(
        Intermediary, Intermediary.id == AgencyBid.intermediary_id).where(
        AgencyBid.project_id == project.id).order_by(AgencyBid.price, AgencyBid.id))
    return [BidLine(b, a) for b, a in rows]


def bid_count(session: Session, project: AgencyProject) -> int:
    return len(list(session.scalars(select(AgencyBid.id).where(
        AgencyBid.project_id == project.id))))


def selected(session: Session, project: AgencyProject) -> Intermediary | None:
    return session.get(Intermediary, project.selected_id) if project.selected_id else None


def published_draw(project: AgencyProject) -> dict[str, Any] | None:
    """What the project's page shows of the lot: before the draw, the frozen pool, its hash
    and the seed's commitment (never the seed); after it, the whole record."""
    if project.draw_record is not None:
        return project.draw_record
    if project.commitment is not None:
        return {"algorithm": "onething-draw-v1", "commitment": project.commitment,
                "pool": project.pool, "pool_hash": project.pool_hash}
    return None


def complaints(session: Session, open_only: bool = True) -> list[AgencyComplaint]:
    query = select(AgencyComplaint).order_by(AgencyComplaint.id)
    if open_only:
        query = query.where(AgencyComplaint.upheld.is_(None))
    return list(session.scalars(query))
