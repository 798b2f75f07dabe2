"""Who may see and touch which application or task: role AND scope, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from onething.cases.models import Application, Task
from onething.cases.routing import descendants, within
from onething.cases.states import Channel
from onething.catalog.context import Ctx
from onething.identity.models import ProxyConsent
from onething.identity.service import has_consent
from onething.kernel.errors import Forbidden, NotFound
from onething.kernel.principal import Principal, Role


def sees_application(ctx: Ctx, app: Application) -> bool:
    a = ctx.actor
    match a.role:
        case Role.applicant:
            return a.user_id in (app.applicant_id, app.submitted_by_id)
        case Role.proxy:  # only while the person's consent stands
            return app.submitted_by_id == a.user_id and has_consent(
                ctx.session, a.user_id, app.applicant_id)
        case Role.clerk | Role.supervisor:
            return within_scope(ctx, app.region_code) or (
                app.cross_region and decided_within_scope(ctx, app))
        case Role.approver:
            return ctx.session.scalar(select(exists().where(
                Task.application_id == app.id, Task.department_code == a.department,
                Task.region_code == a.region))) or False
        case Role.admin | Role.system:
            return True
    return False


def application_filter(ctx: Ctx) -> ColumnElement[bool]:
    """The same rule as `sees_application`, as a WHERE clause for lists."""
    a = ctx.actor
    match a.role:
        case Role.applicant:
            return or_(Application.applicant_id == a.user_id,
                       Application.submitted_by_id == a.user_id)
        case Role.proxy:
            return (Application.submitted_by_id == a.user_id) & exists().where(
                ProxyConsent.proxy_id == a.user_id,
                ProxyConsent.person_id == Application.applicant_id,
                ProxyConsent.revoked_at.is_(None))
        case Role.clerk | Role.supervisor if a.region is not None:
            scope = sorted(descendants(ctx.catalog, a.region))
            return or_(Application.region_code.in_(scope),  # received here
                       Application.cross_region.is_(True) & exists().where(  # decided here
                           Task.application_id == Application.id, Task.region_code.in_(scope)))
        case Role.approver:
            return exists().where(Task.application_id == Application.id,
                                  Task.department_code == a.department,
                                  Task.region_code == a.region)
        case Role.admin | Role.system:
            return true()
    return false()


def on_applicant_side(ctx: Ctx, app: Application) -> bool:
    """The applicant, or whoever applied for them (a proxy): it is their own case."""
    a = ctx.actor
    return not a.is_staff and a.user_id in (app.applicant_id, app.submitted_by_id)


def sees_personal_data(ctx: Ctx, app: Application) -> bool:
    """Full personal values without asking: the applicant, and whoever applied for them."""
    return on_applicant_side(ctx, app)


def may_reveal_personal_data(ctx: Ctx, app: Application,
                             tasks: Sequence[Task] | None = None) -> bool:
    """Staff whose work needs the full values, on asking (each view audited): the window
    that receives the case and the offices with a task in it. Supervisors and
    administrators see them masked. `tasks`: the case's tasks when already read."""
    match ctx.actor.role:
        case Role.clerk:
            return within_scope(ctx, app.region_code)
        case Role.approver if tasks is not None:
            return any(decides(ctx.actor, t) for t in tasks)
        case Role.approver:
            return sees_application(ctx, app)
    return False


def visible_application(ctx: Ctx, application_id: int, lock: bool = False) -> Application:
    """The application if the actor may see it; 404 otherwise (no hint that it exists).
    `lock`: take its row lock (PostgreSQL) before changing it."""
    app = ctx.session.get(Application, application_id, with_for_update=lock or None)
    if app is None or not sees_application(ctx, app):
        raise NotFound("没有该办件，或您无权查看", code="application_not_found")
    return app


def within_scope(ctx: Ctx, region: str) -> bool:
    """Whether `region` is the actor's own region or lies below it."""
    return ctx.actor.region is not None and within(ctx.catalog, region, ctx.actor.region)


def decided_within_scope(ctx: Ctx, app: Application) -> bool:
    """Whether an office within the actor's region decides a task of `app` (跨域通办: the
    deciding side's windows and supervisors see the case too)."""
    if ctx.actor.region is None:
        return False
    scope = sorted(descendants(ctx.catalog, ctx.actor.region))
    return ctx.session.scalar(select(exists().where(
        Task.application_id == app.id, Task.region_code.in_(scope)))) or False


def receives(ctx: Ctx, app: Application) -> bool:
    """The window that received the application: a clerk of its region (or above it)."""
    return ctx.actor.role == Role.clerk and within_scope(ctx, app.region_code)


def at_window(ctx: Ctx, app: Application) -> None:
    """Window steps: a clerk of the region that received the application."""
    if receives(ctx, app):
        return
    if ctx.actor.role != Role.clerk:
        raise Forbidden("只有综合窗口人员可以办理窗口业务", code="role_not_allowed")
    raise Forbidden("该办件不在您所在窗口的受理范围", code="out_of_scope")


def may_apply_in(ctx: Ctx, region: str) -> bool:
    """Where the actor may hand in an application: anywhere, but a window only in its own
    region (and below it)."""
    return ctx.actor.role != Role.clerk or within_scope(ctx, region)


def applies_for_others(actor: Principal) -> bool:
    """Who names the applicant when applying: the window (for the person before it) and a
    proxy (for a person who consented); an applicant applies for themselves."""
    return actor.role in (Role.clerk, Role.proxy)


def applies_online(actor: Principal) -> bool:
    """Who hands in applications online, for themselves or for others: applicants and
    proxies (staff enter them at the window)."""
    return not actor.is_staff


def page_channel(actor: Principal) -> Channel:
    """The channel of what is handed in on the pages: the window's own entries (the only
    ones that may be 窗口办理), everyone else's 网上办理."""
    return Channel.window if actor.role == Role.clerk else Channel.web


def needs_consent(actor: Principal) -> bool:
    """Who applies for a person only with that person's consent (帮代办): a proxy."""
    return actor.role == Role.proxy


def require_approver(ctx: Ctx) -> None:
    if ctx.actor.role != Role.approver:
        raise Forbidden("只有部门审批人员可以办理部门事项", code="role_not_allowed")


def decides(actor: Principal, task: Task) -> bool:
    """Who decides a task: an approver of its own department in its own region."""
    return (actor.role, actor.department, actor.region) == (
        Role.approver, task.department_code, task.region_code)


def owns_task(ctx: Ctx, task: Task) -> None:
    """Department steps: an approver of the task's own department in the task's own region.
    Whoever may not see the task's application hears that there is no such task (404)."""
    if decides(ctx.actor, task):
        return
    app = ctx.session.get(Application, task.application_id)
    if app is None or not sees_application(ctx, app):
        raise NotFound("没有该事项，或您无权查看", code="task_not_found")
    require_approver(ctx)
    raise Forbidden("该事项不属于您所在部门和地区", code="out_of_scope")


def for_applicant(ctx: Ctx, app: Application) -> bool:
    """Who takes the applicant's steps (resubmit, withdraw, supplement): the applicant, the
    proxy who applied for them, and the receiving window for the person before it."""
    a = ctx.actor
    if a.role == Role.clerk:
        return receives(ctx, app)
    return a.user_id in (app.applicant_id, app.submitted_by_id)


def acts_for_applicant(ctx: Ctx, app: Application) -> None:
    if for_applicant(ctx, app):
        return
    if ctx.actor.role == Role.clerk:
        at_window(ctx, app)
    raise Forbidden("只有申请人本人或其代办人可以操作", code="not_applicant")


def has_workbench(actor: Principal) -> bool:
    """The window's workbench (the region's applications by status): the windows, the
    supervisors and admins."""
    return actor.role in (Role.clerk, Role.supervisor, Role.admin)


def has_inbox(actor: Principal) -> bool:
    """A department's inbox of tasks: its approvers (`tasks.inbox` refuses anyone else)."""
    return actor.role == Role.approver
