"""免申即享 matching on both databases: a 高龄津贴 beneficiary found from loaded 户籍 data and
told through the outbox, matched again each month and no longer once a death record is
loaded; a 稳岗返还 company matched from loaded 社保 and 用工 data; a run repeated matches
nobody twice, and the database refuses a second match for one period."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from onething.catalog import service as catalog_service
from onething.catalog.linked import Catalog, build_catalog
from onething.catalog.validate import read_catalog
from onething.identity import service as identity
from onething.kernel.config import Settings
from onething.kernel.db import unit_of_work
from onething.kernel.jobs import Run, run_all
from onething.kernel.principal import Role
from onething.outbox.models import Notification
from onething.policies.matching import MatchReport, match
from onething.policies.models import PolicyMatch
from onething.policies.service import load

DECEMBER, JANUARY = dt.date(2026, 12, 1), dt.date(2027, 1, 4)
ZHANG, LI, WANG = "430102194001011235", "430102192505050028", "430102193007070047"
YOUNG = "43010219500101123X"
SHOP = "91430102QJ3982JB2G"
HUJI = "id_number,name,birth_date,household_region,died_on,as_of\n"


@pytest.fixture(scope="module")
def catalog(demo_dir: Path) -> Catalog:
    return build_catalog(read_catalog(demo_dir))


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC)


def loaded(sessions: sessionmaker[Session], catalog: Catalog, code: str, path: Path,
           day: dt.date = DECEMBER) -> None:
    with unit_of_work(sessions) as session:
        load(session, catalog, code, path, day, at(day))


def matched(sessions: sessionmaker[Session], catalog: Catalog, code: str,
            day: dt.date) -> MatchReport:
    with unit_of_work(sessions) as session:
        return match(session, catalog, code, day, at(day))


def matches(sessions: sessionmaker[Session], period: str) -> dict[str, PolicyMatch]:
    with sessions() as session:
        return {m.holder_key: m for m in session.scalars(
            select(PolicyMatch).where(PolicyMatch.period == period))}


def test_the_elderly_allowance_month_by_month(sessions: sessionmaker[Session],
                                              catalog: Catalog, tmp_path: Path) -> None:
    with unit_of_work(sessions) as session:
        zhang = identity.create_user(session, username="zhangyi", password="Onething2026!",
                                     role=Role.applicant, id_number=ZHANG)
        zhang_id = zhang.id
    huji = tmp_path / "huji.csv"
    huji.write_text(HUJI + f"{ZHANG},张一,1940-01-01,430102,,2026-11-30\n"
                    f"{LI},李二,1925-05-05,430103,,2026-11-30\n"
                    f"{WANG},王三,1930-07-07,430102,2026-10-02,2026-11-30\n"
                    f"{YOUNG},赵四,1950-01-01,430102,,2026-11-30\n", encoding="utf-8")
    loaded(sessions, catalog, "HUJI", huji)
    report = matched(sessions, catalog, "ELDERLY_ALLOWANCE", DECEMBER)
    assert (report.period, report.checked, report.matched) == ("2026-12", 4, 2)
    december = matches(sessions, "2026-12")
    assert {k: m.amount for k, m in december.items()} == {ZHANG: Decimal("50.00"),
                                                          LI: Decimal("1000.00")}
    assert december[ZHANG].facts == {
        "age": 86, "month_start": "2026-12-01",
        "huji": {"source": "户籍信息", "department": "GA", "as_of": "2026-11-30",
                 "values": {"name": "张一", "birth_date": "1940-01-01",
                            "household_region": "430102"}}}
    with sessions() as session:
        told = session.scalars(select(Notification).where(
            Notification.recipient_id == zhang_id)).all()
        assert [n.subject for n in told] == ["您符合“高龄津贴”政策"]
        assert "本期金额 50.00 元" in told[0].body and "社会保障卡" in told[0].body

    again = matched(sessions, catalog, "ELDERLY_ALLOWANCE", DECEMBER)
    assert (again.matched, again.already) == (0, 2)  # nobody twice, nobody told twice
    with sessions() as session:
        assert len(session.scalars(select(Notification)).all()) == 1

    # 张一 died in December: January's run leaves him out, 李二 is matched again
    death = tmp_path / "death.csv"
    death.write_text(HUJI + f"{ZHANG},张一,1940-01-01,430102,2026-12-20,2027-01-03\n",
                     encoding="utf-8")
    loaded(sessions, catalog, "HUJI", death, JANUARY)
    report = matched(sessions, catalog, "ELDERLY_ALLOWANCE", JANUARY)
    assert (report.period, report.matched) == ("2027-01", 1)
    assert set(matches(sessions, "2027-01")) == {LI}
    assert set(matches(sessions, "2026-12")) == {ZHANG, LI}  # December stays as it was


def test_a_company_is_matched_for_the_job_retention_refund(
        sessions: sessionmaker[Session], catalog: Catalog, tmp_path: Path) -> None:
    shebao = tmp_path / "shebao.jsonl"
    shebao.write_text("\n".join(json.dumps({"uscc": SHOP, "month": f"{y}-{m:02d}",
                                            "paid": 1000, "insured": 18})
                                for y, months in ((2025, range(1, 13)), (2026, range(1, 12)))
                                for m in months), encoding="utf-8")
    staff = tmp_path / "staff.csv"
    staff.write_text(f"uscc,staff_at_start,laid_off\n{SHOP},20,2\n", encoding="utf-8")
    loaded(sessions, catalog, "SHEBAO", shebao)
    report = matched(sessions, catalog, "JOB_RETENTION_REFUND", DECEMBER)
    assert (report.checked, report.matched) == (1, 0)  # no 用工 data yet: not matched
    loaded(sessions, catalog, "STAFF", staff)
    report = matched(sessions, catalog, "JOB_RETENTION_REFUND", DECEMBER)
    assert (report.period, report.matched) == ("2026", 1)
    found = matches(sessions, "2026")[SHOP]
    assert found.amount == Decimal("7200.00")  # 60 % of 2025's contributions
    assert found.facts["shebao"]["values"]["months"] == 12
    assert found.facts["staff"]["values"] == {"staff_at_start": 20, "laid_off": 2}


def test_one_match_per_holder_and_period_is_a_database_rule(
        sessions: sessionmaker[Session]) -> None:
    row = {"policy_code": "ELDERLY_ALLOWANCE", "holder_kind": "person", "holder_key": ZHANG,
           "period": "2026-12", "amount": Decimal("50"), "status": "matched", "facts": {},
           "matched_at": at(DECEMBER)}
    with unit_of_work(sessions) as session:
        session.execute(insert(PolicyMatch), [row])
    with pytest.raises(IntegrityError), unit_of_work(sessions) as session:
        session.execute(insert(PolicyMatch), [row])


def test_the_worker_matches_once_a_day_and_tells_once(
        sessions: sessionmaker[Session], demo_dir: Path, tmp_path: Path) -> None:
    with unit_of_work(sessions) as session:
        catalog_service.load(session, read_catalog(demo_dir), str(demo_dir))
        identity.create_user(session, username="zhangyi", password="Onething2026!",
                             role=Role.applicant, id_number=ZHANG)
    catalog = build_catalog(read_catalog(demo_dir))
    huji = tmp_path / "huji.csv"
    huji.write_text(HUJI + f"{ZHANG},张一,1940-01-01,430102,,2026-11-30\n", encoding="utf-8")
    loaded(sessions, catalog, "HUJI", huji)
    settings = Settings(data_dir=tmp_path)
    one = Run(sessions, settings, at(DECEMBER))
    assert "政策比对：3 项政策，新符合 1，停发 0" in run_all(one).split("；")
    assert "政策比对：今日已完成" in run_all(one).split("；")
    other = Run(sessions, settings, at(DECEMBER))  # another process, the same day
    assert "政策比对：3 项政策，新符合 0，停发 0" in run_all(other).split("；")
    with sessions() as session:
        assert len(session.scalars(select(Notification)).all()) == 1
