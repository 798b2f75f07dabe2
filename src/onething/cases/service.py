"""Applications: 一表申请 → 一窗受理 → (tasks) → 统一出件. Services flush; the caller commits.

Every transition checks role and scope, goes through the state table, records an event on
the timeline and publishes its fact (`cases/events.py`) for the domains above cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, defer

from onething.audit import service as audit
from onething.cases import access, idempotency, notices, ports, routing, tasks
from onething.cases.actions import (
    awaiting_supplement,
    deficiency_allowed,
    may_supplement,
    supplement_period_over,
)
from onething.cases.events import (
    ApplicationAccepted,
    ApplicationForwarded,
    ApplicationReceived,
    ApplicationRefused,
    ApplicationResubmitted,
    ApplicationReturned,
    ApplicationSubmitted,
    ApplicationTerminated,
    ApplicationWithdrawn,
    ResultsDelivered,
    SupplementReceived,
)
from onething.cases.forms import check_form, checks_of, failed_checks
from onething.cases.models import (
    DUE_AT_ONCE,
    Application,
    AssistedConsent,
    Event,
    FormValue,
    MaterialEntry,
    NoticeEntry,
    Task,
)
from onething.cases.numbering import application_number
from onething.cases.states import FINISHED, AppStatus, Channel, next_application_status
from onething.cases.timeline import record
from onething.catalog import browse
from onething.catalog.context import Ctx
from onething.catalog.models import CatalogVersion
from onething.catalog.privacy import personal_codes
from onething.credit import service as credit
from onething.files.service import usable_by
from onething.guide.engine import (
    FieldStatus,
    Guide,
    GuideError,
    GuideField,
    MaterialStatus,
    compute_guide,
)
from onething.identity.models import User
from onething.identity.service import has_consent, person_of
from onething.kernel import bus
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import Role
from onething.kernel.watch import WatchEnded

CHANNELS = ("web", "mobile", "window", "kiosk", "api")
# Submitted online (网上申请): counted by the 网办率, and watched until the window accepts
# them (the profile's pre-acceptance check). The window's own entries are decided on the
# spot, and a kiosk (自助终端) stands in the hall, where the window takes its submissions.
ONLINE_CHANNELS = ("web", "mobile", "api")


@dataclass
class Submission:
    bundle: str
    region: str
    answers: dict[str, Any] = field(default_factory=dict)
    form: dict[str, Any] = field(default_factory=dict)
    # material code → {"file": id} | {"commitment": true} | {"deferred": true}
    materials: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel: str = "web"
    applicant: str | None = None  # username of the person applied for (window, proxy)
    idempotency_key: str | None = None
    assisted: WalkIn | None = None  # 帮办: the window files for the person before it


@dataclass(frozen=True)
class WalkIn:
    """帮办: the person before the window, named by their 居民身份证 (they need no account
    here), and the scan of the consent they signed on paper."""

    name: str
    id_number: str
    consent_file: str  # the uploaded file's id
    phone: str | None = None


# --- submitting -------------------------------------------------------------------


def submit(ctx: Ctx, sub: Submission) -> Application:
    """Apply once: the guide decides what is required; every problem is listed at once."""
    fingerprint = idempotency.fingerprint(ctx.session, sub)
    earlier = idempotency.replayed(ctx, sub, fingerprint)
    if earlier is not None:
        return earlier
    applicant = _applicant(ctx, sub)
    consent = _assisted_consent(ctx, sub)
    _check_channel_and_region(ctx, sub)
    guide, form, materials = _checked_content(ctx, sub, applicant)
    app = Application(
        number=application_number(ctx.session, sub.region, f"{ctx.today:%Y%m%d}"),
        bundle_code=sub.bundle, catalog_version_id=_version_id(ctx.session, guide),
        catalog_version=guide.catalog_version, applicant_id=applicant.id,
        submitted_by_id=ctx.actor.user_id, channel=sub.channel, region_code=sub.region,
        status=AppStatus.submitted, answers=guide.answers, form=form,
        materials=materials, guide=_snapshot(guide), idempotency_key=sub.idempotency_key,
        idempotency_fingerprint=fingerprint,
        promised_days=guide.promised_days, submitted_at=ctx.now, assisted_consent=consent,
    )
    ctx.session.add(app)
    ctx.session.flush()
    record(ctx, app, "submit", after=app.status, data={"channel": sub.channel} | (
        {"assisted": True} if consent else {}))
    bus.publish(ctx, ApplicationSubmitted(app.id, app.applicant_id, sub.channel))
    return app


def _applicant(ctx: Ctx, sub: Submission) -> User:
    if sub.assisted is not None:
        return _walk_in(ctx, sub.assisted, sub.applicant)
    actor = ctx.session.get_one(User, ctx.actor.user_id)
    if sub.applicant is None or sub.applicant == actor.username:
        if ctx.actor.role != Role.applicant:
            raise Invalid("请指明申请人（applicant）", code="applicant_required",
                          problems=[FieldProblem("applicant", "代办或窗口代录须指明申请人")])
        return actor
    person = ctx.session.scalar(select(User).where(User.username == sub.applicant,
                                                   User.role == Role.applicant.value))
    if ctx.actor.role == Role.clerk:  # the window applies for the person before it
        if person is None:
            raise Invalid(f"没有申请人 {sub.applicant}", code="applicant_not_found",
                          problems=[FieldProblem("applicant", "申请人不存在")])
        return person
    if (person is not None and ctx.actor.role == Role.proxy
            and has_consent(ctx.session, actor.id, person.id)):
        return person
    # a name nobody has is answered as one who gave no consent: no probing for usernames
    raise Forbidden("没有该申请人的有效代办授权", code="no_consent",
                    problems=[FieldProblem("applicant", "没有该申请人的有效代办授权")])


def _walk_in(ctx: Ctx, person: WalkIn, username: str | None) -> User:
    """帮办: only the window files for a walk-in, who is named by their ID number."""
    if ctx.actor.role != Role.clerk:
        raise Forbidden("只有综合窗口人员可以帮办", code="role_not_allowed", problems=[
            FieldProblem("assisted", "帮办由综合窗口人员为到窗口办事的申请人填报")])
    if username:
        raise Invalid("帮办按身份证号码确定申请人", code="applicant_twice", problems=[
            FieldProblem("applicant", "帮办时请不要再填写申请人用户名")])
    if not person.name.strip():
        raise Invalid("请填写申请人姓名", code="applicant_required",
                      problems=[FieldProblem("assisted.name", "请填写申请人姓名")])
    return person_of(ctx.session, name=person.name, id_number=person.id_number,
                     phone=person.phone, field="assisted.id_number")


def _assisted_consent(ctx: Ctx, sub: Submission) -> AssistedConsent | None:
    """帮办: the scan of the applicant's signed consent, uploaded by this clerk."""
    if sub.assisted is None:
        return None
    stored = usable_by(ctx.session, sub.assisted.consent_file, {ctx.actor.user_id})
    if stored is None:
        raise Invalid("请上传申请人签字的帮办确认书", code="consent_missing", problems=[
            FieldProblem("assisted.consent_file",
                         "请上传申请人签字确认的帮办授权书（扫描件或照片）")])
    return {"file": stored.id, "filename": stored.filename, "by": ctx.actor.display_name}


def _check_channel_and_region(ctx: Ctx, sub: Submission) -> None:
    problems: list[FieldProblem] = []
    if sub.channel not in CHANNELS:
        problems.append(FieldProblem("channel", f"渠道应为：{'、'.join(CHANNELS)}"))
    elif (sub.channel == "window") != (ctx.actor.role == Role.clerk):
        problems.append(FieldProblem("channel", "窗口渠道只能由综合窗口人员录入"))
    bundle = ctx.catalog.bundles.get(sub.bundle)
    if bundle is None:
        raise NotFound(f"没有代码为 {sub.bundle} 的一件事", code="bundle_not_found")
    if sub.region not in ctx.catalog.regions:
        problems.append(FieldProblem("region", f"行政区划 {sub.region} 不存在"))
    elif not browse.offered_in(ctx.catalog, bundle, sub.region):
        problems.append(FieldProblem("region", f"“{bundle.name}”未在该地区开办"))
    elif ctx.actor.role == Role.clerk and not access.within_scope(ctx, sub.region):
        problems.append(FieldProblem("region", "只能在本窗口所属地区受理"))
    if problems:
        raise Invalid("申请信息有误", problems=problems)


def _checked_content(ctx: Ctx, sub: Submission, applicant: User
                     ) -> tuple[Guide, dict[str, FormValue], list[MaterialEntry]]:
    held = ports.licences().held(ctx.session, applicant.id, ctx.today)
    barred = _not_offered(ctx, applicant.id)
    try:
        guide = compute_guide(ctx.catalog, sub.bundle, sub.answers, held.keys(),
                              commitments=barred is None)
    except GuideError as exc:
        raise Invalid(str(exc), code=exc.code, problems=[
            FieldProblem(f"answers.{p.question}", p.message) for p in exc.problems]) from exc
    fields = [ctx.catalog.fields[f.code] for f in guide.fields_with(FieldStatus.fill)]
    produced = {f.code: f for f in guide.fields_with(FieldStatus.produced)}
    form, problems = check_form(fields, {k: v for k, v in sub.form.items() if k not in produced},
                                ctx.catalog.regions)
    problems = [*_produced_sent(sub.form, produced), *problems]
    checks = checks_of(ctx.catalog.bundles[guide.bundle], (i.item for i in guide.items))
    problems += failed_checks(checks, ctx.catalog.fields, form, ctx.today)
    problems += _where_decided(ctx, guide, form, sub.region, applicant, problems)
    materials, more = _materials(ctx, guide, sub.materials, held, applicant, barred)
    problems += more
    if problems:
        raise Invalid(f"申请有 {len(problems)} 处需要补充或更正", code="incomplete_application",
                      problems=problems)
    return guide, form, materials


def _not_offered(ctx: Ctx, applicant_id: int) -> str | None:
    """Why 告知承诺 and 容缺 are not open to the applicant now (credit's answer), if so."""
    standing = credit.may_use(ctx.session, credit.holder_of(ctx.session, applicant_id),
                              ctx.today)
    if standing.allows("commitment") and standing.allows("deficiency"):
        return None
    return credit.bar_reason(standing.record)


def _where_decided(ctx: Ctx, guide: Guide, form: dict[str, FormValue], receiving: str,
                   applicant: User, found: list[FieldProblem]) -> list[FieldProblem]:
    """Each item's deciding office can be told (a region field filled in, the applicant's
    region known), and every item may be received in `receiving` (跨域通办)."""
    problems: list[FieldProblem] = []
    decided: list[routing.Deciding] = []
    told = {p.field for p in found}
    for entry in guide.items:
        item = entry.item
        where = routing.deciding(ctx.catalog, item, receiving, form, applicant.region_code)
        if where is not None:
            decided.append(where)
        elif item.region_field is not None:
            path = f"form.{item.region_field.code}"
            if path not in told:
                problems.append(FieldProblem(path, f"请填写“{item.region_field.label}”："
                                                   f"由该地区办理“{item.name}”"))
                told.add(path)
        else:
            problems.append(FieldProblem("applicant", f"申请人未登记所在行政区划，"
                                                      f"无法确定“{item.name}”的办理地区"))
    refused = routing.not_received_here(ctx.catalog, decided, receiving)
    if refused:
        names = "、".join(f"“{d.item.name}”（{routing.CROSS_REGION_NAMES[d.item.cross_region]}）"
                         for d in refused)
        problems.append(FieldProblem("region", f"以下事项须在办理地受理，不能在"
                                               f"{routing.region_name(ctx.catalog, receiving)}"
                                               f"异地受理：{names}"))
    return problems


def _produced_sent(form: dict[str, Any], produced: dict[str, GuideField]) -> list[FieldProblem]:
    """Values sent for fields an earlier stage creates: not the applicant's to give."""
    return [FieldProblem(f"form.{code}", f"本申请不需要填写“{f.label}”：{f.reason}")
            for code, f in produced.items()
            if form.get(code) is not None and str(form[code]).strip()]


def _materials(ctx: Ctx, guide: Guide, given: dict[str, dict[str, Any]],
               held: Mapping[str, str], applicant: User, barred: str | None
               ) -> tuple[list[MaterialEntry], list[FieldProblem]]:
    """Each material of the guide with how it is provided; problems for what is missing.
    `barred`: why 告知承诺 and 容缺 are not open to this applicant (bad credit), if so."""
    owners = {ctx.actor.user_id, applicant.id}
    problems = [FieldProblem(f"materials.{code}", "本申请不需要该材料")
                for code in given if code not in {m.code for m in guide.materials}]
    record_: list[MaterialEntry] = []
    for m in guide.materials:
        entry: dict[str, Any] = {"code": m.code, "name": m.name, "key": m.key,
                                 "required": m.required, "status": m.status.value,
                                 "items": m.items}
        choice = given.get(m.code) or {}
        reason = (_not_open(choice, barred, guide)
                  or _provide(ctx, m, choice, held, owners, entry))
        if entry.get("provided") == "commitment":
            entry["commitment"] = ports.commitments().sign(ctx, m.material, m.items,
                                                           applicant)
        if reason:
            problems.append(FieldProblem(f"materials.{m.code}", f"“{m.name}”{reason}"))
        record_.append(cast(MaterialEntry, entry))  # its shape, now that it is filled in
    return record_, problems


def _not_open(choice: dict[str, Any], barred: str | None, guide: Guide) -> str | None:
    """Why the 告知承诺 or 容缺 chosen is not open to this application, if it is not: bad
    credit bars both; a 即办件 (promised 0 working days) has no time to supplement in."""
    if barred and (choice.get("commitment") or choice.get("deferred")):
        return f"：{barred}"
    if choice.get("deferred") and not choice.get("file") and guide.promised_days == 0:
        return "不能容缺：本申请为即办件，当场办结，容缺补齐期限不得超过承诺办结时限，请上传材料"
    return None


def _provide(ctx: Ctx, m: Any, choice: dict[str, Any], held: Mapping[str, str],
             owners: set[int], entry: dict[str, Any]) -> str | None:
    if m.status == MaterialStatus.licence:
        entry.update(provided="licence", licence=held[m.licence_type])
    elif m.status == MaterialStatus.produced:
        entry.update(provided="produced", produced_by=m.produced_by)
    elif choice.get("file"):
        stored = usable_by(ctx.session, str(choice["file"]), owners)
        if stored is None:
            return "的文件不存在或不属于申请人"
        entry.update(provided="file", file=stored.id, filename=stored.filename)
    elif choice.get("commitment"):
        if m.status != MaterialStatus.commitment:
            return "不适用告知承诺，请上传材料"
        entry.update(provided="commitment")
    elif choice.get("deferred"):
        if m.key:
            return "是关键材料，不能容缺"
        entry.update(provided="deferred")
    elif not m.required:
        entry.update(provided="none")
    else:
        return "未提供（请上传，或在允许时签署告知承诺、申请容缺）"
    return None


def _snapshot(guide: Guide) -> dict[str, Any]:
    data = guide.as_dict()
    return {k: data[k] for k in ("items", "stages", "promised_days", "fee", "effect",
                                 "departments")}


def _version_id(session: Session, guide: Guide) -> int:
    found = session.scalar(select(CatalogVersion.id).where(  # a published one, not a draft
        CatalogVersion.digest == guide.catalog_version,
        CatalogVersion.published_at.is_not(None)).order_by(CatalogVersion.id.desc()))
    if found is None:
        raise Conflict("事项目录已更新，请刷新后重新提交", code="catalog_changed")
    return found


# --- the window -------------------------------------------------------------------


@dataclass
class WindowDecision:
    decision: str  # accept | accept_with_deficiency | return | refuse
    reason: str | None = None
    notice: list[NoticeEntry] = field(default_factory=list)  # 一次性告知: every problem
    supplement_days: int | None = None  # 容缺: working days to bring what is missing


WINDOW_DECISIONS = ("accept", "accept_with_deficiency", "return", "refuse")


def decide_at_window(ctx: Ctx, application_id: int, d: WindowDecision) -> Application:
    if d.decision not in WINDOW_DECISIONS:
        raise Invalid("受理决定应为受理、容缺受理、退回或不予受理", problems=[FieldProblem(
            "decision", "应为 accept、accept_with_deficiency、return 或 refuse")])
    app = access.visible_application(ctx, application_id, lock=True)
    access.at_window(ctx, app)
    status = next_application_status(app.status, d.decision, ctx.actor.role)
    deferred = [m["name"] for m in app.materials if m.get("provided") == "deferred"]
    before = app.status
    if status in (AppStatus.accepted, AppStatus.accepted_with_deficiency):
        _still_provided(ctx, app)
    if d.decision == "accept" and deferred:
        raise Conflict(f"尚缺材料（{'、'.join(deferred)}），只能容缺受理或退回",
                       code="materials_missing")
    if d.decision == "accept_with_deficiency":
        _deficiency(ctx, app, d, deferred)
    if d.decision == "return":
        _return_notice(ctx, app, d)
    if d.decision == "refuse":
        if not (d.reason or "").strip():
            raise Invalid("不予受理须说明理由", problems=[FieldProblem("reason", "请填写理由")])
        app.reason = d.reason
    app.status, app.next_check_on = status, DUE_AT_ONCE
    bus.publish(ctx, WatchEnded("acceptance", app.id))
    record(ctx, app, d.decision, before=before, after=app.status, reason=d.reason,
           data={"notice": app.notice} if d.decision == "return" else None)
    if status in (AppStatus.accepted, AppStatus.accepted_with_deficiency):
        _accept(ctx, app)
    ctx.session.flush()
    bus.publish(ctx, _window_fact(d.decision, app.id))
    return app


def _window_fact(decision: str, application_id: int) -> bus.Event:
    if decision == "return":
        return ApplicationReturned(application_id)
    if decision == "refuse":
        return ApplicationRefused(application_id)
    return ApplicationAccepted(application_id, deficient=decision == "accept_with_deficiency")


def _still_provided(ctx: Ctx, app: Application) -> None:
    """What stood for a material at submission must still stand at acceptance: a bad-credit
    record (失信) recorded since bars the 告知承诺 and 容缺 the applicant chose, and a licence
    revoked or expired since no longer replaces its material. The window returns the case
    (一次性告知) so that the applicant brings the materials themselves."""
    barred = credit.may_use(ctx.session, credit.holder_of(ctx.session, app.applicant_id),
                            ctx.today).record
    problems: list[FieldProblem] = []
    names: list[str] = []
    for m in app.materials:
        provided, name = m.get("provided"), m["name"]
        if barred and provided in ("commitment", "deferred"):
            way = "告知承诺" if provided == "commitment" else "容缺"
            reason = f"申请时选择了{way}，申请人现有失信记录，不再适用"
        elif provided == "licence" and not ports.licences().stands_for_material(
                ctx.session, str(m.get("licence")), app.applicant_id, ctx.today):
            reason = f"所用电子证照（{m.get('licence')}）已撤销或已过期，不能代替材料"
        else:
            continue
        names.append(name)
        problems.append(FieldProblem(f"materials.{m['code']}", f"“{name}”{reason}，须提交材料"))
    if not problems:
        return
    credit_rule = barred is not None and any("失信" in p.message for p in problems)
    why = (f"申请人提交申请后被记入失信记录（{credit.described(barred)}），按规定失信主体不适用"
           "告知承诺和容缺受理。" if barred is not None and credit_rule else "")
    raise Conflict(f"{why}不能受理或容缺受理，请退回补正，一次性告知申请人提交：{'、'.join(names)}",
                   code="bad_credit" if credit_rule else "licence_not_valid", problems=problems)


IMMEDIATE_NO_DEFICIENCY = ("即办件不能容缺受理：容缺补齐期限不得超过承诺办结时限，即办件当场办结，"
                           "没有补齐的时间。请待材料齐全后受理，或退回补正（一次性告知）")


def _deficiency(ctx: Ctx, app: Application, d: WindowDecision, deferred: list[str]) -> None:
    if not deferred:
        raise Conflict("材料齐全，无需容缺受理", code="nothing_missing")
    if not deficiency_allowed(app):
        raise Conflict(IMMEDIATE_NO_DEFICIENCY, code="immediate_item_no_deficiency",
                       problems=[FieldProblem("decision", "即办件不能容缺受理")])
    limit = app.promised_days
    days = d.supplement_days
    if days is None or not 1 <= days <= limit:
        raise Invalid(f"补齐期限不得超过承诺办结时限（{limit} 个工作日）", problems=[
            FieldProblem("supplement_days", f"应为 1 至 {limit} 个工作日")])
    app.deficient = True
    app.supplement_due = ctx.calendar.add(ctx.today, days).date


def _return_notice(ctx: Ctx, app: Application, d: WindowDecision) -> None:
    items = [i for i in d.notice if str(i.get("message", "")).strip()]
    if not items:
        raise Invalid("退回须一次性告知全部问题", problems=[
            FieldProblem("notice", "请逐条列出需要补正的内容")])
    app.notice = {"items": items, "at": ctx.now.isoformat(), "by": ctx.actor.display_name}


def _accept(ctx: Ctx, app: Application) -> None:
    """Accepted by the window before it, or by the platform (`SYSTEM`: no person)."""
    app.accepted_at, app.accepted_by_id = ctx.now, ctx.actor.user_id or None
    deadline = ctx.calendar.add(ctx.today, app.promised_days)
    app.deadline, app.deadline_provisional = deadline.date, deadline.provisional
    tasks.create_tasks(ctx, app)


# --- 跨省通办: forwarded to a partner platform, received from one -------------------


def forward(ctx: Ctx, application_id: int, *, partner: str, partner_name: str,
            reason: str) -> Application:
    """The receiving window sends a submitted application to the partner platform
    `partner`, whose offices decide it: the case ends here as forwarded (the exchange
    domain packs and sends it, on `ApplicationForwarded`)."""
    app = access.visible_application(ctx, application_id, lock=True)
    access.at_window(ctx, app)
    status = next_application_status(app.status, "forward", ctx.actor.role)
    if not reason.strip():
        raise Invalid("转外省（市）办理须说明理由",
                      problems=[FieldProblem("reason", "请填写理由")])
    before = app.status
    app.status, app.reason, app.next_check_on = status, reason.strip(), DUE_AT_ONCE
    bus.publish(ctx, WatchEnded("acceptance", app.id))
    ctx.session.flush()
    record(ctx, app, "forward", before=before, after=app.status, reason=app.reason,
           data={"partner": partner, "partner_name": partner_name})
    bus.publish(ctx, ApplicationForwarded(app.id, partner, app.reason))
    return app


@dataclass
class Received:
    """A case received by a partner platform's window (异地代收), as its package says it."""

    partner: str  # the partner platform's code
    partner_name: str
    partner_number: str  # the sender's case number
    office: str  # the partner's receiving window
    clerk: str
    checked_at: str
    checked: list[str] = field(default_factory=list)  # the materials it checked


def receive(ctx: Ctx, sub: Submission, applicant: User, received: Received,
            field_prefix: str = "") -> Application:
    """A case from a partner platform, accepted here on its window's check (the platform
    acts, `SYSTEM`): the same checks as a submission (every problem at once, each field
    named under `field_prefix`), then its tasks at the competent offices (`routing`)."""
    if sub.bundle not in ctx.catalog.bundles:
        raise Invalid(f"本平台没有代码为 {sub.bundle} 的一件事", code="bundle_not_found",
                      problems=[FieldProblem(f"{field_prefix}bundle", "本平台没有该一件事")])
    if sub.region not in ctx.catalog.regions:
        raise Invalid(f"本平台没有行政区划 {sub.region}", code="region_not_found",
                      problems=[FieldProblem(f"{field_prefix}region", "本平台没有该地区")])
    if not browse.offered_in(ctx.catalog, ctx.catalog.bundles[sub.bundle], sub.region):
        raise Invalid("该一件事未在该地区开办", code="bundle_not_offered",
                      problems=[FieldProblem(f"{field_prefix}region", "该一件事未在该地区开办")])
    try:
        guide, form, materials = _checked_content(ctx, sub, applicant)
    except Invalid as exc:
        raise Invalid(exc.detail, code=exc.code, problems=[
            FieldProblem(f"{field_prefix}{p.field}", p.message) for p in exc.problems]
        ) from exc
    app = Application(
        number=application_number(ctx.session, sub.region, f"{ctx.today:%Y%m%d}"),
        bundle_code=sub.bundle, catalog_version_id=_version_id(ctx.session, guide),
        catalog_version=guide.catalog_version, applicant_id=applicant.id,
        submitted_by_id=applicant.id, channel=Channel.partner, region_code=sub.region,
        status=AppStatus.submitted, answers=guide.answers, form=form,
        materials=materials, guide=_snapshot(guide), promised_days=guide.promised_days,
        submitted_at=ctx.now,
    )
    ctx.session.add(app)
    ctx.session.flush()
    told = {"partner": received.partner, "partner_name": received.partner_name,
            "partner_number": received.partner_number, "office": received.office,
            "clerk": received.clerk, "checked_at": received.checked_at,
            "checked": received.checked}
    record(ctx, app, "submit", after=app.status, data={"channel": Channel.partner.value,
                                                       **told})
    bus.publish(ctx, ApplicationSubmitted(app.id, app.applicant_id, Channel.partner.value))
    status = next_application_status(app.status, "receive", ctx.actor.role, True)
    before, app.status, app.next_check_on = app.status, status, DUE_AT_ONCE
    record(ctx, app, "receive", before=before, after=app.status, data=told)
    _accept(ctx, app)
    ctx.session.flush()
    bus.publish(ctx, ApplicationReceived(app.id, received.partner))
    return app


# --- the applicant -------------------------------------------------------------------


def for_resubmission(ctx: Ctx, application_id: int) -> Application:
    """The application, for whoever may fix and resubmit it: the applicant, the proxy who
    applied for them, the receiving window. Staff who only look at it are refused (403)."""
    app = access.visible_application(ctx, application_id)
    access.acts_for_applicant(ctx, app)
    return app


def resubmission_form(ctx: Ctx, app: Application) -> dict[str, Any]:
    """The form to prefill for fixing: personal values only for those who see them in full
    (the window types them again or reveals them, audited; a masked value is never sent
    back)."""
    if access.sees_personal_data(ctx, app):
        return dict(app.form)
    hidden = set(personal_codes(app.form, ctx.catalog.fields))
    return {code: value for code, value in app.form.items() if code not in hidden}


def resubmit(ctx: Ctx, application_id: int, sub: Submission) -> Application:
    """After a return (一次性告知): fix everything and resubmit under the same number."""
    app = for_resubmission(ctx, application_id)
    status = next_application_status(app.status, "resubmit", ctx.actor.role)
    applicant = ctx.session.get_one(User, app.applicant_id)
    sub.bundle, sub.region = app.bundle_code, app.region_code
    guide, form, materials = _checked_content(ctx, sub, applicant)
    before = app.status
    app.answers, app.form, app.materials = guide.answers, form, materials
    app.guide, app.promised_days = _snapshot(guide), guide.promised_days
    app.catalog_version = guide.catalog_version
    app.catalog_version_id = _version_id(ctx.session, guide)
    app.status, app.notice = status, None
    app.resubmitted_at, app.next_check_on = ctx.now, DUE_AT_ONCE  # the window's clock restarts
    ctx.session.flush()
    record(ctx, app, "resubmit", before=before, after=app.status)
    bus.publish(ctx, ApplicationResubmitted(app.id))
    return app


WITHDRAWN_REASON = "申请人主动撤回"  # the reason recorded when the applicant gives none


def withdraw(ctx: Ctx, application_id: int, reason: str | None) -> Application:
    """The applicant (or who acts for them) withdraws; without a reason, WITHDRAWN_REASON."""
    app = access.visible_application(ctx, application_id)
    access.acts_for_applicant(ctx, app)
    status = next_application_status(app.status, "withdraw", ctx.actor.role)
    before = app.status
    tasks.cancel_open(ctx, app, "申请人已撤回申请")
    bus.publish(ctx, WatchEnded("application", app.id, app.deadline))
    bus.publish(ctx, WatchEnded("acceptance", app.id))
    app.status, app.reason = status, (reason or "").strip() or WITHDRAWN_REASON
    ctx.session.flush()
    record(ctx, app, "withdraw", before=before, after=app.status, reason=app.reason)
    bus.publish(ctx, ApplicationWithdrawn(app.id))
    return app


def supplement(ctx: Ctx, application_id: int,
               materials: dict[str, dict[str, Any]]) -> Application:
    """容缺: bring what was missing within the period; held results are released."""
    app = access.visible_application(ctx, application_id)
    access.acts_for_applicant(ctx, app)
    if supplement_period_over(app, ctx.today):
        raise Conflict(f"补齐期限（{app.supplement_due}）已过：容缺受理逾期未补齐材料的，终止办理，"
                       "不再接收补齐材料。如需办理，请重新提出申请",
                       code="supplement_period_over")
    if not may_supplement(app, ctx.today):
        raise Conflict("该办件没有待补齐的容缺材料", code="nothing_to_supplement")
    owners = {ctx.actor.user_id, app.applicant_id}
    problems: list[FieldProblem] = []
    updated = []
    for entry in app.materials:
        entry = entry.copy()
        if entry.get("provided") == "deferred":
            stored = usable_by(ctx.session, str((materials.get(entry["code"]) or {}).get(
                "file", "")), owners)
            if stored is None:
                problems.append(FieldProblem(f"materials.{entry['code']}",
                                             f"请上传“{entry['name']}”"))
            else:
                entry.update({"provided": "file", "file": stored.id,
                              "filename": stored.filename, "supplemented": True})
        updated.append(entry)
    if problems:
        raise Invalid("容缺材料尚未补齐", code="supplement_incomplete", problems=problems)
    app.materials, app.supplemented_at = updated, ctx.now
    app.next_check_on = DUE_AT_ONCE  # a finished case's result can now be issued
    bus.publish(ctx, SupplementReceived(app.id))  # held licences are released
    ctx.session.flush()
    record(ctx, app, "supplement")
    return app


TERMINABLE = (AppStatus.accepted_with_deficiency.value, AppStatus.in_progress.value,
              *(s.value for s in FINISHED))


def terminate_missed_supplements(ctx: Ctx) -> list[Application]:
    """容缺: every application whose supplement period passed without the missing materials
    ends (终止), once (called by the scheduled sweep)."""
    late = list(ctx.session.scalars(select(Application).where(
        Application.deficient.is_(True), Application.supplemented_at.is_(None),
        Application.supplement_missed.is_(False), Application.supplement_due < ctx.today,
        Application.status.in_(TERMINABLE)).with_for_update()))
    for app in late:
        terminate(ctx, app)
    ctx.session.flush()
    return late


def terminate(ctx: Ctx, app: Application) -> None:
    """The case ends: undecided tasks are cancelled, results stay held (never released),
    open cards close, and the applicant is told in writing."""
    status = next_application_status(app.status, "terminate", ctx.actor.role, True)
    before = app.status
    reason = f"补齐期限 {app.supplement_due} 已过，容缺材料仍未补齐"
    tasks.cancel_undecided(ctx, app, "办件终止：逾期未补齐容缺材料")
    bus.publish(ctx, WatchEnded("application", app.id, app.deadline))
    bus.publish(ctx, WatchEnded("issuing", app.id))
    app.status, app.supplement_missed, app.reason = status, True, reason
    notice = notices.termination(app, [m["name"] for m in app.materials
                                       if m.get("provided") == "deferred"])
    record(ctx, app, "terminate", before=before, after=app.status, reason=reason,
           data={notices.KEY: notice})
    notices.tell_applicant(ctx, app, notice)
    bus.publish(ctx, ApplicationTerminated(app.id))


def deliver(ctx: Ctx, application_id: int, method: str, tracking_number: str | None = None,
            note: str | None = None) -> Application:
    """统一出件: window pickup, post (with a tracking number) or electronic."""
    app = access.visible_application(ctx, application_id)
    if ctx.actor.role == Role.applicant:
        access.acts_for_applicant(ctx, app)
        if method != "electronic":
            raise Forbidden("申请人只能确认电子送达", code="role_not_allowed")
    else:
        access.at_window(ctx, app)
    status = next_application_status(app.status, "deliver", ctx.actor.role)
    if awaiting_supplement(app):
        raise Conflict("容缺材料尚未补齐，办理结果暂缓送达", code="results_held")
    if method not in ("window", "post", "electronic"):
        raise Invalid("送达方式应为窗口领取、邮寄或电子送达",
                      problems=[FieldProblem("method", "应为 window、post 或 electronic")])
    if method == "post" and not (tracking_number or "").strip():
        raise Invalid("邮寄送达须填写快递单号",
                      problems=[FieldProblem("tracking_number", "请填写快递单号")])
    before = app.status
    app.status, app.delivered_at = status, ctx.now
    bus.publish(ctx, WatchEnded("issuing", app.id))
    app.delivery = {"method": method, "tracking_number": tracking_number, "note": note,
                    "by": ctx.actor.display_name}
    ctx.session.flush()
    record(ctx, app, "deliver", before=before, after=app.status, data=app.delivery)
    bus.publish(ctx, ResultsDelivered(app.id, method))
    return app


# --- reading -----------------------------------------------------------------------


@dataclass
class CaseView:
    application: Application
    tasks: list[Task]
    events: list[Event]


# Built once, bound per call: building a statement cost a case's read ≈0.2 ms each.
_CASE_TASKS = select(Task).where(Task.application_id == bindparam("app")).order_by(
    Task.stage, Task.id)
_CASE_EVENTS = select(Event).where(Event.application_id == bindparam("app")).order_by(
    Event.id)


def view(ctx: Ctx, application_id: int) -> CaseView:
    app = access.visible_application(ctx, application_id)
    found = list(ctx.session.scalars(_CASE_TASKS, {"app": app.id}))
    events = list(ctx.session.scalars(_CASE_EVENTS, {"app": app.id}))
    return CaseView(app, found, events)


def reveal_personal_data(ctx: Ctx, application_id: int) -> CaseView:
    """The case, for showing its personal values in full to staff who need them; the view
    is recorded in the audit trail (with the fields shown)."""
    found = view(ctx, application_id)
    app = found.application
    if not access.may_reveal_personal_data(ctx, app):
        raise Forbidden("只有受理窗口和承办部门的人员可以查看完整个人信息",
                        code="personal_data_not_needed")
    audit.record(ctx.session, ctx.actor, "view_personal_data", "application", app.id,
                 region=app.region_code, at=ctx.now,
                 after={"fields": personal_codes(app.form, ctx.catalog.fields)})
    return found


# How far back from the newest (or from `before_id`) a list looks first, then next: most
# lists are filled by the newest 2 000 ids; the last look has no bound.
LIST_WINDOWS = (2_000, 50_000, None)


def list_applications(ctx: Ctx, status: str | None = None, limit: int = 20,
                      before_id: int | None = None) -> list[Application]:
    """Newest first, keyset-paginated (`before_id`), within the actor's scope.

    Read in windows of ids back from the newest: a wide scope (a province's supervisor sees
    every region) takes the newest cases it sees from the first window through the region
    index in id order, instead of collecting and sorting every case in scope; a narrow
    scope goes on to the next window, and reads its few cases in the last one."""
    ids = select(Application.id).where(access.application_filter(ctx))
    if status:
        ids = ids.where(Application.status == status)
    if before_id:
        ids = ids.where(Application.id < before_id)
    ids = ids.order_by(Application.id.desc()).limit(limit)
    top = before_id or (ctx.session.scalar(select(func.max(Application.id))) or 0) + 1
    for window in LIST_WINDOWS:
        if window is None or top <= window:
            break
        found = _applications(ctx, ids.where(Application.id >= top - window))
        if len(found) == limit:
            return found
    return _applications(ctx, ids)


def _applications(ctx: Ctx, ids: Select[int]) -> list[Application]:
    """The rows of the ids chosen, newest first: the ids are chosen (and sorted) from the
    index alone, and only the page's rows are read, without the documents a list does not
    show (answers, form, materials, guide: read on first use, should a caller need one)."""
    return list(ctx.session.scalars(select(Application).options(defer(
        Application.answers), defer(Application.form), defer(Application.materials),
        defer(Application.guide)).where(
        Application.id.in_(ids.scalar_subquery())).order_by(Application.id.desc())))


def numbers(ctx: Ctx, application_ids: set[int]) -> dict[int, str]:
    """办件编号 of applications the actor already sees through their tasks (one query)."""
    rows = ctx.session.execute(select(Application.id, Application.number).where(
        Application.id.in_(application_ids)))
    return {app_id: number for app_id, number in rows}

