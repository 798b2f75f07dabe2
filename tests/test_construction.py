"""工程建设项目审批一件事 in the demo catalog (issue 12, point 6): the four stages in order, the
items each situation brings (who invests, how the land is obtained, the kind of project, a
basement, a 特殊建设工程, the site's area), what an earlier stage issues for the later ones,
and the published Hunan before-figures in the reform effect."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest

from onething.cases.forms import check_form, check_value, checks_of, failed_checks
from onething.catalog.linked import Catalog
from onething.demo.data import _answers, _form, result_data
from onething.guide.engine import FieldStatus, Guide, MaterialStatus, compute_guide
from samples import CONSTRUCTION_FACTORY, CONSTRUCTION_HEAVIEST, CONSTRUCTION_LOW_RISK

BUNDLE = "CONSTRUCTION_PERMIT"
STAGES = ["立项用地规划许可", "工程建设许可", "施工许可", "竣工验收（联合验收）"]


def _guide(demo: Catalog, answers: dict[str, Any], **changes: Any) -> Guide:
    return compute_guide(demo, BUNDLE, {**answers, **changes})


def _items(guide: Guide) -> dict[str, int]:
    """The applicable items and the stage of each."""
    return {i.code: i.stage for i in guide.items}


def _materials(guide: Guide) -> dict[str, str]:
    return {m.code: m.status.value for m in guide.materials}


def test_four_stages_in_order_and_the_heaviest_situation(demo: Catalog) -> None:
    guide = _guide(demo, CONSTRUCTION_HEAVIEST)
    assert [(s["number"], s["name"]) for s in guide.stages] == list(enumerate(STAGES, 1))
    assert [i.stage for i in guide.items] == sorted(i.stage for i in guide.items)
    assert _items(guide) == {
        "FGW_GOV_INVESTMENT_APPROVAL": 1, "ZRZY_SITE_LAND_PRECHECK": 1,
        "ZRZY_LAND_USE_PLANNING": 1,
        "ZJ_PRELIMINARY_DESIGN": 2, "ZRZY_WORKS_PLANNING": 2, "HB_EIA_APPROVAL": 2,
        "SL_SOIL_PLAN_REPORT": 2,
        "ZJ_DRAWING_REVIEW": 3, "ZJ_FIRE_DESIGN_REVIEW": 3, "RF_SHELTER_REVIEW": 3,
        "ZJ_CONSTRUCTION_PERMIT": 3, "CGZF_WASTE_DISPOSAL": 3, "CGZF_DRAINAGE_PERMIT": 3,
        "CGZF_ROAD_DIG": 3,
        "ZRZY_PLANNING_VERIFICATION": 4, "ZJ_FIRE_ACCEPTANCE": 4, "RF_SHELTER_ACCEPTANCE": 4,
        "SL_SOIL_ACCEPTANCE_FILING": 4, "ZJ_ARCHIVE_ACCEPTANCE": 4, "ZJ_COMPLETION_FILING": 4,
    }
    assert set(guide.departments) == {"FGW", "ZRZY", "ZJ", "HB", "SL", "RF", "CGZF"}
    # the items of a stage run in parallel: the longest promise of each stage, added up, and
    # within the province's ceiling after the reform (100 working days)
    longest = [max(i.promised_days for i in guide.items if i.stage == n) for n in range(1, 5)]
    assert guide.promised_days == sum(longest) <= 100
    # no fee of a fixed amount; the fee set by the area occupied is listed as a fee, what is
    # paid but is no administrative fee beside it
    assert guide.fee == 0
    assert {(p.name, p.fee) for p in guide.payments} == {
        ("水土保持补偿费", True), ("施工图审查服务费", False), ("城市基础设施配套费", False)}


def test_no_situation_brings_more_items_than_the_heaviest(demo: Catalog) -> None:
    """The benchmarks time the heaviest situation: it is the one with the most items."""
    bundle = demo.bundles[BUNDLE]
    choices = [[True, False] if q.type.value == "bool" else list(q.options or {})
               if q.type.value == "choice" else [0, 8000, 60000] for q in bundle.questions]
    most = max(len(compute_guide(demo, BUNDLE, dict(zip([q.code for q in bundle.questions],
                                                         combination, strict=True))).items)
               for combination in itertools.product(*choices))
    assert most == len(_guide(demo, CONSTRUCTION_HEAVIEST).items) == 20


@pytest.mark.parametrize(("answers", "stage_one", "design"), [
    ({"investment": "government"}, "FGW_GOV_INVESTMENT_APPROVAL", True),
    ({"investment": "enterprise"}, "FGW_ENTERPRISE_FILING", False),
    ({"investment": "enterprise", "approval_list": True}, "FGW_ENTERPRISE_APPROVAL", False),
    ({"investment": "government", "approval_list": True}, "FGW_GOV_INVESTMENT_APPROVAL", True),
])
def test_who_invests_decides_approval_filing_and_the_preliminary_design(
        demo: Catalog, answers: dict[str, Any], stage_one: str, design: bool) -> None:
    guide = _guide(demo, CONSTRUCTION_FACTORY, **answers)
    investment = {c for c in _items(guide) if c.startswith("FGW_")}
    assert investment == {stage_one}
    assert ("ZJ_PRELIMINARY_DESIGN" in _items(guide)) is design
    # the project code the 立项 gives is never asked again, nor the approval document
    fields = {f.code: f for f in guide.fields}
    assert fields["project_code"].status == FieldStatus.produced
    assert fields["project_code"].produced_by == stage_one
    produced = {m.code: m.produced_by for m in guide.materials
                if m.status == MaterialStatus.produced}
    assert produced["PROJECT_APPROVAL_DOC"] == stage_one


@pytest.mark.parametrize(("land", "stage_one", "asked"), [
    ("allocated", {"ZRZY_SITE_LAND_PRECHECK", "ZRZY_LAND_USE_PLANNING"}, set()),
    ("transferred", {"ZRZY_LAND_USE_PLANNING"}, {"LAND_TRANSFER_CONTRACT"}),
    ("own", set(), set()),
])
def test_how_the_land_is_obtained(demo: Catalog, land: str, stage_one: set[str],
                                  asked: set[str]) -> None:
    guide = _guide(demo, CONSTRUCTION_FACTORY, land=land)
    assert {c for c, s in _items(guide).items() if c.startswith("ZRZY_") and s == 1} == \
        stage_one
    materials = _materials(guide)
    assert {"LAND_TRANSFER_CONTRACT"} & set(materials) == asked
    # the land-use permit of stage 1 serves the planning permit of stage 2
    if land == "own":
        assert "LAND_USE_PLANNING_PERMIT" not in materials
    else:
        assert materials["LAND_USE_PLANNING_PERMIT"] == "produced"
    assert materials["LAND_TITLE"] == "submit"


def test_a_basement_of_a_civil_building_is_built_as_a_shelter(demo: Catalog) -> None:
    civil = dict(CONSTRUCTION_FACTORY, project_kind="civil")
    built = _guide(demo, civil, has_basement=True)
    assert {c: s for c, s in _items(built).items() if c.startswith("RF_")} == {
        "RF_SHELTER_REVIEW": 3, "RF_SHELTER_ACCEPTANCE": 4}
    assert _materials(built)["SHELTER_APPROVAL"] == "produced"  # reviewed, then accepted
    assert {"underground_area", "shelter_area"} <= {f.code for f in built.fields}

    elsewhere = _guide(demo, civil, has_basement=False)
    assert {c: s for c, s in _items(elsewhere).items() if c.startswith("RF_")} == {
        "RF_SHELTER_RELOCATION": 3}
    assert "underground_area" not in {f.code for f in elsewhere.fields}
    relocation = next(i.item for i in elsewhere.items if i.code == "RF_SHELTER_RELOCATION")
    assert "防空地下室易地建设费" in (relocation.description or "")

    for basement in (True, False):  # a factory or warehouse builds no shelter
        factory = _guide(demo, CONSTRUCTION_FACTORY, has_basement=basement)
        assert not [c for c in _items(factory) if c.startswith("RF_")]


def test_special_construction_works_get_a_fire_review_and_acceptance(demo: Catalog) -> None:
    special = _guide(demo, CONSTRUCTION_FACTORY, special_fire=True)
    assert {"ZJ_FIRE_DESIGN_REVIEW": 3, "ZJ_FIRE_ACCEPTANCE": 4}.items() <= \
        _items(special).items()
    assert "ZJ_FIRE_FILING" not in _items(special)
    assert _materials(special)["FIRE_DESIGN_APPROVAL"] == "produced"
    other = _guide(demo, CONSTRUCTION_FACTORY, special_fire=False)
    fire = {c: s for c, s in _items(other).items() if "FIRE" in c}
    assert fire == {"ZJ_FIRE_FILING": 4}
    # fire design and acceptance are the 住建 department's since 2019, not the 消防救援机构's
    assert "XF" not in special.departments


def test_a_simple_low_risk_project_skips_the_drawing_review(demo: Catalog) -> None:
    simple = _guide(demo, CONSTRUCTION_LOW_RISK)
    assert _items(simple) == {
        "FGW_ENTERPRISE_FILING": 1, "ZRZY_WORKS_PLANNING": 2,
        "ZJ_CONSTRUCTION_PERMIT": 3, "CGZF_WASTE_DISPOSAL": 3,
        "ZRZY_PLANNING_VERIFICATION": 4, "ZJ_FIRE_FILING": 4, "ZJ_ARCHIVE_ACCEPTANCE": 4,
        "ZJ_COMPLETION_FILING": 4,
    }
    assert "DRAWING_REVIEW_CERT" not in _materials(simple)
    # only a company's project is 简易低风险: a government's is reviewed whatever it answers
    public = _guide(demo, CONSTRUCTION_LOW_RISK, investment="government")
    assert _items(public)["ZJ_DRAWING_REVIEW"] == 3
    assert _materials(public)["DRAWING_REVIEW_CERT"] == "produced"  # for the 竣工验收备案


@pytest.mark.parametrize(("area", "plan", "promised"), [
    (60000, "SL_SOIL_PLAN_REPORT", 10), (8000, "SL_SOIL_PLAN_TABLE", 0), (3000, None, None)])
def test_the_site_area_decides_the_soil_conservation_plan(demo: Catalog, area: int,
                                                          plan: str | None,
                                                          promised: int | None) -> None:
    guide = _guide(demo, CONSTRUCTION_FACTORY, site_area=area)
    found = {i.code: i for i in guide.items if i.department == "SL"}
    if plan is None:
        assert not found
        return
    assert set(found) == {plan, "SL_SOIL_ACCEPTANCE_FILING"}
    assert found[plan].stage == 2 and found[plan].promised_days == promised
    assert _materials(guide)["SOIL_PLAN_APPROVAL"] == "produced"


def test_values_and_licences_of_an_earlier_stage_are_not_asked_again(demo: Catalog) -> None:
    guide = _guide(demo, CONSTRUCTION_HEAVIEST)
    assert {f.code: f.produced_by for f in guide.fields_with(FieldStatus.produced)} == {
        "project_code": "FGW_GOV_INVESTMENT_APPROVAL",
        "works_planning_permit_number": "ZRZY_WORKS_PLANNING",
        "construction_permit_number": "ZJ_CONSTRUCTION_PERMIT",
    }
    assert {m.code: m.produced_by for m in guide.materials_with(MaterialStatus.produced)} == {
        "PROJECT_APPROVAL_DOC": "FGW_GOV_INVESTMENT_APPROVAL",
        "LAND_USE_PLANNING_PERMIT": "ZRZY_LAND_USE_PLANNING",
        "WORKS_PLANNING_PERMIT": "ZRZY_WORKS_PLANNING",
        "DRAWING_REVIEW_CERT": "ZJ_DRAWING_REVIEW",
        "FIRE_DESIGN_APPROVAL": "ZJ_FIRE_DESIGN_REVIEW",
        "SHELTER_APPROVAL": "RF_SHELTER_REVIEW",
        "SOIL_PLAN_APPROVAL": "SL_SOIL_PLAN_REPORT",
    }
    licences = {i.item.result.licence_type for i in guide.items if i.item.result}
    assert {"LAND_USE_PLANNING_PERMIT", "WORKS_PLANNING_PERMIT", "CONSTRUCTION_PERMIT"} <= \
        licences
    # what exists only once the building stands is brought to the 联合验收, not at applying
    after = {m.code: m for m in guide.materials}
    for code in ("COMPLETION_REPORT", "AS_BUILT_DRAWINGS", "COMPLETION_SURVEY",
                 "COMPLETION_ARCHIVE"):
        assert not after[code].required and after[code].notes, code


@pytest.mark.parametrize("answers", [CONSTRUCTION_HEAVIEST, CONSTRUCTION_FACTORY])
def test_the_published_before_figures_on_new_land(demo: Catalog,
                                                  answers: dict[str, Any]) -> None:
    effect = _guide(demo, answers).as_dict()["effect"]
    before, after = effect["before"], effect["after"]
    assert (before["applications"], before["materials"], before["days"]) == (71, 316, 236)
    assert after["applications"] == 1 and after["materials"] < 174 and after["days"] <= 100
    assert effect["saved"]["applications"] == 70
    assert effect["saved"]["days"] == 236 - after["days"]
    baseline = effect["baseline"]
    assert baseline["published"] == ["applications", "materials", "days"]
    assert "湖南省住房和城乡建设厅" in baseline["source"] and "2020 年" in baseline["source"]
    assert "新供地" in baseline["situation"]


@pytest.mark.parametrize("answers", [CONSTRUCTION_LOW_RISK,
                                     dict(CONSTRUCTION_FACTORY, land="own")])
def test_a_project_that_skips_part_of_the_process_is_compared_item_by_item(
        demo: Catalog, answers: dict[str, Any]) -> None:
    guide = _guide(demo, answers)
    effect = guide.as_dict()["effect"]
    assert effect["baseline"] is None
    assert effect["before"]["applications"] == len(guide.items)
    assert effect["before"]["days"] == sum(i.promised_days for i in guide.items)


def test_the_demo_generator_fills_valid_forms_and_results(demo: Catalog) -> None:
    """Random answers of the bundle (as `onething demo generate` draws them): the form passes
    every field rule and cross-field check, and each approving office can enter the values
    its item creates."""
    bundle, rng, today = demo.bundles[BUNDLE], random.Random(12), dt.date(2026, 3, 2)
    for _ in range(100):
        guide = compute_guide(demo, BUNDLE, _answers(bundle, rng))
        form = _form(demo, guide.fields, rng, today)
        asked = [demo.fields[f.code] for f in guide.fields_with(FieldStatus.fill)]
        clean, problems = check_form(asked, form)
        problems += failed_checks(checks_of(bundle, (i.item for i in guide.items)),
                                  demo.fields, clean, today)
        assert problems == [], (guide.answers, problems)
        for item in (i.item for i in guide.items if i.item.result):
            data = result_data(demo, item.code, rng)
            assert set(data) == set(item.result.fills), item.code
            assert all(check_value(demo.fields[c], v)[1] is None for c, v in data.items())
