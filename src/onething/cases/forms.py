"""The one merged form (一表申请): every field checked by its type, then the catalog's
cross-field checks over the fields that have values; all problems at once. Pure."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping

from onething.cases.models import FormValue
from onething.catalog.expressions import ExpressionError, FieldCheck, check_context, form_value
from onething.catalog.linked import Bundle, FormField, Item
from onething.catalog.spec import FieldType
from onething.kernel.errors import FieldProblem
from onething.kernel.identifiers import id_number_problem, phone_problem, uscc_problem

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TEXT = 2000


Reading = tuple[FormValue, str | None]  # the value read, and why it is wrong (if it is)


def _number(value: object, integer: bool) -> Reading:
    if isinstance(value, bool):
        return value, "应为数字"
    number: int | float
    if isinstance(value, str):
        try:
            number = float(value.strip()) if not integer else int(value.strip())
        except ValueError:
            return value, "应为整数" if integer else "应为数字"
    elif isinstance(value, int | float):
        number = value
    else:
        return str(value), "应为数字"
    if isinstance(number, float) and not math.isfinite(number):
        return number, "应为数字"
    if integer and isinstance(number, float) and not number.is_integer():
        return number, "应为整数"
    return (int(number) if integer else number), None


def _text(value: object) -> Reading:
    if not isinstance(value, str):
        return str(value), "应为文字"
    return value.strip(), None if len(value) <= MAX_TEXT else f"不能超过 {MAX_TEXT} 个字符"


def _checked(check: Callable[[str], str | None]) -> Callable[[object], Reading]:
    def read(value: object) -> Reading:
        if not isinstance(value, str):
            return str(value), "应为文字"
        text = value.strip().upper() if check is not phone_problem else value.strip()
        return text, check(text)

    return read


def _date(value: object) -> Reading:
    try:
        return dt.date.fromisoformat(str(value)).isoformat(), None
    except ValueError:
        return str(value), "应为日期（YYYY-MM-DD）"


def _bool(value: object) -> Reading:
    if isinstance(value, bool):
        return value, None
    text = str(value).strip().lower()
    if text in ("true", "1", "on", "yes", "是"):
        return True, None
    if text in ("false", "0", "off", "no", "否"):
        return False, None
    return str(value), "应为是或否"


def _email(value: object) -> Reading:
    if isinstance(value, str) and _EMAIL.match(value.strip()):
        return value, None
    return str(value), "电子邮箱格式不正确"


_READERS: dict[FieldType, Callable[[object], Reading]] = {
    FieldType.text: _text, FieldType.textarea: _text, FieldType.region: _text,
    FieldType.number: lambda v: _number(v, integer=False),
    FieldType.integer: lambda v: _number(v, integer=True),
    FieldType.date: _date, FieldType.bool: _bool,
    FieldType.choice: _text,
    FieldType.id_number: _checked(id_number_problem),
    FieldType.uscc: _checked(uscc_problem),
    FieldType.phone: _checked(phone_problem),
    FieldType.email: _email,
}


def _limits(field: FormField, value: FormValue) -> str | None:
    if field.options is not None and value not in field.options:
        return f"应为以下之一：{'、'.join(field.options.values())}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if field.min is not None and value < field.min:
            return f"不能小于 {field.min:g}"
        if field.max is not None and value > field.max:
            return f"不能大于 {field.max:g}"
    if isinstance(value, str):
        if field.max_length is not None and len(value) > field.max_length:
            return f"不能超过 {field.max_length} 个字符"
        if field.pattern is not None and not re.fullmatch(field.pattern, value):
            return "格式不正确"
    return None


def check_value(field: FormField, raw: object) -> Reading:
    """One non-blank value read by the field's type and checked against its limits: the
    cleaned value, and why it is wrong (after the field's label), if it is."""
    value, reason = _READERS[field.type](raw)
    return value, reason or _limits(field, value)


def check_form(fields: list[FormField], form: Mapping[str, object],
               regions: Collection[str] | None = None
               ) -> tuple[dict[str, FormValue], list[FieldProblem]]:
    """The cleaned form and every problem (field path `form.<code>`, message in Chinese).
    `regions`: the codes a 行政区划 field may hold (the catalog's)."""
    clean: dict[str, FormValue] = {}
    problems: list[FieldProblem] = []
    known = {f.code for f in fields}
    for code in form:
        if code not in known:
            problems.append(FieldProblem(f"form.{code}", "本申请不需要该项"))
    for field in fields:
        raw = form.get(field.code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.required:
                problems.append(FieldProblem(f"form.{field.code}", f"请填写“{field.label}”"))
            continue
        value, reason = check_value(field, raw)
        if not reason and field.type == FieldType.region and regions is not None:
            reason = None if value in regions else f"不是本省的行政区划代码：{value}"
        if reason:
            problems.append(FieldProblem(f"form.{field.code}", f"“{field.label}”{reason}"))
        else:
            clean[field.code] = value
    return clean, problems


log = logging.getLogger("onething")


def checks_of(bundle: Bundle, items: Iterable[Item]) -> list[FieldCheck]:
    """The cross-field checks of the applicable items and of the bundle, each rule once."""
    found: dict[str, FieldCheck] = {}
    for check in (*(c for item in items for c in item.checks), *bundle.checks):
        found.setdefault(check.source, check)
    return list(found.values())


def failed_checks(checks: Iterable[FieldCheck], fields: Mapping[str, FormField],
                  clean: Mapping[str, FormValue], today: dt.date) -> list[FieldProblem]:
    """A problem for each field named by a check that does not hold, with its message.

    `clean` is the form after `check_form`: a check whose fields are absent, left empty or
    invalid (already a problem of their own) does not fire. `today` is the date in China.
    """
    values = {code: form_value(fields[code].type, value) for code, value in clean.items()
              if code in fields and value not in (None, "")}
    context = check_context(values, today)
    problems: list[FieldProblem] = []
    for check in checks:
        if not check.applies_to(clean):
            continue
        try:
            holds = check.rule.holds(context)
        except ExpressionError as exc:  # a catalog slip must not stop the applicant
            log.warning("cross-field check not evaluated: %s", exc)
            continue
        if not holds:
            problems += [FieldProblem(f"form.{code}", check.message) for code in check.fields]
    return problems
