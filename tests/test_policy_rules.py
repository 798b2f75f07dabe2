"""Policies (政策) as catalog data: the demo's 高龄津贴, 稳岗返还 and 纳税信用 A 级奖励 decided
over holders' profiles built from shared facts (pure), and a policy whose rule or amount
cannot be right refused at its file:line when the catalog is validated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from onething.catalog.expressions import value_of
from onething.catalog.linked import Catalog, build_catalog
from onething.catalog.profile import Row, age, context
from onething.catalog.spec import SourceHolder
from onething.catalog.validate import read_catalog, validate_directory

TODAY = dt.date(2026, 12, 1)
ZHANG = "430102194001011235"  # 86 on TODAY
CENTENARIAN = "430102192505050028"  # 101
SHOP = "91430102QJ3982JB2G"


@pytest.fixture(scope="module")
def catalog(demo_dir: Path) -> Catalog:
    return build_catalog(read_catalog(demo_dir))


def decided(catalog: Catalog, code: str, holder: str,
            found: dict[str, list[Row]]) -> tuple[bool, float | str]:
    """(True, the amount) or (False, the condition not met)."""
    policy = catalog.policies[code]
    kind = policy.spec.holder
    profile = context(catalog.sources, kind, holder, found, TODAY)
    unmet = policy.unmet(profile)
    if unmet is not None:
        return False, unmet
    return True, value_of(policy.amount, profile)


def huji(region: str = "430102", died_on: str | None = None) -> list[Row]:
    return [("", dt.date(2026, 11, 30), {"name": "张一", "birth_date": "1940-01-01",
                                          "household_region": region, "died_on": died_on})]


def months(first: str, count: int, paid: float, insured: int) -> list[Row]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    for k in range(count):
        index = year * 12 + month - 1 + k
        out.append((f"{index // 12:04d}-{index % 12 + 1:02d}", TODAY,
                    {"paid": paid, "insured": insured}))
    return out


def test_age_is_whole_years_from_the_id_number() -> None:
    assert age(ZHANG, TODAY) == 86
    assert age("430102194012021236", TODAY) == 85  # the birthday is tomorrow


def test_elderly_allowance(catalog: Catalog) -> None:
    assert decided(catalog, "ELDERLY_ALLOWANCE", ZHANG, {"HUJI": huji()}) == (True, 50.0)
    assert decided(catalog, "ELDERLY_ALLOWANCE", CENTENARIAN, {"HUJI": huji()}) == (True,
                                                                                   1000.0)
    # 死亡次月停发: paid for the month of death, stopped from the month after
    assert decided(catalog, "ELDERLY_ALLOWANCE", ZHANG,
                   {"HUJI": huji(died_on="2026-12-01")}) == (True, 50.0)
    assert decided(catalog, "ELDERLY_ALLOWANCE", ZHANG, {"HUJI": huji(
        died_on="2026-11-30")}) == (False, "户籍信息中无本月之前的死亡登记（死亡次月停发）")
    assert decided(catalog, "ELDERLY_ALLOWANCE", ZHANG,
                   {"HUJI": huji(region="110101")}) == (False, "户籍在本省")
    assert decided(catalog, "ELDERLY_ALLOWANCE", ZHANG, {}) == (False, "户籍在本省")  # no data
    assert decided(catalog, "ELDERLY_ALLOWANCE", "43010219500101123X",
                   {"HUJI": huji()}) == (False, "年满 80 周岁")  # 76


def test_job_retention_refund(catalog: Catalog) -> None:
    # a small firm: 20 staff at the start of last year, 2 laid off (10 % ≤ 20 %); paid every
    # month of 2025 and 2026 so far
    small = {"SHEBAO": months("2025-01", 23, 1000.0, 18),
             "STAFF": [("", TODAY, {"staff_at_start": 20, "laid_off": 2})]}
    assert decided(catalog, "JOB_RETENTION_REFUND", SHOP, small) == (True, 7200.0)  # 60 % of 2025
    # a large firm: 400 staff, 24 laid off (6 % > 5.5 %)
    large = {"SHEBAO": months("2025-01", 23, 50_000.0, 380),
             "STAFF": [("", TODAY, {"staff_at_start": 400, "laid_off": 24})]}
    assert decided(catalog, "JOB_RETENTION_REFUND", SHOP, large) == (
        False, "上年裁员率不高于 5.5%（职工 30 人及以下的不高于 20%）")
    large["STAFF"] = [("", TODAY, {"staff_at_start": 400, "laid_off": 20})]  # 5 %
    assert decided(catalog, "JOB_RETENTION_REFUND", SHOP, large) == (True, 180_000.0)
    # contributions in only 11 of the 12 months before this one
    gap = {**small, "SHEBAO": months("2025-12", 11, 1000.0, 18)}
    assert decided(catalog, "JOB_RETENTION_REFUND", SHOP, gap) == (
        False, "上月之前连续 12 个月足额缴纳失业保险")


def test_tax_credit_reward(catalog: Catalog) -> None:
    good = {"TAX": [("", TODAY, {"status": "正常", "credit_level": "A"})]}
    assert decided(catalog, "TAX_CREDIT_A_REWARD", SHOP, good) == (True, 5000.0)
    for facts, unmet in (({"status": "非正常", "credit_level": "A"}, "纳税人状态正常"),
                         ({"status": "正常", "credit_level": "B"}, "纳税信用级别为 A 级"),
                         ({"status": "正常", "credit_level": None}, "纳税信用级别为 A 级")):
        assert decided(catalog, "TAX_CREDIT_A_REWARD", SHOP,
                       {"TAX": [("", TODAY, facts)]}) == (False, unmet)


def _policy(**changes: Any) -> str:
    fields = {"code": "P", "name": "测试政策", "department": "MZ", "legal_basis": "某条例",
              "holder": "person", "valid_from": "2026-01-01", "channel": "社会保障卡",
              "eligible": "age >= 80", "amount": "50.0", **changes}
    fields["eligible"] = [{"rule": fields["eligible"], "text": "条件"}]
    return "  - " + "\n    ".join(f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}"
                                  for k, v in fields.items()) + "\n"


def test_a_policy_that_cannot_be_right_is_refused_at_its_line(demo_dir: Path,
                                                              tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    for name in ("regions.yaml", "departments.yaml", "sources.yaml"):
        (catalog / name).write_text((demo_dir / name).read_text(encoding="utf-8"),
                                    encoding="utf-8")
    cases = [
        _policy(code="A", eligible="age >= 80 && shebao.months > 3"),
        _policy(code="B", eligible="huji.nope == 1"),
        _policy(code="C", eligible="age + 1"),
        _policy(code="D", amount="age >= 100"),
        _policy(code="E", amount="1000.0 - double(age) * 20.0"),
        _policy(code="F", eligible="age >= "),
        _policy(code="G", department="NOPE", valid_until="2025-12-31"),
        _policy(code="H", amount="round(1.5)"),
    ]
    (catalog / "policies.yaml").write_text("policies:\n" + "".join(cases), encoding="utf-8")
    document, problems = validate_directory(catalog)
    assert document is None
    found = [(p.line, p.message) for p in problems]
    assert found[5][1].startswith("政策 F 的条件 `age >= `：表达式语法错误（第 1 行第 8 列）")
    assert found[:5] + found[6:] == [
        (9, "政策 A 的条件 `age >= 80 && shebao.months > 3` 用到未知的数据 shebao"
            "（可用：age、huji、month_start、today）"),  # a company's data in a person's policy
        (18, "政策 B 的条件：`huji.nope == 1` 用到没有的数据项 nope"),
        (27, "政策 C 的条件 `age + 1` 的结果不是真/假"),
        (37, "政策 D 的金额 `age >= 100` 的结果不是数字"),
        (46, "政策 E 的金额 `1000.0 - double(age) * 20.0` 可能为负数（如 -600）"),
        (58, "政策 G 引用了不存在的部门 NOPE"),
        (65, "政策 G 的 valid_until 早于 valid_from"),
        (74, "政策 H 的金额 `round(1.5)` 用到未知函数 round"),
    ]


def test_the_demo_catalog_has_its_policies(catalog: Catalog) -> None:
    assert {p.spec.name: p.spec.holder for p in catalog.policies.values()} == {
        "高龄津贴": SourceHolder.person, "失业保险稳岗返还": SourceHolder.company,
        "纳税信用 A 级企业奖励": SourceHolder.company}
