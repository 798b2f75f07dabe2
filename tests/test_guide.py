"""The guide rules (issue: catalog and smart guide), on the reference test catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import write_yaml
from onething.catalog.linked import Catalog, build_catalog
from onething.catalog.validate import read_catalog
from onething.guide.engine import GuideError, MaterialStatus, compute_guide
from samples import FULL


def statuses(guide: Any) -> dict[str, str]:
    return {m.code: m.status.value for m in guide.materials}


def test_items_apply_when_their_condition_holds(basic: Catalog) -> None:
    guide = compute_guide(basic, "STORE", {"premises": "owned", "sells_food": False,
                                           "shop_area": 80})
    assert [i.code for i in guide.items] == ["REG"]
    assert {s.code for s in guide.not_applicable} == {"FOOD", "TOBACCO", "SIGN", "FIRE"}

    guide = compute_guide(basic, "STORE", FULL)
    assert [(i.code, i.stage) for i in guide.items] == [
        ("REG", 1), ("FOOD", 2), ("TOBACCO", 2), ("SIGN", 2), ("FIRE", 3)]
    assert guide.not_applicable == []


def test_material_conditions_follow_the_answers(basic: Catalog) -> None:
    owned = compute_guide(basic, "STORE", {**FULL, "premises": "owned"})
    rented = compute_guide(basic, "STORE", FULL)
    assert "LEASE" not in statuses(owned)
    assert statuses(rented)["LEASE"] == "submit"


def test_every_material_status(basic: Catalog) -> None:
    guide = compute_guide(basic, "STORE", FULL)
    assert statuses(guide) == {
        "ID_CARD": "submit",
        "LEASE": "submit",  # REG allows a commitment, FOOD does not: every use must allow it
        "BL_COPY": "produced",  # stage 1 REG issues BUSINESS_LICENCE, used from stage 2 on
        "FLOOR_PLAN": "commitment",  # every use allows a commitment
        "HEALTH_CERT": "submit",
        "FOOD_PERMIT_COPY": "produced",  # stage 2 FOOD issues it, FIRE in stage 3 needs it
    }
    produced = {m.code: m.produced_by for m in guide.materials if m.produced_by}
    assert produced == {"BL_COPY": "REG", "FOOD_PERMIT_COPY": "FOOD"}
    held = compute_guide(basic, "STORE", FULL, held_licences=["ID_CARD", "BUSINESS_LICENCE"])
    assert statuses(held)["ID_CARD"] == "licence"
    assert statuses(held)["BL_COPY"] == "licence"  # held beats produced
    assert all(m.reason for m in held.materials if m.status != MaterialStatus.submit)


def test_merged_material_is_key_if_any_use_is_key(basic: Catalog) -> None:
    guide = compute_guide(basic, "STORE", FULL)
    merged = {m.code: m for m in guide.materials}
    assert merged["BL_COPY"].key  # key in FOOD, not in TOBACCO or FIRE
    assert merged["BL_COPY"].items == ["FOOD", "TOBACCO", "FIRE"]
    assert not merged["FLOOR_PLAN"].key
    assert merged["ID_CARD"].items == ["REG", "FOOD", "TOBACCO"]
    assert not merged["HEALTH_CERT"].required


def test_fields_merge_into_one_form(basic: Catalog) -> None:
    guide = compute_guide(basic, "STORE", FULL)
    fields = {f.code: f.items for f in guide.fields}
    assert fields == {"applicant_name": ["REG", "FOOD", "TOBACCO", "FIRE"],
                      "id_number": ["REG"], "shop_area": ["FOOD", "FIRE"], "phone": ["TOBACCO"]}


def test_promised_days_sum_the_longest_item_of_each_stage(basic: Catalog) -> None:
    assert compute_guide(basic, "STORE", FULL).promised_days == 1 + 10 + 7
    small = compute_guide(basic, "STORE", {**FULL, "sells_tobacco": False, "shop_area": 50})
    assert small.promised_days == 1 + 5
    assert compute_guide(basic, "FAST", {}).promised_days == 2  # the bundle's own promise


def test_zero_day_items_are_immediate(basic: Catalog) -> None:
    guide = compute_guide(basic, "STORE", {"premises": "owned", "sells_food": False,
                                           "shop_area": 10, "extras": ["sign"]})
    sign = next(i for i in guide.items if i.code == "SIGN")
    assert sign.immediate and sign.promised_days == 0
    assert guide.promised_days == 1  # stage 2 holds only the 即办 item: adds 0 days


def test_effect_before_is_each_item_applied_for_alone(basic: Catalog) -> None:
    """Before: one application and form per item, their own materials and fields, the sum of
    their promised days (applied one after the other; statutory days are not what anyone
    waited) and of their trips when applied alone (2 by default: apply, collect)."""
    owned = {**FULL, "premises": "owned"}
    effect = compute_guide(basic, "STORE", owned).as_dict()["effect"]
    computed = {"applications": 5, "forms": 5, "materials": 10, "fields": 8,
                "days": 1 + 5 + 10 + 0 + 7, "visits": 2 + 2 + 2 + 1 + 2}
    assert effect["before"] == effect["computed_before"] == computed
    assert effect["baseline"] is None  # the published figures are for rented premises only
    assert effect["after"] == {"applications": 1, "forms": 1, "materials": 2, "fields": 4,
                               "days": 18, "visits": 1}
    assert effect["saved"] == {k: computed[k] - effect["after"][k] for k in computed}
    held = compute_guide(basic, "STORE", owned, held_licences=["ID_CARD"]).as_dict()
    assert held["effect"]["after"]["materials"] == 1


def test_a_published_baseline_replaces_the_figures_it_gives(basic: Catalog) -> None:
    effect = compute_guide(basic, "STORE", FULL).as_dict()["effect"]
    assert effect["computed_before"] == {"applications": 5, "forms": 5, "materials": 12,
                                         "fields": 8, "days": 23, "visits": 9}
    assert effect["baseline"] == {"source": "某市人民政府《一件事一次办典型经验》，2020 年",
                                  "published": ["applications", "materials", "days"],
                                  "situation": "租赁经营场所"}
    # the published figures where the source gives them, the computed ones elsewhere
    assert effect["before"] == {"applications": 6, "forms": 5, "materials": 31, "fields": 8,
                                "days": 20, "visits": 9}
    assert effect["after"]["materials"] == 3
    assert effect["saved"]["materials"] == 31 - 3 and effect["saved"]["days"] == 20 - 18


def test_output_contract(basic: Catalog) -> None:
    data = compute_guide(basic, "STORE", FULL).as_dict()
    for key in ("bundle", "catalog_version", "items", "materials", "fields", "departments",
                "promised_days", "fee", "effect"):
        assert key in data
    assert data["bundle"] == "STORE"
    assert data["catalog_version"] == basic.version
    assert set(data["items"][0]) >= {"code", "name", "department", "stage", "promised_days",
                                     "legal_days"}
    assert set(data["materials"][0]) >= {"code", "name", "status", "key", "items"}
    assert set(data["fields"][0]) >= {"code", "label", "type", "items"}
    assert data["departments"] == ["SCJG", "YC", "CG", "XF"]
    assert data["fee"] == 0


def test_defaults_fill_unanswered_questions(basic: Catalog) -> None:
    guide = compute_guide(basic, "STORE", {"premises": "owned", "sells_food": True,
                                           "shop_area": 20})
    assert guide.answers["sells_tobacco"] is False
    assert guide.answers["extras"] == []


@pytest.mark.parametrize(
    ("answers", "question", "words"),
    [
        ({**FULL, "colour": "red"}, "colour", "没有情形"),
        ({k: v for k, v in FULL.items() if k != "sells_food"}, "sells_food", "请回答"),
        ({**FULL, "sells_food": "yes"}, "sells_food", "true 或 false"),
        ({**FULL, "shop_area": "big"}, "shop_area", "数字"),
        ({**FULL, "shop_area": True}, "shop_area", "数字"),
        ({**FULL, "premises": "borrowed"}, "premises", "不在可选项"),
        ({**FULL, "extras": ["sign", "parking"]}, "extras", "parking"),
        ({**FULL, "extras": "sign"}, "extras", "列表"),
    ],
)
def test_bad_answers_name_the_question(basic: Catalog, answers: dict[str, Any], question: str,
                                       words: str) -> None:
    with pytest.raises(GuideError) as caught:
        compute_guide(basic, "STORE", answers)
    assert caught.value.code == "invalid_answers"
    named = {p.question: p.message for p in caught.value.problems}
    assert question in named
    assert words in named[question]


def test_every_bad_answer_is_reported_at_once(basic: Catalog) -> None:
    with pytest.raises(GuideError) as caught:
        compute_guide(basic, "STORE", {"premises": 1, "shop_area": "x"})
    assert {p.question for p in caught.value.problems} == {"premises", "shop_area", "sells_food"}


def test_unknown_bundle(basic: Catalog) -> None:
    with pytest.raises(GuideError) as caught:
        compute_guide(basic, "NOPE", {})
    assert caught.value.code == "unknown_bundle"


def _catalog(tmp_path: Path, stages: list[Any], items: list[dict[str, Any]]) -> Catalog:
    write_yaml(tmp_path / "c.yaml", {
        "departments": [{"code": "D", "name": "部门"}],
        "materials": [{"code": "M", "name": "证", "licence_type": "L"},
                      {"code": "N", "name": "表"}],
        "items": items,
        "bundles": [{"code": "B", "name": "一件事", "stages": stages}],
    })
    return build_catalog(read_catalog(tmp_path))


def _item(code: str, uses: list[str], result: str | None = None,
          days: int = 1) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": code, "name": code, "type": "行政许可", "department": "D", "level": "county",
        "legal_days": 10, "promised_days": days, "materials": [{"material": m} for m in uses]}
    if result:
        item["result"] = {"licence_type": result, "name": "证照"}
    return item


def test_produced_only_by_an_earlier_stage(tmp_path: Path) -> None:
    """A licence issued in the same stage, or also needed before it is issued, is brought."""
    items = [_item("A", ["N"], result="L"), _item("B", ["M"]), _item("C", ["M"])]
    same_stage = _catalog(tmp_path / "1", [{"items": [{"item": "A"}, {"item": "B"}]}], items)
    assert statuses(compute_guide(same_stage, "B", {}))["M"] == "submit"

    three = _catalog(tmp_path / "2", [{"items": [{"item": "B"}]}, {"items": [{"item": "A"}]},
                                      {"items": [{"item": "C"}]}], items)
    # B (stage 1) needs M before A (stage 2) issues it: the applicant brings it
    assert statuses(compute_guide(three, "B", {}))["M"] == "submit"

    later = _catalog(tmp_path / "3", [{"items": [{"item": "A"}]}, {"items": [{"item": "B"}]},
                                      {"items": [{"item": "C"}]}], items)
    guide = compute_guide(later, "B", {})
    assert statuses(guide)["M"] == "produced"
    assert guide.promised_days == 3
    assert [s["items"] for s in guide.stages] == [["A"], ["B"], ["C"]]


def test_stage_without_applicable_items_adds_no_days(tmp_path: Path) -> None:
    cat = _catalog(tmp_path, [{"items": [{"item": "A"}]},
                              {"items": [{"item": "B", "when": "false"}]},
                              {"items": [{"item": "C"}]}],
                   [_item("A", [], days=2), _item("B", [], days=9), _item("C", [], days=3)])
    guide = compute_guide(cat, "B", {})
    assert guide.promised_days == 5
    assert [i.stage for i in guide.items] == [1, 3]
