"""Who answers for an office's work, by role and region: a department's approvers in a
region, or the region's receiving window (its clerks); and the supervisors (效能监察) of the
region and of every region above it. Cards, rectifications and the like notify them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.identity.models import User
from onething.kernel import regions as region_tree
from onething.kernel.principal import Role


def office(region: str, department: str | None, window: bool = False) -> Any:
    """A query of the office's people (active users' ids): the department's approvers in
    `region`, or, for the window, the region's clerks; None when neither answers."""
    if department is not None:
        return select(User.id).where(
            User.role == Role.approver.value, User.department_code == department,
            User.region_code == region, User.active.is_(True))
    if window:
        return select(User.id).where(User.role == Role.clerk.value,
                                     User.region_code == region, User.active.is_(True))
    return None


def first_of_office(session: Session, region: str, department: str | None,
                    window: bool = False) -> int | None:
    """The office's first person (by id): who a card names when no one is responsible."""
    people = office(region, department, window)
    return None if people is None else session.scalar(people.order_by(User.id).limit(1))


def answering(session: Session, regions: Mapping[str, region_tree.Node], region: str,
              department: str | None = None, *, window: bool = False,
              responsible_id: int | None = None) -> list[int]:
    """The office's people (at the window: the responsible clerk, or else the region's
    clerks), the responsible person, and the supervisors of the region and above, by id."""
    found: set[int] = set()
    people = office(region, department, window)
    if people is not None and (department is not None or not responsible_id):
        found |= set(session.scalars(people))
    if responsible_id:
        found.add(responsible_id)
    found |= set(session.scalars(select(User.id).where(
        User.role == Role.supervisor.value, User.active.is_(True),
        User.region_code.in_(region_tree.ancestors(regions, region)))))
    return sorted(found)
