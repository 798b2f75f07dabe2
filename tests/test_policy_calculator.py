"""政策计算器 through the API, on both databases: a person sees the policies in force they
can get from the shared data about them, the amount, and for the others the condition they
do not meet; staff have none; a company is only the one the person represents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from onething.identity.models import User
from onething.kernel.db import unit_of_work
from onething.kernel.principal import Role
from onething.policies.service import load
from world import Api, World

PEOPLE = [("zhang", Role.applicant, None, None), ("li", Role.applicant, None, None),
          ("clerk_furong", Role.clerk, "430102", None)]
ZHANG, LI = "430102194001011235", "43010219500101123X"  # 86 and 76 in November 2026
CALCULATOR = "/api/v1/policy-calculator"


@pytest.fixture
def world(demo_world: World) -> World:
    return demo_world


def with_id(world: World, username: str, id_number: str) -> None:
    with unit_of_work(world.sessions) as session:
        session.execute(update(User).where(User.username == username).values(
            id_number=id_number))


def policies(answer: Any) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    return {p["code"]: p for p in answer.json()["policies"]}


def test_a_person_sees_what_they_can_get_and_what_they_do_not_meet(
        api: Api, world: World, tmp_path: Path) -> None:
    before = policies(api.get("zhang", CALCULATOR))  # no ID number on the account yet
    assert before["ELDERLY_ALLOWANCE"]["unmet"] == "您的账号未登记身份证号，无法与共享数据比对"
    with_id(world, "zhang", ZHANG)
    with_id(world, "li", LI)
    assert policies(api.get("zhang", CALCULATOR))["ELDERLY_ALLOWANCE"]["unmet"] == "户籍在本省"
    huji = tmp_path / "huji.csv"
    huji.write_text("id_number,name,birth_date,household_region\n"
                    f"{ZHANG},张一,1940-01-01,430102\n{LI},李二,1950-01-01,430102\n",
                    encoding="utf-8")
    with unit_of_work(world.sessions) as session:
        load(session, world.catalog, "HUJI", huji, dt.date(2026, 11, 23), world.now)
    answer = api.get("zhang", CALCULATOR)
    assert answer.json()["holder"] == "4301**********1235"
    mine = policies(answer)
    assert set(mine) == {"ELDERLY_ALLOWANCE"}  # the companies' policies are not a person's
    assert mine["ELDERLY_ALLOWANCE"] | {"legal_basis": ""} == {
        "code": "ELDERLY_ALLOWANCE", "name": "高龄津贴", "department": "民政局",
        "tier": "proactive", "tier_name": "免申即享", "recurrence_name": "按月",
        "channel": "社会保障卡", "legal_basis": "", "eligible": True, "amount": "50.00",
        "unmet": None}
    li = policies(api.get("li", CALCULATOR))["ELDERLY_ALLOWANCE"]
    assert (li["eligible"], li["amount"], li["unmet"]) == (False, None, "年满 80 周岁")


def test_staff_have_no_calculator_and_a_company_must_be_ones_own(api: Api) -> None:
    answer = api.get("clerk_furong", CALCULATOR)
    assert answer.status_code == 403 and answer.json()["code"] == "role_not_allowed"
    answer = api.get("zhang", CALCULATOR, params={"company": "91430102QJ3982JB2G"})
    assert answer.status_code == 404 and answer.json()["code"] == "company_not_found"
    answer = api.get("zhang", CALCULATOR, params={"company": "91430102QJ3982JB2X"})
    assert answer.status_code == 422


def test_the_calculator_page(api: Api, world: World, tmp_path: Path) -> None:
    with_id(world, "zhang", ZHANG)
    huji = tmp_path / "huji.csv"
    huji.write_text(f"id_number,name,birth_date,household_region\n{ZHANG},张一,1940-01-01,"
                    "430102\n", encoding="utf-8")
    with unit_of_work(world.sessions) as session:
        load(session, world.catalog, "HUJI", huji, dt.date(2026, 11, 23), world.now)
    world.sign_in(api.client, "zhang")
    page = api.client.get("/policies")
    assert page.status_code == 200
    text = page.text
    assert "可以享受（1 项）" in text and "50.00 元</strong>／按月" in text
    assert "4301**********1235" in text and "社会保障卡" in text
    assert ">政策计算器</a>" in text  # in the menu
