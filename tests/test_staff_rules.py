"""The staff directory's rules, without a database: an administrator's scope, the roles they
may grant, what a staff CSV says (its lines numbered as the file's), what a row changes."""

from __future__ import annotations

from dataclasses import dataclass

from onething.identity import directory as rules
from onething.identity.directory import StaffRow
from onething.kernel.principal import Principal, Role


@dataclass(frozen=True)
class Node:
    parent: str | None


REGIONS = {"430000": Node(None), "430100": Node("430000"), "430102": Node("430100"),
           "430200": Node("430000")}
DEPARTMENTS = {"SCJG": object(), "YC": object()}
PROVINCE = Principal(1, "admin", "省管理员", Role.admin, region="430000")
CITY = Principal(2, "admin_cs", "长沙市管理员", Role.admin, region="430100")
SUPERVISOR = Principal(3, "sup", "监察", Role.supervisor, region="430000")


def test_an_admin_manages_their_region_and_below_only() -> None:
    assert all(rules.in_scope(REGIONS, PROVINCE, code) for code in REGIONS)
    assert rules.in_scope(REGIONS, CITY, "430100") and rules.in_scope(REGIONS, CITY, "430102")
    assert not rules.in_scope(REGIONS, CITY, "430200")
    assert not rules.in_scope(REGIONS, CITY, "430000")
    assert not rules.in_scope(REGIONS, SUPERVISOR, "430102")  # not an administrator
    assert not rules.manages_staff(SUPERVISOR) and rules.manages_staff(CITY)


def test_only_staff_roles_within_scope_are_granted() -> None:
    assert rules.grant_problem(REGIONS, CITY, "clerk", "430102") is None
    assert rules.grant_problem(REGIONS, CITY, "admin", "430100") is None  # a peer, not above
    assert rules.grant_problem(REGIONS, CITY, "admin", "430000") == (
        "region", "只能管理本地区及下级地区的工作人员")
    for role in ("system", "applicant", "proxy", "boss"):
        refused = rules.grant_problem(REGIONS, PROVINCE, role, "430102")
        assert refused is not None and refused[0] == "role", role
    assert rules.grant_problem(REGIONS, PROVINCE, "clerk", "999999") == (
        "region", "行政区划 999999 不存在")
    assert rules.grant_problem(REGIONS, PROVINCE, "clerk", None) is not None


def test_an_admin_does_not_demote_or_move_themselves() -> None:
    assert rules.self_problem(CITY, 2, "clerk", "430100") is not None
    assert rules.self_problem(CITY, 2, "admin", "430102") is not None
    assert rules.self_problem(CITY, 2, "admin", "430100") is None  # a new name is fine
    assert rules.self_problem(CITY, 5, "clerk", "430102") is None


def test_a_row_names_each_wrong_field() -> None:
    row = StaffRow("王 芳", "", "approver", "430200", "NOPE", "12a", "mail")
    found = dict(rules.row_problems(row, REGIONS, DEPARTMENTS, CITY))
    assert set(found) == {"username", "display_name", "region", "department", "phone",
                          "email"}
    assert found["department"] == "部门 NOPE 不存在"
    assert dict(rules.row_problems(StaffRow("li", "李", "approver", "430102"), REGIONS,
                                   DEPARTMENTS, CITY)) == {"department": "审批人员必须指定所属部门"}


def test_a_csv_in_chinese_or_english_columns_with_line_numbers() -> None:
    text = ("\ufeff用户名,姓名,角色,行政区划,部门\n"
            "wang,王芳,综合窗口人员,430102,\n"
            "\n"
            "li,李明,approver,430102,SCJG\n"
            "zhao,赵,clerk\n")
    rows, problems = rules.read_csv(text)
    assert [(r.line, r.username, r.role, r.department) for r in rows] == [
        (2, "wang", "clerk", None), (4, "li", "approver", "SCJG")]
    assert problems == ["第 5 行：应有 5 列，实有 3 列"]
    assert rules.read_csv("username,name,role\n")[1] == [
        "第 1 行：不认识的列：name；缺少列：姓名、行政区划"]
    assert rules.read_csv("")[1][0].startswith("文件为空")


def test_a_file_saved_by_a_spreadsheet_in_gbk_is_read() -> None:
    text = "用户名,姓名\nwang,王芳\n"
    assert rules.decode(text.encode("gbk")) == text
    assert rules.decode(text.encode("utf-8-sig")) == text
    assert rules.decode(b"\x89PNG\0\0") is None


def test_what_a_row_changes() -> None:
    now = {"display_name": "王芳", "role": "clerk", "region": "430102", "department": None,
           "phone": None, "email": None}
    same = StaffRow("wang", "王芳", "clerk", "430102")
    assert rules.changes(now, same) == {}
    moved = StaffRow("wang", "王芳", "approver", "430102", "SCJG")
    assert rules.changes(now, moved) == {"role": ("clerk", "approver"),
                                         "department": (None, "SCJG")}
    assert rules.normalized(StaffRow("w", "w", "clerk", "430102", "SCJG")).department is None
