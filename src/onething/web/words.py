"""How pages write numbers, days, money, times and labels for people, and what a refusal says
on a page: one place, used by every template (registered as Jinja filters in web.render).
Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from onething.cases.states import by_platform
from onething.kernel.clock import CHINA
from onething.kernel.errors import DomainError

_LATIN_WORD = re.compile(r"[A-Za-z_]{3,}")


def figure(value: Any, places: int = 2) -> str:
    """A number as people read it: "—" when there is none, whole numbers without ".0",
    others to at most `places` decimals without trailing zeros (3300.0 → 3300, 12.50 → 12.5)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.{places}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value)


def percent(value: float | None) -> str:
    """A rate (0.853) as a percentage (85.3%); "—" when there is nothing to count."""
    return "—" if value is None else f"{figure(round(value * 100, 1))}%"


def money(amount: float | None) -> str:
    """A fee: 不收费, whole yuan without decimals (100 元), else two decimals (12.50 元)."""
    if not amount:
        return "不收费"
    return f"{amount:.0f} 元" if float(amount).is_integer() else f"{amount:.2f} 元"


def days(n: int) -> str:
    return "即办" if n == 0 else f"{figure(n)} 个工作日"


def china_time(value: str | dt.datetime) -> str:
    """An instant (or its ISO text) as China's local time, to the minute."""
    instant = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def labelled(text: str) -> str:
    """A label followed by "：", unless it already ends in punctuation of its own (a question
    "您以什么身份开店？" takes no colon after its question mark)."""
    text = text.rstrip()
    return text if text.endswith(("？", "?", "：", ":", "。", "！")) else f"{text}："


def said(exc: DomainError) -> str:
    """What a refusal says on a page: its message, and each problem that adds to it. Problems
    worded for API clients (naming codes such as `approve`) are left out: the message says it
    in words."""
    extra = [p.message for p in exc.problems
             if p.message not in exc.detail and not _LATIN_WORD.search(p.message)]
    return exc.detail + "".join(f"；{m}" for m in dict.fromkeys(extra))


def problems_by_field(exc: DomainError) -> dict[str, str]:
    """The refusal's problems by field, for marking the inputs they are about."""
    found: dict[str, str] = {}
    for p in exc.problems:
        if not _LATIN_WORD.search(p.message):
            found.setdefault(p.field, p.message)
    return found


def form_value(value: Any, field: Any, regions: Mapping[str, Any]) -> str:
    """A value of the application form as the applicant gave it, in words: 是/否, the
    option's label, the region's name, a number without ".0"."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and field.options and value in field.options:
        return str(field.options[value])
    if field is not None and field.type.value == "region" and value in regions:
        return f"{regions[value].name}（{value}）"
    if isinstance(value, int | float):
        return figure(value, 6)
    return str(value)


def taken_by(step: Any) -> str:
    """Who took a step of a case's timeline (an EventOut), as people read it: the platform's
    own steps (进入办理, 办结 …) and those of no one named are 系统自动."""
    return "系统自动" if by_platform(step.action) or not step.actor else str(step.actor)


def auto_facts(facts: Mapping[str, Any] | None, catalog: Any) -> list[str]:
    """What a 秒批 rule read (`Task.auto_check["facts"]`, an event's `facts`), in words:
    the form values by label, the licences held by name, the shared data, the credit."""
    if not facts:
        return []
    said = [f"{_label(catalog, code)}：{_form_fact(catalog, code, value)}"
            for code, value in (facts.get("form") or {}).items()]
    if "licences" in facts:
        names = {i.result.licence_type: i.result.name for i in catalog.items.values()
                 if i.result is not None}
        held = "、".join(names.get(t, "电子证照") for t in facts["licences"])
        said.append(f"持有的电子证照：{held or '无'}")
    for part, value in (facts.get("profile") or {}).items():
        said.append(_profile_fact(catalog, part, value))
    credit = facts.get("credit") or {}
    if credit:
        said.append("信用：" + ("有失信记录" if credit.get("bad") else "无失信记录")
                    + ("，列入守信名单" if credit.get("good") else ""))
    return said


def _form_fact(catalog: Any, code: str, value: Any) -> str:
    return "—" if value is None else form_value(value, catalog.fields.get(code), catalog.regions)


def _label(catalog: Any, code: str) -> str:
    found = catalog.fields.get(code)
    return str(found.label) if found is not None else "申请信息"


def _profile_fact(catalog: Any, part: str, value: Any) -> str:
    if part == "age":
        return f"年龄（按身份证号）：{'—' if value is None else f'{value} 周岁'}"
    source = catalog.sources.get(part.upper())
    name = source.name if source is not None else "共享数据"
    if not value:
        return f"{name}：无数据"
    labels = {f.code: f.label for f in source.facts} if source is not None else {}
    shown = "，".join(f"{labels.get(k, '数据项')} {_fact_value(v)}" for k, v in value.items()
                     if not isinstance(v, Mapping))
    return f"{name}：{shown or '有数据'}"


def _fact_value(value: Any) -> str:
    if value is None:
        return "无数据"
    return figure(value) if isinstance(value, int | float) else str(value)


# the badge of a 告知承诺 check's outcome: a false commitment stands out, a kept one is good
CHECK_BADGES = {"false": " key", "kept": " ok"}

FILTERS = {"figure": figure, "percent": percent, "money": money, "days": days,
           "china_time": china_time, "labelled": labelled, "taken_by": taken_by}


# --- what a form field asks for, said before the applicant submits -----------------------

_TYPE_HINTS = {
    "id_number": "18 位居民身份证号码，最后一位可为 X",
    "uscc": "18 位统一社会信用代码（数字或大写英文字母）",
    "phone": "11 位手机号码，或带区号的固定电话（如 0731-84567890）",
    "email": "电子邮箱地址，如 name@example.com",
    "date": "日期，按“年-月-日”填写，如 2026-05-20",
    "integer": "整数",
    "number": "数字，可带小数",
}
_DIGITS = re.compile(r"\^?\\d\{(\d+)(?:,(\d+))?\}\$?")


def pattern_words(pattern: str) -> str | None:
    """A pattern said in words, for the shapes catalogs use: `^\\d{6,20}$` → 6 至 20 位数字.
    None when it has no simple wording (the field's help should then say it)."""
    found = _DIGITS.fullmatch(pattern)
    if found is None:
        return None
    low, high = found.group(1), found.group(2)
    return f"{low} 位数字" if high is None or high == low else f"{low} 至 {high} 位数字"


def _range(field: Any) -> str | None:
    low, high = field.min, field.max
    if low is not None and high is not None:
        return f"{figure(low)} 至 {figure(high)}"
    if low is not None:
        return f"不小于 {figure(low)}" if low != 0 else "不小于 0"
    return f"不大于 {figure(high)}" if high is not None else None


def field_hints(field: Any) -> list[str]:
    """What the apply form says under a field before submitting: its help, what to enter
    (format, range, length) — the same limits the service checks."""
    hints = [field.help] if field.help else []
    kind = field.type.value
    if kind in _TYPE_HINTS and not field.options:
        hints.append(_TYPE_HINTS[kind])
    if kind in ("number", "integer") and (limits := _range(field)):
        hints.append(f"范围：{limits}")
    if field.max_length and kind in ("text", "textarea"):
        hints.append(f"不超过 {field.max_length} 个字")
    if field.pattern:
        words = pattern_words(field.pattern)
        if words:
            hints.append(f"应为{words}")
        elif not field.help:
            hints.append("须符合规定格式")
    return hints
