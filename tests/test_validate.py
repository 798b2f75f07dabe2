"""`onething catalog validate`: every kind of problem, each at its file:line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from onething.catalog.validate import validate_directory

BASE = """\
regions:
  - {code: "430000", name: 湖南省, level: province}
  - {code: "430100", name: 长沙市, level: city, parent: "430000"}
departments:
  - {code: SCJG, name: 市场监督管理局}
fields:
  - {code: applicant_name, label: 申请人姓名}
  - {code: kind, label: 类型, type: choice, options: {a: 甲, b: 乙}}
materials:
  - {code: ID_CARD, name: 居民身份证, licence_type: ID_CARD}
  - {code: LEASE, name: 租赁合同}
items:
  - code: REG
    name: 设立登记
    type: 行政许可
    department: SCJG
    level: county
    legal_days: 15
    promised_days: 1
    materials:
      - {material: ID_CARD, key: true}
      - {material: LEASE, when: "premises == 'rented'"}
    fields: [applicant_name]
bundles:
  - code: STORE
    name: 我要开便利店
    regions: ["430100"]
    questions:
      - {code: premises, text: 场所, type: choice, options: {owned: 自有, rented: 租赁}}
      - {code: food, text: 卖食品, type: bool}
    stages:
      - items: [{item: REG, when: "food || premises == 'owned'"}]
"""


def problems_for(tmp_path: Path, text: str, extra: dict[str, str] | None = None) -> list[str]:
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    for name, content in (extra or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    document, problems = validate_directory(tmp_path)
    assert (document is None) == bool(problems)
    return [str(p).replace(str(tmp_path) + "/", "") for p in problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_base_catalog_is_valid(tmp_path: Path) -> None:
    assert problems_for(tmp_path, BASE) == []


CASES = [
    # (what, old text, new text, expected words, line marker in the new text)
    ("unknown item", "[{item: REG, when:", "[{item: REGX, when:", "不存在的事项 REGX", "REGX"),
    ("unknown material", "{material: ID_CARD, key: true}", "{material: IDC, key: true}",
     "不存在的材料 IDC", "IDC"),
    ("unknown field", "fields: [applicant_name]", "fields: [applicant_nam]",
     "不存在的表单字段 applicant_nam", "applicant_nam]"),
    ("unknown department", "department: SCJG", "department: SCJJ", "不存在的部门 SCJJ",
     "SCJJ"),
    ("unknown region", 'regions: ["430100"]', 'regions: ["439999"]', "不存在的行政区划 439999",
     "439999"),
    ("unknown parent region", 'level: city, parent: "430000"', 'level: city, parent: "420000"',
     "上级 420000 不存在", "420000"),
    ("duplicate code", "  - {code: LEASE, name: 租赁合同}",
     "  - {code: LEASE, name: 租赁合同}\n  - {code: LEASE, name: 又一份}", "重复的材料代码 LEASE",
     "又一份"),
    ("expression does not parse", "when: \"food || premises == 'owned'\"",
     "when: \"food || premises ==\"", "语法错误", "premises ==\""),
    ("expression names unknown question", "when: \"food || premises == 'owned'\"",
     "when: \"food || shop_size > 10\"", "未定义的情形 shop_size", "shop_size"),
    ("material condition names a question the bundle lacks",
     "when: \"premises == 'rented'\"", "when: \"venue == 'rented'\"",
     "用到情形 venue，但一件事 STORE", "venue"),
    ("expression is not true/false", "when: \"food || premises == 'owned'\"",
     "when: \"premises\"", "不是真/假", "when: \"premises\""),
    ("expression with unknown function", "when: \"food || premises == 'owned'\"",
     "when: \"food || lookup(premises)\"", "未知函数 lookup", "lookup"),
    ("bad type", "legal_days: 15", "legal_days: fifteen", "必须是整数", "fifteen"),
    ("code written as a number", '{code: "430100", name: 长沙市', "{code: 430100, name: 长沙市",
     "请加引号", "code: 430100"),
    ("options without labels", "options: {owned: 自有, rented: 租赁}",
     "options: {owned: 自有, rented: }", "选项 `rented` 缺少显示名称", "rented: }"),
    ("options as a list", "options: {owned: 自有, rented: 租赁}", "options: [owned, rented]",
     "代码: 名称", "[owned, rented]"),
    ("choice question without options",
     "{code: food, text: 卖食品, type: bool}", "{code: food, text: 卖食品, type: choice}",
     "必须列出 options", "type: choice}"),
    ("stage with no items", "      - items: [{item: REG, when: \"food || premises == 'owned'\"}]",
     "      - items: [{item: REG, when: \"food || premises == 'owned'\"}]\n      - items: []",
     "第 2 阶段没有事项", "items: []"),
    ("negative time limit", "promised_days: 1", "promised_days: -1", "不能为负数",
     "promised_days: -1"),
    ("promised over legal", "promised_days: 1", "promised_days: 20", "超过法定时限",
     "promised_days: 20"),
    ("unknown key", "    level: county", "    level: county\n    legal_day: 3", "未知的键",
     "legal_day: 3"),
    ("bad enum", "type: 行政许可", "type: 审批", "不是允许的值", "审批"),
    ("missing required key", "    name: 设立登记\n", "", "`name` 缺少必填项", "code: REG"),
    ("yaml syntax", "    fields: [applicant_name]", "    fields: [applicant_name", "YAML 语法错误",
     None),
    ("item twice in a bundle",
     "      - items: [{item: REG, when: \"food || premises == 'owned'\"}]",
     "      - items: [{item: REG}]\n      - name: 再次\n        items: [{item: REG}]",
     "再次列出事项 REG", "        items: [{item: REG}]"),
    ("question code is a reserved word", "{code: food, text: 卖食品, type: bool}",
     "{code: in, text: 卖食品, type: bool}", "保留字", "code: in,"),
    ("bad default", "{code: food, text: 卖食品, type: bool}",
     "{code: food, text: 卖食品, type: bool, default: maybe}", "默认值无效", "maybe"),
    ("unknown top-level key", "departments:", "department:\n  - {code: X, name: Y}\ndepartments:",
     "未知的顶层键 `department`", "department:"),
    # cross-field checks: on an item over its own fields, on a bundle over its items' fields
    *((f"check: {what}", "    fields: [applicant_name]\n",
       f"    fields: [applicant_name]\n    checks:\n      - {{rule: \"{rule}\", message: 有误}}\n",
       words, rule) for what, rule, words in [
        ("unknown field", "form.aplicant_name != ''", "不存在的表单字段 aplicant_name"),
        ("field of another item", "form.kind == 'a'", "用到表单字段 kind，但事项 REG 没有"),
        ("bad CEL", "form.applicant_name ==", "语法错误"),
        ("not boolean", "form.applicant_name", "不是真/假"),
        ("type error", "form.applicant_name > 3", "无法求值"),
        ("unknown variable", "premises == 'owned'", "未知变量 premises"),
        ("no field", "today == today", "没有用到表单字段"),
        ("unknown function", "lookup(form.applicant_name)", "未知函数 lookup"),
    ]),
    ("bundle check over a field none of its items has", '    regions: ["430100"]\n',
     '    regions: ["430100"]\n    checks: [{rule: "form.kind == \'a\'", message: 类型有误}]\n',
     "一件事 STORE 的事项都没有", "form.kind"),
    ("baseline without figures", '    regions: ["430100"]\n',
     '    regions: ["430100"]\n    baseline: {source: 某市 2020 年}\n', "baseline 没有任何数字",
     "baseline:"),
    ("baseline without source", '    regions: ["430100"]\n',
     '    regions: ["430100"]\n    baseline: {materials: 31}\n', "source", "baseline:"),
    ("baseline for an unknown situation", '    regions: ["430100"]\n',
     '    regions: ["430100"]\n    baseline: {materials: 31, source: 某市, when: "shop > 1"}\n',
     "未定义的情形 shop", "baseline:"),
    # what a department's office is called at a level, and who handles an item
    *((f"office name: {what}", "  - {code: SCJG, name: 市场监督管理局}",
       f"  - {{code: SCJG, name: 市场监督管理局, offices: {{{level}: \"{name}\"}}}}",
       words, name) for what, level, name, words in [
        ("no place", "township", "市场监管所", "没有写明地方"),
        ("unknown placeholder", "township", "{town}市场监管所", "未知的占位符 town"),
        ("open brace", "township", "{region市场监管所", "花括号不成对"),
        ("no parent at the top", "province", "{parent}市场监管局", "没有上级地区"),
        ("unknown level", "street", "{region}市场监管所", "不是允许的值"),
    ]),
    ("handled by an unknown department", "    department: SCJG\n",
     "    department: SCJG\n    handled_by: BANKX\n", "不存在的部门 BANKX", "BANKX"),
    ("handled by its own department", "    department: SCJG\n",
     "    department: SCJG\n    handled_by: SCJG\n", "与主管部门相同", "handled_by: SCJG"),
    # whose region's office decides: a region field the item always asks for
    ("competent region from a field the item lacks", "    department: SCJG\n",
     "    department: SCJG\n    competent_region: {field: shop_region}\n", "不在该事项的 fields 中",
     "competent_region"),
    ("competent region from a field that is no region", "    department: SCJG\n",
     "    department: SCJG\n    competent_region: {field: applicant_name}\n",
     "不是行政区划（region）类型", "competent_region"),
    ("an unknown 通办 scope", "    department: SCJG\n",
     "    department: SCJG\n    cross_region: country\n", "不是允许的值", "cross_region"),
    # a material made by an intermediary names a service type the market knows
    ("an unknown intermediary service", "  - {code: LEASE, name: 租赁合同}",
     "  - {code: LEASE, name: 租赁合同, intermediary_service: painting}", "不是允许的值",
     "intermediary_service: painting"),
    ("more trips in the bundle than alone", "    promised_days: 1\n",
     "    promised_days: 1\n    visits: 2\n    visits_alone: 1\n", "多于单独办理时",
     "visits: 2"),
]


@pytest.mark.parametrize(("what", "old", "new", "words", "marker"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_problem_is_reported_at_its_line(tmp_path: Path, what: str, old: str, new: str,
                                              words: str, marker: str | None) -> None:
    assert old in BASE, what
    text = BASE.replace(old, new, 1)
    problems = problems_for(tmp_path, text)
    matching = [p for p in problems if words in p]
    assert matching, f"{what}: no problem says {words!r}: {problems}"
    if marker is not None:
        expected = line_of(text, marker)
        assert any(p.startswith(f"catalog.yaml:{expected}: ") for p in matching), (
            f"{what}: expected line {expected}, got {matching}")


def test_many_problems_are_all_reported(tmp_path: Path) -> None:
    text = (BASE.replace("department: SCJG", "department: NOPE")
            .replace('level: city, parent: "430000"', 'level: city, parent: "420000"')
            .replace("[{item: REG, when:", "[{item: GONE, when:"))
    problems = problems_for(tmp_path, text)
    assert len(problems) >= 3
    assert any("NOPE" in p for p in problems)
    assert any("GONE" in p for p in problems)
    assert any("420000" in p for p in problems)


def test_files_below_the_directory_merge(tmp_path: Path) -> None:
    head, tail = BASE.split("items:\n", 1)
    extra = {"more/items.yaml": "items:\n" + tail.split("bundles:\n")[0],
             "more/deeper/bundles.yaml": "bundles:\n" + tail.split("bundles:\n")[1]}
    assert problems_for(tmp_path, head, extra) == []


def test_duplicates_across_files_name_both_places(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, BASE,
                            {"z.yaml": "departments:\n  - {code: SCJG, name: 重复}\n"})
    assert problems == ["z.yaml:2: 重复的部门代码 SCJG（首次定义于 catalog.yaml:5）"]


def test_an_invalid_entry_is_not_reported_again_as_unknown(tmp_path: Path) -> None:
    text = BASE.replace("legal_days: 15", "legal_days: -1")
    problems = problems_for(tmp_path, text)
    assert not any("不存在的事项 REG" in p for p in problems)


def test_empty_or_missing_directory(tmp_path: Path) -> None:
    _, problems = validate_directory(tmp_path)
    assert problems and "没有 *.yaml" in str(problems[0])
    _, problems = validate_directory(tmp_path / "nowhere")
    assert problems and "不存在" in str(problems[0])


def test_non_utf8_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"items: \xff\xfe\n")
    _, problems = validate_directory(tmp_path)
    assert "UTF-8" in str(problems[0])


def test_the_demo_catalog_is_valid(demo_dir: Path) -> None:
    document, problems = validate_directory(demo_dir)
    assert problems == []
    assert document is not None
    codes = {b.code for b in document.bundles}
    assert {"OPEN_CONVENIENCE_STORE", "OPEN_BARBER_SHOP", "NEWBORN_BIRTH", "COMPANY_OPENING",
            "RETIREMENT", "OPEN_RESTAURANT", "CONSTRUCTION_PERMIT"} <= codes
    regions = {r.code: r for r in document.regions}
    cities = [r for r in regions.values() if r.level == "city" and r.parent == "430000"]
    assert regions["430000"].name == "湖南省" and len(cities) == 14


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "onething.cli", *args], capture_output=True,
                          text=True, input=stdin, timeout=120)


def test_cli_validate_exit_codes_and_no_traceback(tmp_path: Path, basic_dir: Path) -> None:
    ok = run_cli("catalog", "validate", str(basic_dir))
    assert ok.returncode == 0, ok.stderr
    assert "目录有效" in ok.stdout
    (tmp_path / "c.yaml").write_text(BASE.replace("department: SCJG", "department: NOPE"),
                                     encoding="utf-8")
    bad = run_cli("catalog", "validate", str(tmp_path))
    assert bad.returncode == 1
    assert f"{tmp_path / 'c.yaml'}:{line_of(BASE, 'department: SCJG')}:" in bad.stderr
    assert "Traceback" not in bad.stderr + bad.stdout
    (tmp_path / "c.yaml").write_text("items: [\n", encoding="utf-8")
    broken = run_cli("catalog", "validate", str(tmp_path))
    assert broken.returncode == 1 and "YAML 语法错误" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_problems_of_invalid_entries_do_not_hide_their_references(tmp_path: Path) -> None:
    text = (BASE.replace("legal_days: 15", "legal_days: -1")
            .replace("department: SCJG", "department: NOPE")
            .replace("options: {owned: 自有, rented: 租赁}", "options: {owned: 自有, rented: }")
            .replace("[{item: REG, when:", "[{item: GONE, when:"))
    problems = problems_for(tmp_path, text)
    for words in ("不能为负数", "不存在的部门 NOPE", "缺少显示名称", "不存在的事项 GONE"):
        assert any(words in p for p in problems), (words, problems)


def test_merge_keys_and_nul_characters_are_reported_not_crashed(tmp_path: Path) -> None:
    merged = ("items:\n  - &base\n    code: A1\n    name: 甲\n    type: 行政许可\n"
              "    department: NOPE2\n    level: county\n    legal_days: 5\n"
              "    promised_days: 1\n  - <<: *base\n    code: A2\n")
    problems = problems_for(tmp_path, BASE, {"more.yaml": merged})
    assert sum("不存在的部门 NOPE2" in p for p in problems) == 2
    (tmp_path / "more.yaml").unlink()
    (tmp_path / "catalog.yaml").write_text(BASE.replace("name: 设立登记", 'name: "设立\\0登记"'),
                                           encoding="utf-8")
    _, found = validate_directory(tmp_path)
    assert any("空字符" in str(p) for p in found)


def test_conditions_that_overflow_or_divide_by_zero_are_problems(tmp_path: Path) -> None:
    text = BASE.replace("when: \"food || premises == 'owned'\"",
                        "when: \"1000 / (food ? 1 : 0) > 5\"")
    problems = problems_for(tmp_path, text)
    assert any("无法求值" in p for p in problems)


def test_a_bundle_needs_stages_and_option_codes_are_strings(tmp_path: Path) -> None:
    no_stages = BASE.replace("    stages:\n      - items: [{item: REG, when: \"food || premises "
                             "== 'owned'\"}]\n", "    stages: []\n")
    assert any("至少要有 1 项" in p for p in problems_for(tmp_path, no_stages))
    numeric = BASE.replace("options: {owned: 自有, rented: 租赁}", "options: {1: 自有, 2: 租赁}")
    assert any("必须是字符串，请加引号" in p for p in problems_for(tmp_path, numeric))


@pytest.mark.parametrize("text", [
    # nine aliases of nine aliases …: a few hundred bytes that expand to 43 million values
    "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 8))
    + "regions: [*a7]\n",
    "regions: " + "[" * 5000 + "]" * 5000 + "\n",
], ids=["aliases", "nesting"])
def test_a_file_that_would_explode_is_refused_at_once(tmp_path: Path, text: str) -> None:
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    _, problems = validate_directory(tmp_path)
    assert len(problems) == 1 and problems[0].line == 1
    assert "超过" in problems[0].message or "过深" in problems[0].message
