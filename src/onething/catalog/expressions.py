"""Conditions over the answers, in CEL (Common Expression Language).

An expression is compiled once when the catalog is built and evaluated many
times; nothing here ever reaches Python's `eval`. The validator uses
`check()` to report parse errors, unknown questions, unknown functions and
expressions that do not yield true or false.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cel

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
