"""The shapes of the API's person and company files (一人一档、一企一档)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from onething.cases.models import Application
from onething.cases.schemas import JSONDocument, LicenceOut
from onething.cases.states import APP_STATUS_NAMES, AppStatus
from onething.catalog.context import Ctx
from onething.catalog.privacy import masked_form
from onething.kernel.privacy import Personal, mask
from onething.licences import service as licences
from onething.licences.models import Licence
from onething.profiles import service as profiles
from onething.profiles.models import Company
from onething.ratings.models import Rating
from onething.ratings.service import LEVELS


def region_name(ctx: Ctx, code: str) -> str:
    """长沙市芙蓉区: the region under its parent's name."""
    regions = ctx.catalog.regions
    region = regions.get(code)
    if region is None:
        return code
    parent = regions.get(region.parent or "")
    return f"{parent.name if parent and parent.level != 'province' else ''}{region.name}"


class CompanyOut(BaseModel):
    uscc: str = Field(description="统一社会信用代码")
    name: str = Field(description="市场主体名称")
    kind: str = Field(description="主体类型：企业、个体工商户 …")
    legal_rep_name: str | None = Field(description="法定代表人（负责人、经营者）姓名")
    legal_rep_id_number: str | None = Field(
        description="法定代表人身份证号码：对其本人完整显示，对工作人员部分隐藏")
    region: str = Field(description="登记所在行政区划代码")
    region_name: str
    licence_number: str = Field(description="设立该主体的营业执照（电子证照编号）")
    created_at: dt.datetime = Field(description="建档时间")
    updated_at: dt.datetime = Field(description="最近一次更新档案的时间")

    @classmethod
    def of(cls, ctx: Ctx, c: Company) -> CompanyOut:
        number = c.legal_rep_id_number
        if number and not profiles.represents(ctx, c):
            number = str(mask(number, Personal.id_number))
        return cls(uscc=c.uscc, name=c.name, kind=c.kind, legal_rep_name=c.legal_rep_name,
                   legal_rep_id_number=number, region=c.region_code,
                   region_name=region_name(ctx, c.region_code),
                   licence_number=c.licence_number, created_at=c.created_at,
                   updated_at=c.updated_at)


class ApplicationLine(BaseModel):
    id: int
    number: str = Field(description="办件编号")
    bundle: str
    bundle_name: str
    status: str
    status_name: str
    submitted_at: dt.datetime
    completed_at: dt.datetime | None

    @classmethod
    def of(cls, ctx: Ctx, a: Application) -> ApplicationLine:
        bundle = ctx.catalog.bundles.get(a.bundle_code)
        return cls(id=a.id, number=a.number, bundle=a.bundle_code,
                   bundle_name=bundle.name if bundle else a.bundle_code, status=a.status,
                   status_name=APP_STATUS_NAMES[AppStatus(a.status)],
                   submitted_at=a.submitted_at, completed_at=a.completed_at)


class RatingLine(BaseModel):
    application_id: int
    target: str = Field(description="window 综合窗口 · department 审批部门")
    department: str | None
    level: int
    level_name: str = Field(description="非常满意 … 非常不满意")
    created_at: dt.datetime

    @classmethod
    def of(cls, r: Rating) -> RatingLine:
        return cls(application_id=r.application_id, target=r.target,
                   department=r.department_code, level=r.level, level_name=LEVELS[r.level],
                   created_at=r.created_at)


def licence_out(ctx: Ctx, lic: Licence) -> LicenceOut:
    """A licence as the wallet answers it: a person's ID number and personal values masked."""
    return LicenceOut(number=lic.number, licence_type=lic.licence_type, name=lic.name,
                      holder_name=lic.holder_name, issuer=lic.issuer, issued_on=lic.issued_on,
                      valid_until=lic.valid_until, application_id=lic.application_id,
                      status=lic.status, status_name=licences.STATUS_NAMES[lic.status],
                      revoked_reason=lic.revoked_reason, revoked_at=lic.revoked_at,
                      holder_kind=lic.holder_kind,
                      holder_title=lic.holder_title,
                      holder_number=licences.shown_number(lic),
                      data=masked_form(lic.data or {}, ctx.catalog.fields))


class CompanyFileOut(BaseModel):
    company: CompanyOut
    represented_by_me: bool = Field(description="您是否为该企业的法定代表人")
    licences: list[LicenceOut] = Field(description="该企业的电子证照（按统一社会信用代码）")
    applications: list[ApplicationLine] = Field(
        description="该企业的办件：申请表填写其统一社会信用代码的，或核发其证照的")
    ratings: list[RatingLine] = Field(description="这些办件收到的好差评")

    @classmethod
    def of(cls, ctx: Ctx, f: profiles.CompanyFile) -> CompanyFileOut:
        return cls(company=CompanyOut.of(ctx, f.company),
                   represented_by_me=profiles.represents(ctx, f.company),
                   licences=[licence_out(ctx, lic) for lic in f.licences],
                   applications=[ApplicationLine.of(ctx, a) for a in f.applications],
                   ratings=[RatingLine.of(r) for r in f.ratings])


class PersonOut(BaseModel):
    username: str
    name: str
    id_number: str | None = Field(
        description="公民身份号码（本人可见完整号码；工作人员查阅时部分隐藏）")
    phone: str | None
    email: str | None


class ConsentLine(BaseModel):
    id: int
    name: str = Field(description="对方：您授权的帮代办员，或授权您代办的人")
    note: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    active: bool

    @classmethod
    def of(cls, line: profiles.ConsentLine) -> ConsentLine:
        c = line.consent
        return cls(id=c.id, name=line.other, note=c.note, created_at=c.created_at,
                   revoked_at=c.revoked_at, active=c.revoked_at is None)


class ProfileOut(BaseModel):
    person: PersonOut
    licences: list[LicenceOut] = Field(description="证照夹中的电子证照")
    applications: list[ApplicationLine] = Field(description="本人的办件（含他人代为申请的）")
    consents_given: list[ConsentLine] = Field(description="本人给予帮代办员的代办授权")
    consents_received: list[ConsentLine] = Field(description="他人给予本人的代办授权（帮代办员）")
    companies: list[CompanyOut] = Field(description="本人担任法定代表人的企业")
    form_company: str | None = Field(
        description="form_defaults 中企业信息所属企业的统一社会信用代码（代表多家企业时用 "
                    "company 参数选择）")
    form_defaults: JSONDocument = Field(
        description="申请表可自动带出的信息：表单字段代码 → 值（本人姓名、身份证号码、电话，"
                    "以及所选企业的名称、统一社会信用代码、法定代表人、登记地）；带出后仍可修改。"
                    "企业信息只用于填写统一社会信用代码的申请表；设立登记新企业的申请表只带出本人信息")

    @classmethod
    def of(cls, ctx: Ctx, f: profiles.PersonFile) -> ProfileOut:
        u = f.user
        defaults: dict[str, Any] = dict(f.form_defaults)
        number, phone = u.id_number, u.phone
        if f.masked:  # opened by staff
            number, phone = mask(number, Personal.id_number), mask(phone, Personal.phone)
        return cls(
            person=PersonOut(username=u.username, name=u.display_name, id_number=number,
                             phone=phone, email=None if f.masked else u.email),
            licences=[licence_out(ctx, lic) for lic in f.licences],
            applications=[ApplicationLine.of(ctx, a) for a in f.applications],
            consents_given=[ConsentLine.of(c) for c in f.consents_given],
            consents_received=[ConsentLine.of(c) for c in f.consents_received],
            companies=[CompanyOut.of(ctx, c) for c in f.companies],
            form_company=f.company.uscc if f.company else None, form_defaults=defaults)
