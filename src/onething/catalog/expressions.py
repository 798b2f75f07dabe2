"""Conditions over the answers and checks over the form, in CEL (Common Expression Language).

An expression is compiled once when the catalog is built and evaluated many
times; nothing here ever reaches Python's `eval`. The validator uses
`check()` to report parse errors, unknown questions, unknown functions and
expressions that do not yield true or false.

A cross-field check (`checks: [{rule, message}]`) sees two variables: `form`, the values of
the merged form by field code, and `today`, the current date in China. Dates (form dates and
`today`) are CEL timestamps at 00:00 China time (UTC+8), so `form.birth_date <= today` and
`form.lease_end_date > form.opening_date` compare days, and `today - form.birth_date <
duration("720h")` measures them; numbers are doubles, integers ints, the rest strings or
booleans.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cel

from onething.catalog.spec import FieldType

# Named functions and macros of the CEL standard library (operators such as
# `_==_` are recognised by their underscores).
STANDARD_FUNCTIONS = frozenset(
    {
        "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double",
        "string", "bool", "bytes", "type", "dyn", "has", "all", "exists", "exists_one",
        "map", "filter", "timestamp", "duration", "getFullYear", "getMonth", "getDate",
        "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours", "getMinutes",
        "getSeconds", "getMilliseconds", "max", "min", "lowerAscii", "upperAscii", "trim",
        "replace", "split", "join", "indexOf", "lastIndexOf", "substring", "in",
    }
)

RESERVED_WORDS = frozenset(
    {
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
        "function", "if", "import", "let", "loop", "package", "namespace", "return", "var",
        "void", "while",
    }
)

CHECK_VARIABLES = frozenset({"form", "today"})
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")  # no daylight saving since 1991

_POSITION = re.compile(r"<input>:(\d+):(\d+): (.*?)(?:\n|$)")


class ExpressionError(ValueError):
    """An expression that cannot be compiled or evaluated."""


@dataclass(frozen=True)
class Condition:
    """A compiled `when` expression."""

    source: str
    program: Any = field(repr=False, compare=False)
    variables: frozenset[str] = frozenset()

    def holds(self, answers: Mapping[str, Any] | Any) -> bool:
        """Evaluate over a mapping of answers or a prepared `answers_context`."""
        try:
            result = self.program.execute(answers)
        except Exception as exc:  # CEL also raises OverflowError, ZeroDivisionError …
            raise ExpressionError(f"条件 `{self.source}` 无法求值：{_first_line(exc)}") from exc
        if not isinstance(result, bool):
            raise ExpressionError(f"条件 `{self.source}` 的结果不是真/假，而是 {result!r}")
        return result


def value_of(condition: Condition, context: Mapping[str, Any] | Any) -> Any:
    """What an expression gives (a number, for an amount); ExpressionError if it cannot be
    evaluated, a missing key of a map named."""
    try:
        return condition.program.execute(context)
    except KeyError as exc:
        raise ExpressionError(f"`{condition.source}` 用到没有的数据项 {exc.args[0]}") from exc
    except Exception as exc:  # CEL also raises OverflowError, ZeroDivisionError …
        raise ExpressionError(f"`{condition.source}` 无法求值：{_first_line(exc)}") from exc


def answers_context(answers: Mapping[str, Any]) -> Any:
    """A CEL context for evaluating many conditions over one answer set (faster than a dict).

    Numbers that are not integers by type are given to CEL as doubles, so `shop_area > 300`
    behaves the same for 300 and 300.5 (CEL does not mix int and double arithmetic).
    """
    context = cel.Context()
    try:
        context.update(dict(answers))
    except Exception as exc:
        raise ExpressionError(f"回答无法用于条件计算：{_first_line(exc)}") from exc
    return context


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def compile_condition(source: str) -> Condition:
    """Compile `source`; raises ExpressionError with the parser's position and reason."""
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError, TypeError) as exc:
        raise ExpressionError(_parse_message(str(exc))) from exc
    return Condition(source, program, frozenset(program.variables()))


def _parse_message(text: str) -> str:
    match = _POSITION.search(text)
    if match:
        line, column, reason = match.groups()
        return f"表达式语法错误（第 {line} 行第 {column} 列）：{reason.strip()}"
    return f"表达式语法错误：{_first_line(ValueError(text))}"


def unknown_functions(condition: Condition) -> list[str]:
    names = condition.program.functions()
    return sorted(
        n for n in names
        if not (n.startswith(("_", "@", "!")) or n in STANDARD_FUNCTIONS or "." in n)
    )


def check(condition: Condition, sample: Mapping[str, Any]) -> str | None:
    """Evaluate once over a representative answer set; the reason if it fails, else None."""
    try:
        condition.holds(sample)
    except ExpressionError as exc:
        return str(exc)
    return None


# --- cross-field checks ------------------------------------------------------------------

_STRING = re.compile(r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
_INDEXED = re.compile(r"""\bform\s*\[\s*(?:'(\w+)'|"(\w+)")\s*\]""")
_SELECTED = re.compile(r"\bform\s*\.\s*([A-Za-z_]\w*)")


@dataclass(frozen=True)
class FieldCheck:
    """A compiled cross-field check: the rule must hold whenever every field it names has a
    value."""

    rule: Condition
    message: str
    fields: tuple[str, ...]  # the form fields the rule names, in order

    @property
    def source(self) -> str:
        return self.rule.source

    def applies_to(self, form: Mapping[str, Any]) -> bool:
        return all(form.get(code) not in (None, "") for code in self.fields)


def named_fields(source: str) -> tuple[str, ...]:
    """The field codes a rule reads as `form.code` or `form["code"]` (not inside strings)."""
    found = [a or b for a, b in _INDEXED.findall(source)]
    found += _SELECTED.findall(_STRING.sub('""', source))
    return tuple(dict.fromkeys(found))


def compile_check(rule: str, message: str) -> FieldCheck:
    """Compile a check's rule; raises ExpressionError as `compile_condition` does."""
    return FieldCheck(compile_condition(rule), message, named_fields(rule))


def day_start(day: dt.date) -> dt.datetime:
    """A date as the CEL timestamp of its first instant in China."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=CHINA_TIME)


def form_value(field_type: FieldType, value: Any) -> Any:
    """A cleaned form value as a check sees it."""
    if field_type == FieldType.date:
        return day_start(dt.date.fromisoformat(str(value)))
    if field_type == FieldType.number and not isinstance(value, bool):
        return float(value)
    return value


def check_context(form: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    """The variables of a check: `form` (values already through `form_value`) and `today`."""
    return {"form": dict(form), "today": day_start(today)}
