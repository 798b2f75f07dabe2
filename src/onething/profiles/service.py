"""一人一档、一企一档: companies recorded from their 营业执照, who may see a company's file,
what a company's and a person's file hold, and the form values a file gives
(办事人基本信息一次填写、自动复用).

Profiles read what the domains below them record (cases, licences, ratings, identity) and
keep one table of their own, `companies`, written when licences publish `LicenceIssued`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from onething.audit import service as audit
from onething.cases import access
from onething.cases.models import Application
from onething.cases.routing import descendants
from onething.catalog.browse import Page
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.identity.models import ProxyConsent, User
from onething.kernel.errors import FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.identifiers import uscc_problem
from onething.kernel.principal import Principal, Role
from onething.licences import service as licences
from onething.licences.models import Licence
from onething.profiles.models import Company
from onething.ratings.models import Rating

BUSINESS_LICENCE = "BUSINESS_LICENCE"  # 营业执照: the licence that registers a company
COMPANY = "company"

# the form's fields the person's own record answers (a company's legal representative is the
# person who represents it); the company's record answers its name, USCC, region and those
PERSON_FIELDS = {"applicant_name": "name", "id_number": "id_number",
                 "applicant_id_number": "id_number", "phone": "phone", "email": "email",
                 "legal_rep_name": "name", "legal_rep_id_number": "id_number",
                 "legal_rep_phone": "phone"}


# --- recording companies (一企一档) ----------------------------------------------------


def record_company(session: Session, *, uscc: str, name: str, kind: str,
                   legal_rep_name: str | None, legal_rep_id_number: str | None,
                   region_code: str, licence_number: str, application_id: int | None,
                   now: dt.datetime) -> Company:
    """The company a 营业执照 registers: created the first time, brought up to date when a
    later 营业执照 names it again (a change of name or legal representative)."""
    company = session.scalar(select(Company).where(Company.uscc == uscc))
    if company is None:
        company = Company(uscc=uscc, created_at=now)
        session.add(company)
    company.name, company.kind = name, kind
    company.legal_rep_name = legal_rep_name
    company.legal_rep_id_number = legal_rep_id_number.upper() if legal_rep_id_number else None
    company.region_code = region_code
    company.licence_number, company.application_id = licence_number, application_id
    company.updated_at = now
    session.flush()
    return company


def legal_representative(form: Mapping[str, Any], applicant_name: str,
                         applicant_number: str | None) -> tuple[str, str | None]:
    """Who represents the company the form registers: its legal representative's name and ID
    number, or the applicant's where the form names none."""
    name = str(form.get("legal_rep_name") or "").strip()
    number = str(form.get("legal_rep_id_number") or "").strip()
    if name or number:
        return name or applicant_name, number.upper() or None
    return applicant_name, applicant_number


def registered_region(catalog: Catalog, form: Mapping[str, Any], issuing_region: str) -> str:
    """Where the company is registered: the form's business region (经营场所所在行政区划),
    else the region of the office that issued its 营业执照."""
    region = str(form.get("business_region") or "")
    return region if region in catalog.regions else issuing_region


# --- who may see a company's file -------------------------------------------------------


def _id_number(session: Session, actor: Principal) -> str | None:
    user = session.get(User, actor.user_id)
    return user.id_number if user is not None and user.id_number else None


def represents(ctx: Ctx, company: Company) -> bool:
    """The person whose ID number is the company's legal representative's (not staff)."""
    if ctx.actor.is_staff or not company.legal_rep_id_number:
        return False
    return _id_number(ctx.session, ctx.actor) == company.legal_rep_id_number


def in_scope(ctx: Ctx, company: Company) -> bool:
    """Staff whose region holds the company's registered region; an administrator always."""
    match ctx.actor.role:
        case Role.admin | Role.system:
            return True
        case Role.clerk | Role.approver | Role.supervisor:
            return access.within_scope(ctx, company.region_code)
    return False


def sees_company(ctx: Ctx, company: Company) -> bool:
    return represents(ctx, company) or in_scope(ctx, company)


def company_filter(ctx: Ctx) -> ColumnElement[bool]:
    """The same rule as `sees_company`, as a WHERE clause for lists."""
    a = ctx.actor
    match a.role:
        case Role.admin | Role.system:
            return true()
        case Role.clerk | Role.approver | Role.supervisor if a.region is not None:
            return Company.region_code.in_(sorted(descendants(ctx.catalog, a.region)))
    if a.is_staff:
        return false()
    number = _id_number(ctx.session, a)
    return Company.legal_rep_id_number == number if number else false()


def checked_uscc(uscc: str) -> str:
    """The 统一社会信用代码 as given, upper-cased; 422 naming `uscc` when it is not one."""
    value = uscc.strip().upper()
    problem = uscc_problem(value)
    if problem:
        raise Invalid(f"统一社会信用代码有误：{problem}", code="invalid_uscc",
                      problems=[FieldProblem("uscc", problem)])
    return value


def visible_company(ctx: Ctx, uscc: str) -> Company:
    """The company if the actor may see its file; 404 otherwise (no hint that it exists)."""
    company = ctx.session.scalar(select(Company).where(Company.uscc == checked_uscc(uscc)))
    if company is None or not sees_company(ctx, company):
        raise NotFound("没有该企业，或您无权查看其档案", code="company_not_found")
    return company


def list_companies(ctx: Ctx, query: str | None = None, limit: int = 20,
                   offset: int = 0) -> Page[Company]:
    """The companies the actor may see (a person: those they represent; staff: those
    registered in their region and below), searched by USCC or name; one page and the
    total."""
    where = [company_filter(ctx)]
    text = (query or "").strip()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(or_(Company.uscc == text.upper(),
                         Company.name.like(f"%{escaped}%", escape="\\")))
    total = ctx.session.scalar(select(func.count()).select_from(Company).where(*where)) or 0
    found = ctx.session.scalars(select(Company).where(*where)
                                .order_by(Company.id.desc()).limit(limit).offset(offset))
    return Page(list(found), total, limit, offset)


def represented(ctx: Ctx) -> list[Company]:
    """The companies the signed-in person represents (none for staff)."""
    if ctx.actor.is_staff:
        return []
    return list(list_companies(ctx, limit=100).entries)


# --- what a company's file holds --------------------------------------------------------


@dataclass(frozen=True)
class CompanyFile:
    company: Company
    licences: list[Licence]  # about it (by its USCC), newest first
    applications: list[Application]  # that name its USCC or issued its licences
    ratings: list[Rating]  # given on those applications


def company_file(ctx: Ctx, company: Company) -> CompanyFile:
    session = ctx.session
    licences = list(session.scalars(select(Licence).where(
        Licence.holder_number == company.uscc, Licence.holder_kind == COMPANY)
        .order_by(Licence.id.desc())))
    issued = {lic.application_id for lic in licences} | (
        {company.application_id} if company.application_id is not None else set())
    applications = list(session.scalars(select(Application).where(or_(
        Application.id.in_(sorted(issued)),
        Application.form["uscc"].as_string() == company.uscc))
        .order_by(Application.id.desc()).limit(200)))
    ratings = list(session.scalars(select(Rating).where(
        Rating.application_id.in_([a.id for a in applications])).order_by(Rating.id.desc())))
    return CompanyFile(company, licences, applications, ratings)


# --- what a person's file holds (一人一档) ----------------------------------------------


@dataclass(frozen=True)
class ConsentLine:
    consent: ProxyConsent
    other: str  # the other side's name: the proxy (given) or the person (received)


@dataclass(frozen=True)
class PersonFile:
    user: User
    licences: list[Licence]
    applications: list[Application]
    consents_given: list[ConsentLine]  # the person let a proxy apply for them
    consents_received: list[ConsentLine]  # a proxy's: people who let them apply for them
    companies: list[Company]
    form_defaults: dict[str, Any]
    company: Company | None  # the company whose fields `form_defaults` holds
    masked: bool = False  # opened by staff: the person's own values masked


def person_file(ctx: Ctx, uscc: str | None = None) -> PersonFile:
    """The signed-in person's own file; `uscc`: the company (among those they represent)
    whose values the form defaults hold, when they represent several. A proxy's forms are
    about the people they apply for: they have no form defaults of their own."""
    user = ctx.session.get_one(User, ctx.actor.user_id)
    companies = represented(ctx)
    chosen = chosen_company(ctx, companies, uscc)
    apps = list(ctx.session.scalars(select(Application).where(
        or_(Application.applicant_id == user.id, Application.submitted_by_id == user.id))
        .order_by(Application.id.desc()).limit(200)))
    return PersonFile(
        user=user, licences=licences.wallet(ctx.session, user.id), applications=apps,
        consents_given=_consents(ctx.session, ProxyConsent.person_id, user.id,
                                 ProxyConsent.proxy_id),
        consents_received=_consents(ctx.session, ProxyConsent.proxy_id, user.id,
                                    ProxyConsent.person_id),
        companies=companies, company=chosen,
        form_defaults=form_defaults(ctx.catalog, user, chosen)
        if ctx.actor.role is Role.applicant else {})


def opened_by_staff(ctx: Ctx, username: str, reason: str) -> PersonFile:
    """Staff open a person's file: only with a reason, only a person with an application in
    their scope (as `cases.access` sees applications; an administrator any person), each
    view audited with its reason. Their applications are those in the actor's scope; the
    person's personal values are masked when answered (`masked`)."""
    if not opens_person_files(ctx.actor):
        raise Forbidden("只有工作人员可以查阅他人的档案", code="role_not_allowed")
    why = reason.strip()
    if not why:
        raise Invalid("请填写查阅事由", code="reason_required",
                      problems=[FieldProblem("reason", "请填写查阅该办事人档案的事由（记入审计）")])
    user = ctx.session.scalar(select(User).where(User.username == username))
    scope = access.application_filter(ctx)
    apps = [] if user is None or user.role != Role.applicant else list(ctx.session.scalars(
        select(Application).where(Application.applicant_id == user.id, scope)
        .order_by(Application.id.desc()).limit(200)))
    if user is None or (not apps and ctx.actor.role is not Role.admin) \
            or user.role != Role.applicant:
        raise NotFound("没有该办事人，或其办件不在您的办理范围", code="person_not_found")
    audit.record(ctx.session, ctx.actor, "view_person_file", "user", user.id,
                 region=ctx.actor.region, after={"reason": why[:500]})
    companies = list(ctx.session.scalars(select(Company).where(
        Company.legal_rep_id_number == user.id_number).order_by(Company.id.desc())
        .limit(100))) if user.id_number else []
    return PersonFile(
        user=user, licences=licences.wallet(ctx.session, user.id), applications=apps,
        consents_given=_consents(ctx.session, ProxyConsent.person_id, user.id,
                                 ProxyConsent.proxy_id),
        consents_received=[], companies=companies, company=None, form_defaults={},
        masked=True)


def _consents(session: Session, mine: Any, user_id: int, theirs: Any) -> list[ConsentLine]:
    other = aliased(User)
    rows = session.execute(select(ProxyConsent, other.display_name)
                           .join(other, other.id == theirs).where(mine == user_id)
                           .order_by(ProxyConsent.id.desc()).limit(100))
    return [ConsentLine(consent, name) for consent, name in rows]


def chosen_company(ctx: Ctx, companies: Sequence[Company],
                   uscc: str | None) -> Company | None:
    """The company whose fields fill the form: the one named (among those the person
    represents: else 404), or the only one they represent."""
    if uscc:
        wanted = checked_uscc(uscc)
        found = next((c for c in companies if c.uscc == wanted), None)
        if found is None:
            raise NotFound("没有该企业，或您不是其法定代表人", code="company_not_found")
        return found
    return companies[0] if len(companies) == 1 else None


def form_defaults(catalog: Catalog, user: User, company: Company | None) -> dict[str, Any]:
    """The form's values the file already holds, by field code: the person's name, ID number
    and phone, and the chosen company's name, USCC, registered region and legal
    representative. Only fields the catalog has; what is prefilled stays editable."""
    own = {"name": user.display_name, "id_number": user.id_number, "phone": user.phone,
           "email": user.email}
    values: dict[str, Any] = {code: own[key] for code, key in PERSON_FIELDS.items() if own[key]}
    if company is not None:
        values.update({k: v for k, v in {
            "company_name": company.name, "uscc": company.uscc,
            "business_region": company.region_code, "legal_rep_name": company.legal_rep_name,
            "legal_rep_id_number": company.legal_rep_id_number}.items() if v})
    return {code: value for code, value in values.items() if code in catalog.fields}


def sees_profile(actor: Principal) -> bool:
    """Who has a file of their own (我的档案): people, not staff."""
    return not actor.is_staff


def sees_companies(actor: Principal) -> bool:
    """Who has a page of company files (企业档案): people (theirs) and staff (in scope)."""
    return actor.role is not Role.system


@dataclass(frozen=True)
class Reuse:
    """What the application form starts from (办事人基本信息一次填写、自动复用)."""

    values: dict[str, Any]  # field code → value
    companies: list[Company]  # those the person represents, to choose from
    company: Company | None  # the one whose fields are in `values`
    person: dict[str, Any]  # the person's own values alone (no company's)

    def for_form(self, fill: Collection[str], produced: Collection[str]) -> dict[str, Any]:
        """The values of the fields a form asks for (`fill`). A form that produces the
        统一社会信用代码 registers a new company: it starts from the person's values only
        (the company on file is another one)."""
        values = self.person if "uscc" in produced else self.values
        return {code: value for code, value in values.items() if code in fill}


def reuse(ctx: Ctx, uscc: str | None = None) -> Reuse:
    """The form defaults of a person applying for themselves; nothing for anyone applying
    for others (a window, a proxy), whose form is about someone else."""
    if ctx.actor.role is not Role.applicant:
        return Reuse({}, [], None, {})
    user = ctx.session.get_one(User, ctx.actor.user_id)
    companies = represented(ctx)
    chosen = chosen_company(ctx, companies, uscc)
    return Reuse(form_defaults(ctx.catalog, user, chosen), companies, chosen,
                 form_defaults(ctx.catalog, user, None))


def opens_person_files(actor: Principal) -> bool:
    """Who may open another person's file (with a reason, in scope): staff."""
    return actor.is_staff and actor.role is not Role.system
