"""The working-day calendar: official years, statutory fallback, loaded notices."""

from __future__ import annotations

import datetime as dt

import pytest

from onething.kernel.workdays import Calendar, notice_from_data, statutory_holidays

D = dt.date
cal = Calendar()


def test_counting_starts_the_next_day_and_zero_is_the_same_day() -> None:
    assert cal.add(D(2026, 11, 25), 0).date == D(2026, 11, 25)
    assert cal.add(D(2026, 11, 25), 1).date == D(2026, 11, 26)
    assert cal.add(D(2026, 11, 27), 1).date == D(2026, 11, 30)  # Friday → Monday
    assert cal.add(D(2026, 11, 28), 1).date == D(2026, 11, 30)  # from a Saturday


def test_official_holidays_and_make_up_days_of_a_known_year() -> None:
    assert cal.add(D(2026, 9, 30), 1).date == D(2026, 10, 8)  # 国庆 2026: 10-1..10-7
    assert cal.is_workday(D(2026, 10, 10))  # Saturday, a make-up working day (调休)
    assert not cal.day(D(2026, 10, 1)).provisional
    assert cal.day(D(2026, 2, 17)).holiday == "春节"


def test_an_unknown_year_follows_the_law_and_says_it_is_provisional() -> None:
    days = statutory_holidays(2027)
    assert days[D(2027, 2, 5)] == "春节"  # 除夕 of the lunar year 2027
    assert [d for d, n in days.items() if n == "春节"] == [D(2027, 2, 5) + dt.timedelta(i)
                                                          for i in range(4)]
    assert days[D(2027, 4, 5)] == "清明节"
    assert days[D(2027, 6, 9)] == "端午节" and days[D(2027, 9, 15)] == "中秋节"
    assert {d for d, n in days.items() if n == "国庆节"} == {D(2027, 10, i) for i in (1, 2, 3)}
    assert {d for d, n in days.items() if n == "劳动节"} == {D(2027, 5, 1), D(2027, 5, 2)}
    deadline = cal.add(D(2026, 12, 30), 3)  # 12-31, (1-1 元旦, 1-2/1-3 weekend), 1-4, 1-5
    assert deadline.date == D(2027, 1, 5) and deadline.provisional
    assert not cal.add(D(2026, 12, 1), 3).provisional


def test_a_loaded_notice_overrides_the_fallback() -> None:
    notice = notice_from_data({
        "year": 2027, "source": "国务院办公厅通知（测试）",
        "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
                     {"name": "春节", "from": "2027-02-05", "to": "2027-02-13"}],
        "workdays": ["2027-02-14", "2026-12-27"],
    })
    official = Calendar({2027: notice})
    assert official.is_workday(D(2027, 2, 14))  # Sunday, made a working day
    assert not official.is_workday(D(2027, 2, 12))  # a Friday inside the holiday
    assert official.is_workday(D(2026, 12, 27))  # a make-up day in the year before
    assert not official.day(D(2027, 3, 1)).provisional
    assert official.add(D(2027, 2, 4), 1).date == D(2027, 2, 14)


@pytest.mark.parametrize(("data", "words"), [
    ({}, "year"),
    ({"year": 2027, "holidays": [{"name": "春节", "from": "2027-13-01"}]}, "不是日期"),
    ({"year": 2027, "holidays": [{"from": "2027-02-01"}]}, "name"),
    ({"year": 2027, "holidays": "all"}, "列表"),
    ({"year": 2027, "holidays": [{"name": "x", "from": "2027-02-10", "to": "2027-02-01"}]},
     "不合理"),
    ({"year": 2027, "holidays": [{"name": "x", "from": "2027-02-01"}],
      "workdays": ["2027-02-01"]}, "既是放假日又是调休上班日"),
])
def test_bad_notices_are_refused_with_a_reason(data: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        notice_from_data(data)


def test_count_of_working_days_between() -> None:
    assert cal.count(D(2026, 11, 20), D(2026, 11, 27)) == 5
    assert cal.count(D(2026, 11, 27), D(2026, 11, 27)) == 0
