"""Written notices to the applicant (书面告知): a special procedure with its expected length
and end (行政许可法 art. 45), and the end of a case whose 容缺 supplement period passed.

Each notice is kept in the event it belongs to (`data["applicant_notice"]`), so the
application shows it as it was given, and is sent through the outbox to the applicant
(and to the proxy who applied for them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from onething.cases.models import Application, Event, SpecialProcedure, WrittenNotice
from onething.catalog.context import Ctx
from onething.identity.models import User
from onething.identity.service import has_consent
from onething.kernel.principal import Role
from onething.outbox.service import queue

KEY = "applicant_notice"


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def special_procedure(app: Application, item_name: str, p: SpecialProcedure) -> WrittenNotice:
    provisional = "（含尚未公布放假安排的日期，暂定）" if p.expected_end_provisional else ""
    return {"title": "特别程序告知", "text": (
        f"您申请的“{item_name}”（办件编号 {app.number}）需要进行{p.procedure}。"
        f"依照《中华人民共和国行政许可法》第四十五条，{p.procedure}属于特别程序，"
        f"所需时间不计入办理时限。{p.procedure}自 {chinese_date(p.started_on)} 开始，"
        f"预计需要 {p.days} 个工作日，预计于 {chinese_date(p.expected_end)} 结束{provisional}；"
        f"结束后恢复计时，继续办理。理由：{_sentence(p.reason)}")}


def _sentence(text: str) -> str:
    return text if text.endswith(("。", "！", "？", ".")) else f"{text}。"


def termination(app: Application, missing: list[str]) -> WrittenNotice:
    due = chinese_date(app.supplement_due) if app.supplement_due else ""
    return {"title": "终止办理告知", "text": (
        f"您的办件（办件编号 {app.number}）为容缺受理，应于 {due} 前补齐"
        f"{'、'.join(missing) or '所缺材料'}。补齐期限已过，材料仍未补齐，"
        "依照容缺受理的规定终止办理，已作出的办理结果不予发放。如需办理，请重新提出申请。")}


def tell_applicant(ctx: Ctx, app: Application, notice: WrittenNotice) -> None:
    """Send `notice` through the outbox to the applicant and to their proxy, if one applied
    and the person's consent still stands (a revoked proxy is told nothing more)."""
    recipients = [app.applicant_id]
    if app.submitted_by_id != app.applicant_id:
        submitter = ctx.session.get(User, app.submitted_by_id)
        if (submitter is not None and submitter.role == Role.proxy.value
                and has_consent(ctx.session, submitter.id, app.applicant_id)):
            recipients.append(submitter.id)
    queue(ctx.session, recipients, f"【{notice['title']}】办件 {app.number}", notice["text"],
          ctx.now)


def notices(events: list[Event]) -> list[dict[str, Any]]:
    """The written notices of an application, oldest first, from its timeline."""
    return [{**e.data[KEY], "at": e.at, "task_id": e.task_id}
            for e in events if isinstance(e.data, dict) and KEY in e.data]
