"""Supervision's answers, the same through the API and on the pages."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from onething.cases.routing import office_or_window_name
from onething.catalog.linked import Catalog
from onething.supervision.cards import SUBJECT_CHECKS
from onething.supervision.models import Card
from onething.supervision.profile import CHECKS
from onething.supervision.rules import CARD_NAMES, CardKind


class CardOut(BaseModel):
    id: int
    kind: str = Field(description="warning 预警 / yellow 黄牌 / red 红牌")
    kind_name: str
    check: str = Field(description="规则中的监察事项：case 办理时限、special_procedure "
                                   "特别程序、pre_acceptance 网上申请受理、issuing 出件、"
                                   "rectification 差评整改")
    check_name: str
    subject: str
    subject_id: int
    title: str
    department: str | None
    region: str
    office: str = Field(description="负责的机关，或受理地的综合窗口")
    application_id: int | None
    task_id: int | None
    due_on: dt.date | None = Field(description="亮牌所依据的时限")
    raised_at: dt.datetime
    closed_at: dt.datetime | None
    delay_days: int | None

    @classmethod
    def of(cls, catalog: Catalog, c: Card) -> CardOut:
        check = SUBJECT_CHECKS.get(c.subject, c.subject)
        return cls(id=c.id, kind=c.kind, kind_name=CARD_NAMES.get(CardKind(c.kind), c.kind),
                   check=check, check_name=CHECKS[check].name if check in CHECKS else check,
                   subject=c.subject, subject_id=c.subject_id, title=c.title,
                   department=c.department_code, region=c.region_code,
                   office=office_or_window_name(catalog, c.region_code, c.department_code),
                   application_id=c.application_id, task_id=c.task_id, due_on=c.due_on,
                   raised_at=c.raised_at, closed_at=c.closed_at, delay_days=c.delay_days)
