"""跨省通办: forwarding a case to a partner platform as a signed package, importing the
packages partners send (a case received elsewhere, or the result of one we forwarded), and
sending what is queued (the job, after the commit). Services flush; the caller commits."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from onething.cases import routing
from onething.cases import service as cases
from onething.cases.models import Application, Event, Task
from onething.cases.states import AppStatus
from onething.cases.timeline import record
from onething.catalog.context import Ctx, build_ctx
from onething.catalog.linked import Catalog
from onething.exchange import format as fmt
from onething.exchange import signing
from onething.exchange.models import Direction, ExchangePackage, Kind, PackageStatus
from onething.exchange.partners import Exchange, Partner, current, required
from onething.files import service as files
from onething.files.models import StoredFile
from onething.identity.models import User
from onething.identity.service import person_of
from onething.kernel.errors import Conflict, DomainError, FieldProblem, Forbidden, Invalid
from onething.kernel.principal import SYSTEM, Principal, Role

log = logging.getLogger("onething.exchange")
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
PATH = "/api/v1/exchange/packages"


def digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(signing.canonical(document)).hexdigest()


def _envelope(ex: Exchange, partner: Partner, kind: Kind, body: dict[str, Any],
              now: dt.datetime) -> dict[str, Any]:
    return signing.sign({"format": fmt.FORMAT, "package_id": str(uuid.uuid4()),
                         "sender": ex.code, "recipient": partner.code,
                         "created_at": now.astimezone(dt.UTC).isoformat(), "kind": kind.value,
                         "body": body}, ex.key)


def _queue(ctx: Ctx, partner: Partner, kind: Kind, envelope: dict[str, Any],
           app: Application) -> ExchangePackage:
    row = ExchangePackage(direction=Direction.outbound, partner=partner.code,
                          package_id=envelope["package_id"], kind=kind, envelope=envelope,
                          digest=digest(envelope), status=PackageStatus.queued, attempts=0,
                          next_attempt_at=ctx.now, application_id=app.id,
                          created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    return row


# --- outbound: forwarding -----------------------------------------------------------


def partners_for_form() -> list[tuple[str, str]]:
    """The partners a window may forward to: (code, Chinese name); none when off."""
    ex = current()
    return [(p.code, p.name) for p in ex.partners.values()] if ex else []


def forward(ctx: Ctx, root: Path, application_id: int, *, partner: str, reason: str,
            region: str | None = None) -> ExchangePackage:
    """The receiving window forwards a submitted application to `partner` (转外省（市）办理):
    the case ends here as forwarded, and its signed package is queued for the job."""
    ex = required()
    found = ex.partner(partner)
    app = cases.forward(ctx, application_id, partner=found.code, partner_name=found.name,
                        reason=reason)
    body = _application_body(ctx, root, app, reason, region or app.region_code)
    return _queue(ctx, found, Kind.application, _envelope(ex, found, Kind.application, body,
                                                          ctx.now), app)


def _application_body(ctx: Ctx, root: Path, app: Application, reason: str,
                      region: str) -> dict[str, Any]:
    applicant = ctx.session.get_one(User, app.applicant_id)
    if not applicant.id_number:
        raise Conflict("申请人未登记身份证号，不能转外省（市）办理", code="no_id_number")
    sent, not_files = [], []
    for m in app.materials:
        if m.get("provided") == "file":
            stored = ctx.session.get_one(StoredFile, m["file"])
            content = files.blob_path(root, stored.sha256).read_bytes()
            sent.append({"code": m["code"], "name": m["name"], "filename": stored.filename,
                         "media_type": stored.content_type, "sha256": stored.sha256,
                         "content": base64.b64encode(content).decode("ascii")})
        elif m.get("provided") not in (None, "none"):
            not_files.append(m["name"])
    if not_files:
        raise Conflict(f"以下材料不是上传的文件（电子证照、告知承诺或容缺），对方平台无法核验，"
                       f"不能转外省（市）办理：{'、'.join(not_files)}", code="materials_not_files")
    return {"bundle": app.bundle_code, "catalog_version": app.catalog_version,
            "region": region, "case_number": app.number, "reason": reason,
            "answers": app.answers, "form": app.form,
            "applicant": {"name": applicant.display_name, "id_number": applicant.id_number,
                          "phone": applicant.phone},
            "materials": sent,
            "check": {"office": routing.window_name(ctx.catalog, app.region_code),
                      "clerk": ctx.actor.display_name,
                      "checked_at": ctx.now.astimezone(dt.UTC).isoformat(),
                      "materials": [m["code"] for m in sent]}}


# --- outbound: the result of a case received elsewhere ------------------------------


def queue_result(ctx: Ctx, application_id: int) -> ExchangePackage | None:
    """When a case received from a partner is decided, its result goes back to that partner."""
    received = ctx.session.scalar(select(ExchangePackage).where(
        ExchangePackage.application_id == application_id,
        ExchangePackage.direction == Direction.inbound,
        ExchangePackage.kind == Kind.application))
    ex = current()
    if received is None:
        return None
    partner = ex.partners.get(received.partner) if ex else None
    if ex is None or partner is None:
        log.warning("the result of application %s cannot go back to %s: exchange off or "
                    "partner gone", application_id, received.partner)
        return None
    app = ctx.session.get_one(Application, application_id)
    body = _result_body(ctx, app, received.envelope["body"]["case_number"])
    return _queue(ctx, partner, Kind.result, _envelope(ex, partner, Kind.result, body,
                                                       ctx.now), app)


DECISIONS = {"approved": "approved", "denied": "denied", "cancelled": "cancelled"}


def _result_body(ctx: Ctx, app: Application, their_number: str) -> dict[str, Any]:
    tasks = ctx.session.scalars(select(Task).where(Task.application_id == app.id)
                                .order_by(Task.stage, Task.id))
    issued = ctx.session.scalars(select(Event).where(
        Event.application_id == app.id, Event.action == "issue_licence").order_by(Event.id))
    return {"case_number": app.number, "recipient_case_number": their_number,
            "status": app.status.value if isinstance(app.status, AppStatus) else app.status,
            "items": [{"item": t.item_code, "name": t.item_name,
                       "decision": DECISIONS.get(str(t.status), "cancelled"),
                       "office": routing.office_name(ctx.catalog, t.region_code,
                                                     t.department_code),
                       "reason": t.reason} for t in tasks],
            "licences": [{"type": e.data.get("type", ""), "number": e.data.get("licence", ""),
                          "name": _licence_name(ctx.catalog, e.data.get("type", ""))}
                         for e in issued]}


def _licence_name(catalog: Catalog, kind: str) -> str:
    for item in catalog.items.values():
        if item.result is not None and item.result.licence_type == kind:
            return item.result.name
    return kind or "电子证照"


# --- inbound ------------------------------------------------------------------------


def receive(ctx: Ctx, root: Path, document: Any) -> dict[str, Any]:
    """A package from a partner: authenticated by its signature, checked against the
    format, imported (a case received elsewhere, or the result of one we forwarded); the
    answer is our signed receipt. The same package again answers the same receipt."""
    ex = required()
    if not isinstance(document, dict):
        raise Invalid("交换包应为 JSON 对象", code="bad_package",
                      problems=[FieldProblem("package", "应为 JSON 对象")])
    partner = ex.partners.get(str(document.get("sender", "")))
    if partner is None:
        raise Forbidden("发送方不是本平台的跨省通办合作平台", code="unknown_partner",
                        problems=[FieldProblem("sender", "未知的合作平台")])
    if not signing.verify(document, partner.key):
        raise Forbidden("交换包签名无效：不是合作平台签发的，或签发后被改动", code="bad_signature",
                        problems=[FieldProblem("signature", "签名无效")])
    problems = fmt.problems(document)
    if problems:
        raise Invalid(f"交换包不符合格式（{len(problems)} 处）", code="bad_package",
                      problems=problems)
    if document["recipient"] != ex.code:
        raise Invalid(f"交换包不是发给本平台（{ex.code}）的", code="not_addressed_to_us",
                      problems=[FieldProblem("recipient", f"应为 {ex.code}")])
    earlier = ctx.session.scalar(select(ExchangePackage).where(
        ExchangePackage.direction == Direction.inbound,
        ExchangePackage.package_id == document["package_id"]))
    if earlier is not None:
        return replayed(earlier, document)
    if document["kind"] == Kind.application:
        app = _import_application(ctx, root, partner, document["body"])
    else:
        app = _apply_result(ctx, partner, document["body"])
    receipt = signing.sign({"format": fmt.FORMAT, "kind": "receipt",
                            "package_id": document["package_id"], "sender": ex.code,
                            "recipient": partner.code,
                            "created_at": ctx.now.astimezone(dt.UTC).isoformat(),
                            "status": "accepted", "case_number": app.number}, ex.key)
    ctx.session.add(ExchangePackage(
        direction=Direction.inbound, partner=partner.code, package_id=document["package_id"],
        kind=Kind(document["kind"]), envelope=document, digest=digest(document),
        status=PackageStatus.received, attempts=1, application_id=app.id,
        partner_number=document["body"]["case_number"], receipt=receipt,
        created_at=ctx.now, done_at=ctx.now))
    ctx.session.flush()
    return receipt


def replayed(earlier: ExchangePackage, document: dict[str, Any]) -> dict[str, Any]:
    """The receipt of a package received before; another content under its id is refused."""
    if earlier.digest != digest(document) or earlier.receipt is None:
        raise Conflict("该交换包编号已用于内容不同的另一个包", code="package_id_reused",
                       problems=[FieldProblem("package_id", "编号已被使用")])
    return earlier.receipt


def earlier_receipt(session: Session, document: Any) -> dict[str, Any] | None:
    """After a unique-key clash (the same package twice at once): the first one's receipt."""
    if not isinstance(document, dict):
        return None
    earlier = session.scalar(select(ExchangePackage).where(
        ExchangePackage.direction == Direction.inbound,
        ExchangePackage.package_id == str(document.get("package_id", ""))))
    return replayed(earlier, document) if earlier is not None else None


def _import_application(ctx: Ctx, root: Path, partner: Partner,
                        body: dict[str, Any]) -> Application:
    contents = _contents(body["materials"])
    person = body["applicant"]
    applicant = person_of(ctx.session, name=person["name"], id_number=person["id_number"],
                          phone=person.get("phone"), field="body.applicant.id_number")
    owner = Principal(user_id=applicant.id, username=applicant.username,
                      display_name=applicant.display_name, role=Role.applicant)
    given: dict[str, dict[str, Any]] = {}
    for n, (m, content) in enumerate(zip(body["materials"], contents, strict=True)):
        try:
            stored = files.store(ctx.session, root, owner, m["filename"], content)
        except DomainError as exc:
            raise Invalid(f"材料“{m['name']}”：{exc.detail}", code=exc.code, problems=[
                FieldProblem(f"body.materials.{n}.content", exc.detail)]) from exc
        given[m["code"]] = {"file": stored.id}
    check = body["check"]
    received = cases.Received(partner=partner.code, partner_name=partner.name,
                              partner_number=body["case_number"], office=check["office"],
                              clerk=check["clerk"], checked_at=check["checked_at"],
                              checked=list(check["materials"]))
    sub = cases.Submission(bundle=body["bundle"], region=body["region"],
                           answers=body["answers"], form=body["form"], materials=given,
                           channel="partner")
    return cases.receive(ctx, sub, applicant, received, field_prefix="body.")


def _contents(materials: list[dict[str, Any]]) -> list[bytes]:
    """Each material's bytes, which must hash to what the package says (every one checked
    before anything is kept)."""
    found: list[bytes] = []
    problems: list[FieldProblem] = []
    codes: set[str] = set()
    for n, m in enumerate(materials):
        if m["code"] in codes:
            problems.append(FieldProblem(f"body.materials.{n}.code", "材料重复"))
        codes.add(m["code"])
        try:
            content = base64.b64decode(m["content"], validate=True)
        except (binascii.Error, ValueError):
            problems.append(FieldProblem(f"body.materials.{n}.content", "不是有效的 base64"))
            content = b""
        if hashlib.sha256(content).hexdigest() != m["sha256"]:
            problems.append(FieldProblem(f"body.materials.{n}.sha256",
                                         f"“{m['name']}”的内容与其 SHA-256 不符"))
        found.append(content)
    if problems:
        raise Invalid("交换包中的材料有误", code="bad_material", problems=problems)
    return found


RESULT_WORDS = {"completed": "全部办结", "partly_denied": "办结（部分不予批准）",
                "denied": "办结（不予批准）"}


def _apply_result(ctx: Ctx, partner: Partner, body: dict[str, Any]) -> Application:
    """The partner's result on a case we forwarded to it: kept on its timeline."""
    app = ctx.session.scalar(select(Application).where(
        Application.number == body["recipient_case_number"]))
    forwarded = app is not None and ctx.session.scalar(select(ExchangePackage.id).where(
        ExchangePackage.application_id == app.id, ExchangePackage.partner == partner.code,
        ExchangePackage.direction == Direction.outbound,
        ExchangePackage.kind == Kind.application)) is not None
    if app is None or not forwarded:
        raise Invalid("本平台没有转往该平台的这个办件", code="case_not_forwarded",
                      problems=[FieldProblem("body.recipient_case_number",
                                             "不是转往发送方平台的办件")])
    record(ctx, app, "partner_result", reason=RESULT_WORDS.get(body["status"]),
           data={"partner": partner.code, "partner_name": partner.name,
                 "partner_number": body["case_number"], "status": body["status"],
                 "items": body["items"], "licences": body["licences"]})
    return app


# --- sending (the job) --------------------------------------------------------------

Transport = Callable[[str, bytes, float], tuple[int, bytes]]


def http_post(url: str, data: bytes, timeout: float) -> tuple[int, bytes]:
    """POST a package; the answer's status and body (an HTTP error is an answer too)."""
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


def send_due(sessions: sessionmaker[Session], ex: Exchange, catalog: Catalog,
             now: dt.datetime, post: Transport = http_post, batch: int = 20) -> int:
    """Send every package due, a batch per transaction, each row claimed (SKIP LOCKED) so
    that workers at once never send one twice; how many the partners acknowledged."""
    done = 0
    with sessions.begin() as session:
        rows = list(session.scalars(
            select(ExchangePackage).where(
                ExchangePackage.direction == Direction.outbound,
                ExchangePackage.status == PackageStatus.queued,
                ExchangePackage.next_attempt_at <= now)
            .order_by(ExchangePackage.id).limit(batch).with_for_update(skip_locked=True)))
        ctx = build_ctx(session, catalog, SYSTEM, now)
        for row in rows:
            done += _send(ctx, ex, row, post)
    return done


def _send(ctx: Ctx, ex: Exchange, row: ExchangePackage, post: Transport) -> int:
    partner = ex.partners.get(row.partner)
    row.attempts += 1
    if partner is None:
        _failed(ctx, row, "合作平台已不在配置中", None)
        return 0
    data = json.dumps(row.envelope, ensure_ascii=False).encode("utf-8")
    try:
        status, answer = post(partner.url + PATH, data, ex.timeout)
    except (OSError, ValueError) as exc:
        _retry(ctx, row, partner, f"发送失败：{exc}")
        return 0
    if status >= 500 or status in (408, 429):
        _retry(ctx, row, partner, f"对方平台暂时不能接收（HTTP {status}）")
        return 0
    if status >= 400:
        _failed(ctx, row, f"对方平台拒收（HTTP {status}）：{_detail(answer)}", partner)
        return 0
    receipt = _receipt(answer, ex, partner, row)
    if receipt is None:
        row.status, row.done_at = PackageStatus.sent, ctx.now
        row.last_error = "对方平台已接收，但回执无法验证"
        return 0
    row.status, row.receipt, row.done_at = PackageStatus.acknowledged, receipt, ctx.now
    row.partner_number, row.last_error = receipt["case_number"], None
    if row.application_id is not None:
        app = ctx.session.get_one(Application, row.application_id)
        told = {"partner": partner.code, "partner_name": partner.name,
                "partner_number": receipt["case_number"]}
        record(ctx, app, "partner_receipt" if row.kind == Kind.application else "result_sent",
               data=told)
    return 1


def _retry(ctx: Ctx, row: ExchangePackage, partner: Partner, error: str) -> None:
    if row.attempts >= MAX_ATTEMPTS:
        _failed(ctx, row, f"{error}（已尝试 {row.attempts} 次）", partner)
        return
    row.last_error = error[:500]
    row.next_attempt_at = ctx.now + dt.timedelta(seconds=FIRST_RETRY_SECONDS
                                                  * 2 ** (row.attempts - 1))


def _failed(ctx: Ctx, row: ExchangePackage, error: str, partner: Partner | None) -> None:
    """The package will not go: kept as failed, and said on the case's timeline (the
    window sees why, and may take it up with the partner)."""
    row.status, row.done_at, row.last_error = PackageStatus.failed, ctx.now, error[:500]
    if row.application_id is not None:
        app = ctx.session.get_one(Application, row.application_id)
        record(ctx, app, "partner_failed", reason=row.last_error,
               data={"partner": row.partner,
                     "partner_name": partner.name if partner else row.partner})


def _detail(answer: bytes) -> str:
    try:
        found = json.loads(answer)
    except ValueError:
        return answer[:200].decode("utf-8", "replace")
    return str(found.get("detail", "")) if isinstance(found, dict) else ""


def _receipt(answer: bytes, ex: Exchange, partner: Partner,
             row: ExchangePackage) -> dict[str, Any] | None:
    """The partner's receipt, if it is one: its format, its signature, for this package."""
    try:
        found = json.loads(answer)
    except ValueError:
        return None
    if (not isinstance(found, dict) or fmt.problems(found, "receipt")
            or not signing.verify(found, partner.key) or found["sender"] != partner.code
            or found["recipient"] != ex.code or found["package_id"] != row.package_id):
        return None
    return found


def packages_of(session: Session, application_id: int) -> list[ExchangePackage]:
    return list(session.scalars(select(ExchangePackage).where(
        ExchangePackage.application_id == application_id).order_by(ExchangePackage.id)))
