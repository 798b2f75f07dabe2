"""What a new catalog version changes for citizens, item by item and bundle by bundle, in
Chinese (`catalog/diff.py`, pure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onething.catalog.diff import ADDED, CHANGED, WITHDRAWN, Words, diff, in_words
from onething.catalog.spec import CatalogFileSpec
from onething.catalog.validate import read_catalog


@pytest.fixture(scope="module")
def basic() -> CatalogFileSpec:
    return read_catalog(Path(__file__).parent / "catalogs" / "basic")


def changed(doc: CatalogFileSpec, section: str, code: str, **values: Any) -> CatalogFileSpec:
    entries = [e.model_copy(update=values) if e.code == code else e
               for e in getattr(doc, section)]
    return doc.model_copy(update={section: entries})


def lines_of(found: tuple[Any, ...], code: str) -> list[str]:
    return list(next(c for c in found if c.code == code).lines)


def test_the_same_catalog_changes_nothing(basic: CatalogFileSpec) -> None:
    assert diff(basic, basic).empty


def test_an_items_days_fee_and_materials_in_words(basic: CatalogFileSpec) -> None:
    reg = next(i for i in basic.items if i.code == "REG")
    materials = [m for m in reg.materials if m.material != "LEASE"]
    materials += [reg.materials[0].model_copy(update={"material": "FLOOR_PLAN", "key": False,
                                                      "when": "premises == 'rented'"})]
    materials[0] = materials[0].model_copy(update={"key": False})
    new = changed(basic, "items", "REG", promised_days=5, legal_days=0, fee=12.5,
                  materials=materials)
    found = diff(basic, new)
    assert [(c.kind, c.code) for c in found.items] == [(CHANGED, "REG")]
    assert lines_of(found.items, "REG") == [
        "法定办结时限：15 个工作日 → 即办", "承诺办结时限：1 个工作日 → 5 个工作日",
        "收费：不收费 → 12.5 元",
        "新增材料「经营场所平面图」（适用情形：「经营场所是自有还是租赁？」为「租赁」）",
        "不再需要材料「房屋租赁合同」", "材料「居民身份证」：不再是关键材料（可以容缺）"]
    assert found.bundles == () and found.counts() == {ADDED: 0, WITHDRAWN: 0, CHANGED: 1}
    assert "我要开便利店" in found.items[0].within  # who applies for it will see the change


def test_a_bundles_questions_and_conditions_read_as_its_questions(
        basic: CatalogFileSpec) -> None:
    store = next(b for b in basic.bundles if b.code == "STORE")
    questions = [q.model_copy(update={"text": "是否经营食品？"}) if q.code == "sells_food" else q
                 for q in store.questions if q.code != "sells_tobacco"]
    stages = [s.model_copy(update={"items": [
        i.model_copy(update={"when": "sells_food && premises == 'rented'"})
        if i.item == "FOOD" else i for i in s.items if i.item != "TOBACCO"]})
        for s in store.stages]
    found = diff(basic, changed(basic, "bundles", "STORE", questions=questions, stages=stages,
                                promised_days=3))
    assert lines_of(found.bundles, "STORE") == [
        "不再询问「是否销售卷烟？」", "情形问题「是否销售食品？」改为「是否经营食品？」",
        "不再包含事项「烟草专卖零售许可」",
        "事项「食品经营许可」的适用情形改为：「是否经营食品？」并且「经营场所是自有还是租赁？」为「租赁」",
        "一件事承诺时限：按各事项时限 → 3 个工作日"]


def test_items_and_bundles_added_and_withdrawn(basic: CatalogFileSpec) -> None:
    fast = next(b for b in basic.bundles if b.code == "FAST")
    new = basic.model_copy(update={
        "items": [i for i in basic.items if i.code != "FIRE"],
        "bundles": [*(b for b in basic.bundles if b.code != "FAST"),
                    fast.model_copy(update={"code": "FASTER", "name": "更快开店"})]})
    found = diff(basic, new)
    assert [(c.kind, c.code, c.name) for c in found.bundles] == [
        (ADDED, "FASTER", "更快开店"), (WITHDRAWN, "FAST", "快速开店")]
    assert [(c.kind, c.code) for c in found.items] == [(WITHDRAWN, "FIRE")]
    assert found.items[0].within == ("我要开便利店",)
    assert diff(None, basic).counts()[ADDED] == (
        len(basic.items) + len(basic.bundles) + len(basic.materials) + len(basic.fields))


def test_conditions_in_the_words_of_the_questions(basic: CatalogFileSpec) -> None:
    words = Words.of(basic).within(next(b for b in basic.bundles if b.code == "STORE"))
    assert in_words("sells_food", words) == "「是否销售食品？」回答“是”"
    assert in_words("!sells_food || shop_area > 300", words) == (
        "不「是否销售食品？」或者「经营面积（平方米）」大于300")
    assert in_words(None, words) == "全部情形"
    assert in_words("form.x == 'y'", words) == "form.x为「y」"  # unknown names kept
