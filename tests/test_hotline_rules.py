"""The hotline's pure rules and its data: the state table, who moves, due times on the
working-day calendar (across the National Day holiday), the 派单目录's suggestions, and the
data files' problems at file:line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from onething.catalog.linked import Department, Region
from onething.hotline import reference
from onething.hotline.rules import (
    CENTRE,
    OFFICE,
    Fault,
    IllegalMove,
    Kind,
    Limit,
    MergeRule,
    Move,
    Place,
    Satisfaction,
    Status,
    Urgency,
    due_at,
    due_day,
    duplicates,
    escalates,
    metres_between,
    moves,
    next_status,
    normalised,
    reopens,
)
from onething.kernel.clock import CHINA
from onething.kernel.workdays import Calendar

CAL = Calendar()


def china(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


def test_working_day_limits_skip_the_national_day_holiday() -> None:
    received = china(2026, 9, 30, 10, 0)  # the eve of 国庆节 (1–7 October)
    sign = due_at(Limit("working_days", 1), received, CAL)
    assert sign == china(2026, 10, 9, 0, 0)  # the end of Thursday 8 October
    assert due_day(sign) == dt.date(2026, 10, 8)
    reply = due_at(Limit("working_days", 3), received, CAL)
    assert due_day(reply) == dt.date(2026, 10, 10)  # Saturday 10 October is a working day
    # 13 working days for a complaint
    assert due_day(due_at(Limit("working_days", 13), received, CAL)) == dt.date(2026, 10, 23)


def test_urgent_limits_run_on_the_clock_through_the_holiday() -> None:
    received = china(2026, 10, 1, 23, 50)
    assert due_at(Limit("hours", 0.5), received, CAL) == china(2026, 10, 2, 0, 20)
    assert due_at(Limit("hours", 24), received, CAL) == china(2026, 10, 2, 23, 50)
    assert Limit("hours", 0.5).text == "30 分钟" and Limit("working_days", 3).text == "3 个工作日"


def test_the_flow_table() -> None:
    assert next_status(Status.accepted, Move.dispatch) == Status.dispatched
    assert next_status(Status.replied, Move.send_back) == Status.handling
    assert next_status(Status.handling, Move.extend) == Status.handling  # no state change
    with pytest.raises(IllegalMove):  # 回访 only after 办结
        next_status(Status.handling, Move.callback)
    with pytest.raises(IllegalMove):
        next_status(Status.answered, Move.dispatch)
    assert moves(Status.accepted, CENTRE) == [Move.answer, Move.transfer, Move.redirect,
                                              Move.dispatch, Move.merge]
    assert next_status(Status.accepted, Move.merge) == Status.merged
    with pytest.raises(IllegalMove):  # 并单 comes before 派单
        next_status(Status.dispatched, Move.merge)
    assert moves(Status.merged, CENTRE) == [Move.unmerge]  # 取消并单
    assert next_status(Status.merged, Move.unmerge) == Status.accepted
    assert moves(Status.accepted, OFFICE) == []
    assert moves(Status.dispatched, OFFICE) == [Move.sign, Move.give_back]
    assert moves(Status.handling, OFFICE) == [Move.reply, Move.extend]
    assert moves(Status.handling, OFFICE, extension_asked=True) == [Move.reply]
    assert moves(Status.handling, CENTRE) == [Move.urge]
    assert moves(Status.handling, CENTRE, extension_asked=True) == [Move.decide_extension,
                                                                   Move.urge]
    assert reopens(Satisfaction.unsatisfied, Fault.office)
    assert not reopens(Satisfaction.unsatisfied, Fault.objective)
    assert not reopens(Satisfaction.basic, None)
    assert not escalates(2) and escalates(3)


def _catalog() -> tuple[dict[str, Region], dict[str, Department]]:
    regions = {"430000": Region("430000", "湖南省", "province", None),  # type: ignore[arg-type]
               "430100": Region("430100", "长沙市", "city", "430000"),  # type: ignore[arg-type]
               "430102": Region("430102", "芙蓉区", "county", "430100"),  # type: ignore[arg-type]
               "430102001": Region("430102001", "文艺路街道", "township",  # type: ignore[arg-type]
                                   "430102"),
               "430200": Region("430200", "株洲市", "city", "430000")}  # type: ignore[arg-type]
    departments = {code: Department(code, code) for code in ("SCJG", "CGZF", "ZJ", "RS", "XF")}
    return regions, departments


def test_the_dispatch_directory_suggests_offices_and_falls_back() -> None:
    data = reference.load_data()
    regions, departments = _catalog()
    street = reference.suggest(data, regions, departments, "0201", "430102001")
    assert street.host == reference.Office("CGZF", "430102")  # at county level
    assert street.assist == (reference.Office("SCJG", "430102"),)
    # a whole class's rule (01 市场监管) covers its leaves
    assert reference.suggest(data, regions, departments, "0101", "430102").host == \
        reference.Office("SCJG", "430102")
    # a regional rule wins in its region: 长沙 handles 价格收费 at city level
    assert reference.suggest(data, regions, departments, "0103", "430102").host == \
        reference.Office("SCJG", "430100")
    assert reference.suggest(data, regions, departments, "0103", "430200").host == \
        reference.Office("SCJG", "430200")
    # no rule, or a department the catalog does not have: the region's government (兜底)
    other = reference.suggest(data, regions, departments, "9901", "430102")
    assert other.fallback and other.host == reference.Office("ZF", "430102")
    assert reference.suggest(data, regions, {}, "0201", "430102").fallback


def test_the_limits_in_force_and_their_sources() -> None:
    data = reference.load_data()
    regions, _ = _catalog()
    rule = reference.limit_for(data, regions, "430102", Kind.complaint, Urgency.normal, "reply")
    assert rule.reply == Limit("working_days", 13) and "13 个工作日" in rule.source
    urgent = reference.limit_for(data, regions, "430102", Kind.enquiry, Urgency.urgent, "sign")
    assert urgent.sign == Limit("hours", 0.5)


def test_bad_data_files_are_reported_at_file_and_line(tmp_path: Path) -> None:
    for name in reference.FILES:
        (tmp_path / name).write_text((reference.DATA_DIR / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    categories = tmp_path / "categories.yaml"
    text = categories.read_text(encoding="utf-8").replace('code: "0102"', 'code: "0202"')
    categories.write_text(text, encoding="utf-8")
    dispatch = tmp_path / "dispatch.yaml"
    dispatch.write_text(dispatch.read_text(encoding="utf-8").replace(
        "level: county}}\n  - {category: \"0201\"", "level: town}}\n  - {category: \"0201\""),
        encoding="utf-8")
    limits = tmp_path / "limits.yaml"
    limits.write_text(limits.read_text(encoding="utf-8").replace("hours: 24", "hours: -1"),
                      encoding="utf-8")
    problems = [str(p) for p in reference.validate(tmp_path)]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"0202", name: 消费维权' in row)
    assert any(p.startswith(f"{categories}:{line}:") and "0202" in p for p in problems), problems
    assert any(p.startswith(f"{dispatch}:") and "level" in p for p in problems), problems
    assert any(p.startswith(f"{limits}:") and "hours" in p for p in problems), problems
    assert reference.validate(reference.DATA_DIR) == []


def test_the_command_validates_the_data(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from onething.cli import main

    assert main(["hotline", "validate"]) == 0
    assert "热线数据有效" in capsys.readouterr().out
    for name in reference.FILES:
        (tmp_path / name).write_text((reference.DATA_DIR / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    (tmp_path / "limits.yaml").write_text("limits: []\n", encoding="utf-8")
    assert main(["hotline", "validate", str(tmp_path)]) == 1
    assert f"{tmp_path / 'limits.yaml'}:1: limits 应为非空列表" in capsys.readouterr().err


def test_duplicates_share_category_region_window_and_place() -> None:
    rule = MergeRule(window_hours=72, metres=300)
    noon = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC)
    first = Place("0201", "430102001", noon, 28.1960, 112.9800, "五一大道 1 号")
    near = Place("0201", "430102001", noon + dt.timedelta(hours=30), 28.1975, 112.9805, None)
    assert 150 < metres_between(28.1960, 112.98, 28.1975, 112.9805) < 200
    assert duplicates(first, near, rule) and duplicates(near, first, rule)
    far = Place("0201", "430102001", noon, 28.2100, 112.9800, "五一大道 1 号")
    assert not duplicates(first, far, rule)  # 1.5 km apart: positions win over addresses
    late = Place("0201", "430102001", noon + dt.timedelta(hours=73), 28.196, 112.98, None)
    assert not duplicates(first, late, rule)  # outside the window
    assert not duplicates(first, Place("0202", "430102001", noon, 28.196, 112.98), rule)
    assert not duplicates(first, Place("0201", "430102002", noon, 28.196, 112.98), rule)
    # without positions: the same address once normalised (full-width, spaces, punctuation)
    written = Place("0201", "430102001", noon, None, None, "五一大道１号。")
    assert normalised("五一大道 １ 号。") == "五一大道1号"
    assert duplicates(first, written, rule)
    assert not duplicates(written, Place("0201", "430102001", noon, None, None, "五一大道 2 号"),
                          rule)
    # a ticket that names only its region is no place
    bare = Place("0201", "430102001", noon)
    assert not duplicates(bare, Place("0201", "430102001", noon), rule)


def test_the_merge_window_and_rating_categories_are_data(tmp_path: Path) -> None:
    data = reference.load_data()
    assert data.merge == MergeRule(72, 300)
    assert data.ratings == {"window": "0503", "department": "0504"}
    assert data.categories["0504"].name == "审批服务"
    for name in reference.FILES:
        (tmp_path / name).write_text((reference.DATA_DIR / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    dispatch = tmp_path / "dispatch.yaml"
    text = dispatch.read_text(encoding="utf-8").replace(
        "merge: {window_hours: 72, metres: 300}", "merge: {window_hours: 0, metre: 300}"
    ).replace('ratings: {window: "0503", department: "0504"}',
              'ratings: {window: "05", department: "0504"}')
    dispatch.write_text(text, encoding="utf-8")
    problems = [str(p) for p in reference.validate(tmp_path)]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("merge:"))
    assert any(p.startswith(f"{dispatch}:{line}:") and "window_hours" in p
               for p in problems), problems
    assert any(p.startswith(f"{dispatch}:{line}:") and "metre" in p for p in problems), problems
    assert any(p.startswith(f"{dispatch}:{line + 3}:") and "ratings.window" in p
               for p in problems), problems
