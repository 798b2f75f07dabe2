"""Cross-field checks a clerk would make (catalog `checks`), at submission and resubmission,
through the API on the demo catalog; and their rules, directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from onething.cases.forms import checks_of, failed_checks
from onething.catalog.linked import Catalog
from onething.guide.engine import compute_guide
from onething.kernel.db import session_factory
from onething.kernel.identifiers import id_number_check_digit
from onething.kernel.principal import Role
from samples import NEWBORN as ANSWERS
from world import Api, build_world, client_for


def person(born: str, order: int) -> str:
    """A valid 居民身份证号 (order odd: a man, even: a woman)."""
    first = f"430102{born}{order:03d}"
    return first + id_number_check_digit(first)


MOTHER, FATHER = person("19950312", 42), person("19930701", 17)
TODAY = "2026-11-23"  # MONDAY in China


def newborn_form(**changes: Any) -> dict[str, Any]:
    form = {
        "child_name": "张小宝", "child_gender": "female", "birth_date": TODAY,
        "birth_time": "08:30", "birth_place": "湖南省妇幼保健院", "birth_weight": 3200,
        "gestational_weeks": 39, "mother_name": "李芳", "mother_id_number": MOTHER,
        "father_name": "张伟", "father_id_number": FATHER, "phone": "13812345678",
        "household_address": "长沙市芙蓉区五一大道 1 号", "household_region": "430102",
        "household_head_relation": "daughter",
        "address": "长沙市芙蓉区五一大道 1 号",
    }
    return {**form, **changes}


@pytest.fixture
def api(engine: Engine, demo_dir: Path, tmp_path: Path) -> Iterator[Api]:
    """The demo catalog, an applicant and the 芙蓉区 window."""
    build_world(session_factory(engine), demo_dir, tmp_path / "files", people=[
        ("zhang", Role.applicant, None, None), ("clerk_furong", Role.clerk, "430102", None)])
    with client_for(engine, tmp_path) as client:
        yield Api(client)


def body(api: Api, form: dict[str, Any]) -> dict[str, Any]:
    guide = api.client.post("/api/v1/bundles/NEWBORN_BIRTH/guide",
                            json={"answers": ANSWERS}).json()
    scan = api.upload("zhang", "身份证.pdf").json()["id"]
    materials = {m["code"]: {"file": scan} for m in guide["materials"]
                 if m["status"] == "submit" and m["required"]}
    return {"bundle": "NEWBORN_BIRTH", "region": "430102", "answers": ANSWERS, "form": form,
            "materials": materials}


def errors(answer: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for e in answer.json()["errors"]:
        found.setdefault(e["field"], []).append(e["message"])
    return found


def test_a_submission_that_fails_a_check_is_refused_naming_the_fields(api: Api) -> None:
    bad = api.post("zhang", "/api/v1/applications", body(api, newborn_form(
        birth_date="2026-11-24", father_id_number=MOTHER)))
    assert bad.status_code == 422 and bad.json()["code"] == "incomplete_application"
    named = errors(bad)
    assert named["form.birth_date"] == ["出生日期不能晚于今天"]
    assert "母亲和父亲的身份证号码不能相同" in named["form.mother_id_number"]
    assert "母亲和父亲的身份证号码不能相同" in named["form.father_id_number"]
    assert any("显示的性别为女" in m for m in named["form.father_id_number"])

    swapped = api.post("zhang", "/api/v1/applications", body(api, newborn_form(
        mother_id_number=FATHER, father_id_number=MOTHER)))
    assert swapped.status_code == 422
    assert set(errors(swapped)) == {"form.mother_id_number", "form.father_id_number"}

    good = api.post("zhang", "/api/v1/applications", body(api, newborn_form()))
    assert good.status_code == 201, good.text  # born today is not in the future


def test_today_is_the_date_in_china(api: Api) -> None:
    """01:00 in China on the 24th is still the 23rd in UTC: a child born on the 24th is not
    born in the future."""
    api.client.app.state.clock = lambda: dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    born = api.post("zhang", "/api/v1/applications",
                    body(api, newborn_form(birth_date="2026-11-24")))
    assert born.status_code == 201, born.text


def test_a_resubmission_is_checked_too(api: Api) -> None:
    created = api.post("zhang", "/api/v1/applications", body(api, newborn_form()))
    app_id = created.json()["id"]
    returned = api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance", {
        "decision": "return", "notice": [{"subject": "出生时间", "message": "请核对出生时间"}]})
    assert returned.status_code == 200, returned.text
    again = body(api, newborn_form(birth_date="2027-01-01"))
    refused = api.post("zhang", f"/api/v1/applications/{app_id}/resubmission", again)
    assert refused.status_code == 422
    assert errors(refused)["form.birth_date"] == ["出生日期不能晚于今天"]
    fixed = api.post("zhang", f"/api/v1/applications/{app_id}/resubmission",
                     body(api, newborn_form(birth_time="09:15")))
    assert fixed.status_code == 200, fixed.text


# --- the rules, directly ---------------------------------------------------------------


def problems(demo: Catalog, bundle: str, answers: dict[str, Any], form: dict[str, Any],
             today: dt.date = dt.date(2026, 11, 23)) -> dict[str, list[str]]:
    guide = compute_guide(demo, bundle, answers)
    checks = checks_of(demo.bundles[bundle], (i.item for i in guide.items))
    found: dict[str, list[str]] = {}
    for p in failed_checks(checks, demo.fields, form, today):
        found.setdefault(p.field, []).append(p.message)
    return found


STORE = {"entity_type": "individual", "premises": "rented", "sells_food": False,
         "sells_tobacco": False, "shop_area": 400}


def test_a_check_fires_only_when_its_fields_have_values(demo: Catalog) -> None:
    late = {"lease_end_date": "2026-12-01", "opening_date": "2027-01-10"}
    assert problems(demo, "OPEN_CONVENIENCE_STORE", STORE, late) == {
        "form.lease_end_date": ["房屋租赁合同到期日期应晚于拟开业日期"],
        "form.opening_date": ["房屋租赁合同到期日期应晚于拟开业日期"]}
    # no opening date (absent, or left empty on an optional field): the bundle check is silent
    only_lease = problems(demo, "OPEN_CONVENIENCE_STORE", STORE,
                          {"lease_end_date": "2026-12-01"})
    assert only_lease == {}
    assert problems(demo, "OPEN_CONVENIENCE_STORE", STORE,
                    {"lease_end_date": "2026-12-01", "opening_date": ""}) == {}
    expired = problems(demo, "OPEN_CONVENIENCE_STORE", STORE, {"lease_end_date": "2026-11-01"})
    assert expired["form.lease_end_date"][0].startswith("房屋租赁合同已到期")


def test_numbers_and_durations_in_rules(demo: Catalog) -> None:
    answers = {"retirement_type": "normal", "age_group": "female_cadre_55",
               "has_housing_fund": False}
    form = {"work_start_date": "1990-07-01", "retirement_date": "2026-12-01",
            "contribution_years": 36.0, "medical_contribution_years": 20.0}
    assert problems(demo, "RETIREMENT", answers, form) == {}
    too_many = problems(demo, "RETIREMENT", answers, {**form, "contribution_years": 40.0})
    assert set(too_many) == {"form.contribution_years", "form.retirement_date",
                             "form.work_start_date"}
    backwards = problems(demo, "RETIREMENT", answers, {**form, "retirement_date": "1990-01-01"})
    assert "退休日期应晚于参加工作时间" in backwards["form.retirement_date"]
