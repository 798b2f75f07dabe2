"""The intermediary market of `onething serve --demo`: three companies whose legal
representatives are demo people (jiance, xiaofang, huanjing), joined and approved through the
market's services; a 随机抽取 project of 芙蓉区 市场监管 drawn in public, and an open 竞价
project of zhangsan's for the 消防设施维护保养检测报告 his shop needs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.catalog.context import build_ctx
from onething.catalog.linked import Catalog
from onething.identity import service as identity
from onething.identity.models import User
from onething.intermediaries import service as market
from onething.intermediaries.models import Intermediary
from onething.kernel.clock import utcnow
from onething.kernel.identifiers import new_uscc
from onething.kernel.principal import Principal
from onething.profiles import service as profiles

# (representative, company, region, services, the regions it serves)
COMPANIES = (
    ("jiance", "湖南星城检测技术有限公司", "430102", ["testing", "inspection", "evaluation"],
     ["430000"]),
    ("xiaofang", "长沙安消消防技术服务有限公司", "430102", ["testing", "review"], ["430100"]),
    ("huanjing", "长沙湘江环境检测评价有限公司", "430102", ["testing", "assessment"],
     ["430100"]),
)
QUALIFICATIONS = "检验检测机构资质认定证书（CMA）编号 2026180{n}；营业执照经营范围含检验检测服务"


def _as(session: Session, catalog: Catalog, username: str, now: dt.datetime) -> Principal:
    return identity.principal_of(session.scalars(select(User).where(
        User.username == username)).one())


def ensure_demo_market(session: Session, catalog: Catalog, now: dt.datetime | None = None
                       ) -> None:
    """The demo market (idempotent: nothing when an intermediary exists already)."""
    if session.scalar(select(Intermediary.id).limit(1)) is not None:
        return
    now = now or utcnow()
    usernames = {u for u, *_ in COMPANIES} | {"admin", "zhangsan"}
    if len(set(session.scalars(select(User.username).where(User.username.in_(usernames))))
           ) < len(usernames) or "430102" not in catalog.regions:
        return  # not the demo catalog's people
    for n, (username, name, region, services, serves) in enumerate(COMPANIES, start=1):
        rep = session.scalars(select(User).where(User.username == username)).one()
        uscc = profiles.record_company(
            session, uscc=new_uscc(region), name=name, kind="有限责任公司",
            legal_rep_name=rep.display_name.split("（")[0], legal_rep_id_number=rep.id_number,
            region_code=region, licence_number=f"DEMO{n:06d}", application_id=None,
            now=now).uscc
        ctx = build_ctx(session, catalog, _as(session, catalog, username, now), now)
        agency = market.join(ctx, market.JoinInput(uscc, services, serves,
                                                   QUALIFICATIONS.format(n=n), f"1390731000{n}"))
        admin = build_ctx(session, catalog, _as(session, catalog, "admin", now), now)
        market.review(admin, agency.id, True, "材料齐全，准予入驻")
    rep = session.scalars(select(User).where(User.username == "jiance")).one()
    pending = profiles.record_company(  # a second company of jiance's, its 入驻 to be checked
        session, uscc=new_uscc("430102"), name="湖南星城工程咨询有限公司", kind="有限责任公司",
        legal_rep_name="王检测", legal_rep_id_number=rep.id_number, region_code="430102",
        licence_number="DEMO000009", application_id=None, now=now).uscc
    ctx = build_ctx(session, catalog, _as(session, catalog, "jiance", now), now)
    market.join(ctx, market.JoinInput(pending, ["consulting", "demonstration"], ["430100"],
                                      "工程咨询单位资信证书 甲级 2026-0188", "13907310009"))
    _projects(session, catalog, now)


def _projects(session: Session, catalog: Catalog, now: dt.datetime) -> None:
    buyer = session.scalars(select(User.username).where(
        User.role == "approver", User.department_code == "SCJG",
        User.region_code == "430102")).first()
    today = now.date()
    if buyer is not None:
        ctx = build_ctx(session, catalog, _as(session, catalog, buyer, now), now)
        drawn = market.post(ctx, market.ProjectInput(
            "芙蓉区农贸市场电子秤计量检测",
            "对辖区 12 个农贸市场的电子秤进行计量检测并出具检测报告",
            "testing", "430102", "48000", "public", "random",
            (today + dt.timedelta(days=7)).isoformat()))
        market.close(ctx, drawn.id)
        market.select_agency(ctx, drawn.id)
        market.sign_contract(ctx, drawn.id, "芙市监采〔2026〕18号", "46500")
        chosen = session.get_one(Intermediary, drawn.selected_id)
        rep = session.get_one(User, chosen.representative_id)
        by_rep = build_ctx(session, catalog, identity.principal_of(rep), now)
        market.deliver(by_rep, drawn.id, "电子秤计量检测报告 JC-2026-1108（共 12 份）")
        market.rate(ctx, drawn.id, 4, "按时完成，报告规范")
    ctx = build_ctx(session, catalog, _as(session, catalog, "zhangsan", now), now)
    material = "FIRE_FACILITY_REPORT" if "FIRE_FACILITY_REPORT" in catalog.materials else None
    market.post(ctx, market.ProjectInput(
        "便利店消防设施维护保养检测", "开业前对店内消防设施进行维护保养检测，出具检测报告",
        "testing", "430102", "3000", "own", "bidding",
        (today + dt.timedelta(days=10)).isoformat(), material))
