"""A demo of 依申请公开 for `onething serve --demo`: requests to 芙蓉区市场监督管理局 (its
demo approver `scjg_430102` acts for the office) in each state — answered, waiting for a
补正, extended, with a third party consulted, recorded by the window from a letter, and one
left past its due day (carded by the sweep). Idempotent: nothing is added once any request
exists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.catalog.context import Ctx, build_ctx
from onething.catalog.linked import Catalog
from onething.disclosure import service as disclosure
from onething.disclosure.models import DisclosureRequest
from onething.identity import service as identity
from onething.identity.models import User

OFFICE = ("SCJG", "430102")
OFFICER = "scjg_430102"


def _as(session: Session, catalog: Catalog, username: str, now: dt.datetime) -> Ctx:
    principal = identity.principal_of(identity.find_user(session, username))
    return build_ctx(session, catalog, principal, now)


def _ask(ctx: Ctx, description: str, **extra: object) -> int:
    given = disclosure.RequestInput(department=OFFICE[0], region=OFFICE[1],
                                    description=description, delivery="online")
    for name, value in extra.items():
        setattr(given, name, value)
    return disclosure.submit(ctx, given).id


def ensure_demo_disclosure(session: Session, catalog: Catalog, now: dt.datetime) -> bool:
    """Add the demo's requests if there are none yet; whether anything was added."""
    if session.scalar(select(DisclosureRequest.id).limit(1)) is not None:
        return False
    people = {"zhangsan", "lisi", "chuangkou", OFFICER}
    if len(set(session.scalars(select(User.username).where(User.username.in_(people))))) < 4:
        return False  # a catalog whose demo has no such office

    def days_ago(n: int) -> dt.datetime:
        return now - dt.timedelta(days=n)

    def office(n: int) -> Ctx:
        return _as(session, catalog, OFFICER, days_ago(n))

    answered = _ask(_as(session, catalog, "zhangsan", days_ago(25)),
                    "芙蓉区 2026 年第三季度食品安全监督抽检结果")
    office_ctx = office(10)
    disclosure.reply(office_ctx, answered, disclosure.ReplyInput(
        "disclose", {"how_to_obtain": "抽检结果已在芙蓉区人民政府门户网站“食品安全抽检”栏目"
                     "公开；纸质件可到芙蓉区市场监督管理局政务公开查阅点领取。"},
        disclosure.default_redress(office_ctx, session.get_one(DisclosureRequest, answered))))
    unclear = _ask(_as(session, catalog, "zhangsan", days_ago(6)), "关于那家餐馆的处罚决定")
    disclosure.ask_correction(office(5), unclear,
                              "请写明餐馆的名称或地址、处罚的大致时间，以便检索。")
    extended = _ask(_as(session, catalog, "lisi", days_ago(24)),
                    "2025 年以来芙蓉区各农贸市场的食品快检数据", applicant_type="research",
                    applicant_name="湖南某食品安全研究所", contact="lisi@example.cn")
    disclosure.extend(office(1), extended, 15, "涉及 12 个农贸市场的数据，需要逐一汇总核对",
                      "芙蓉区市场监督管理局政务公开办公室主任 刘明")
    consulted = _ask(_as(session, catalog, "lisi", days_ago(9)),
                     "某连锁超市芙蓉区门店 2026 年的食品经营许可申请材料")
    disclosure.consult(office(4), consulted, "湖南某连锁超市有限公司")
    _ask(_as(session, catalog, "chuangkou", now), "芙蓉区 2026 年“双随机、一公开”抽查计划",
         channel="post", applicant_type="legal", applicant_name="湖南某律师事务所",
         contact="长沙市芙蓉区五一大道 100 号", received_on=days_ago(3).date())
    _ask(_as(session, catalog, "zhangsan", days_ago(40)), "芙蓉区餐饮服务单位量化分级结果")
    return True
