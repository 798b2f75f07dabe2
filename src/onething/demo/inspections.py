"""A demo of random inspections for `onething serve --demo`: 芙蓉区 市场监管 and 消防's
check items, two inspectors of each in different 街道, forty entities, a 回避 record and a
joint task frozen, drawn, with one result published and one waiting. Idempotent: nothing is
added once any check item exists."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.catalog.context import build_ctx
from onething.catalog.linked import Catalog
from onething.demo.data import uscc
from onething.identity import service as identity
from onething.inspections import drawing
from onething.inspections import service as inspections
from onething.inspections.models import CheckItem, Entity
from onething.kernel.principal import Principal

TOWNS = ("430102001", "430102002", "430102003", "430102004")
ITEMS = (("SCJG", "食品经营者落实食品安全主体责任情况", "《中华人民共和国食品安全法》第一百一十条",
          "现场检查"),
         ("XF", "人员密集场所消防安全管理情况", "《中华人民共和国消防法》第五十三条", "现场检查"))
INSPECTORS = (("SCJG", "刘执法", "43010220260001", "430102001"),
              ("SCJG", "陈执法", "43010220260002", "430102002"),
              ("SCJG", "杨执法", "43010220260003", "430102003"),
              ("XF", "黄消防", "43010220260101", "430102002"),
              ("XF", "赵消防", "43010220260102", "430102003"),
              ("XF", "吴消防", "43010220260103", "430102004"))
KINDS = ("餐饮店", "便利店", "超市", "茶饮店", "药店")
ENTITIES = 40


def _principal(session: Session, username: str) -> Principal:
    return identity.principal_of(identity.find_user(session, username))


def ensure_demo_inspections(session: Session, catalog: Catalog, now: dt.datetime) -> bool:
    """Add the demo's inspections if there are none yet; whether anything was added."""
    if session.scalar(select(CheckItem.id).limit(1)) is not None:
        return False
    if not {"SCJG", "XF"} <= set(catalog.departments) or "430102" not in catalog.regions:
        return False
    rng = random.Random(2015)  # 国办发〔2015〕58号
    for n in range(ENTITIES):
        session.add(Entity(uscc=uscc(rng), name=f"芙蓉区{rng.choice('福盛兴隆和顺')}{n + 1}号"
                           f"{KINDS[n % len(KINDS)]}", kind="企业", region_code="430102",
                           township_code=TOWNS[n % len(TOWNS)], risk_class="ABCD"[n % 4],
                           source="register", updated_at=now))
    ctxs = {d: build_ctx(session, catalog, _principal(session, f"{d.lower()}_430102"), now)
            for d in ("SCJG", "XF")}
    scjg = ctxs["SCJG"]
    items = [inspections.add_item(ctxs[item[0]], inspections.ItemInput(*item)).id
             for item in ITEMS]
    for department, name, cert, town in INSPECTORS:
        inspections.add_inspector(ctxs[department], inspections.InspectorInput(
            name, cert, department, "430102", town, "行政执法证"))
    first = session.scalars(select(Entity.uscc).order_by(Entity.uscc)).first()
    assert first is not None
    inspections.add_recusal(scjg, "43010220260002", first, "近亲属在该企业任职")
    today = scjg.today
    task = inspections.create_task(scjg, inspections.TaskInput(
        name=f"{today.year} 年芙蓉区餐饮和零售场所食品、消防安全联合抽查", region="430102",
        departments=["SCJG", "XF"], items=items, ratio="0.1", inspectors_per_object=2,
        starts_on=today, ends_on=today + dt.timedelta(days=60),
        object_filter='risk in ["B", "C", "D"]'))
    drawing.freeze(scjg, task.id)
    drawing.draw(scjg, task.id)
    drawn = inspections.objects(session, task.id)
    inspections.record_result(scjg, drawn[0].id, "no_problem")
    inspections.publish_result(scjg, drawn[0].id)
    inspections.record_result(scjg, drawn[1].id, "corrected", "灭火器过期，已责令当场更换")
    return True
