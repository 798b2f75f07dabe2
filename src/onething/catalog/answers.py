"""Whether a value is a valid answer to a situation question (情形)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

from onething.catalog.spec import QuestionType


class QuestionLike(Protocol):
    @property
    def type(self) -> QuestionType: ...

    @property
    def options(self) -> Mapping[str, str] | None: ...


MAX_NUMBER = 1e15
MAX_INT = 2**53


def _number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _text(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 500:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def answer_problem(q: QuestionLike, value: Any) -> str | None:
    """Why `value` is not a valid answer to question `q` (None if it is)."""
    options = q.options or {}
    match q.type:
        case QuestionType.bool:
            ok = isinstance(value, bool)
            expected = "是/否（true 或 false）"
        case QuestionType.number:
            ok = _number(value) and abs(value) <= MAX_NUMBER
            expected = f"数字（绝对值不超过 {MAX_NUMBER:.0e}）"
        case QuestionType.integer:
            ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT
            expected = "整数（绝对值不超过 2^53）"
        case QuestionType.text:
            ok = _text(value)
            expected = "文字（不超过 500 字，不含无效字符）"
        case QuestionType.choice:
            if isinstance(value, str) and value not in options:
                if not _text(value):
                    return "包含无效字符"
                return f"`{value}` 不在可选项 {', '.join(options)} 中"
            ok = isinstance(value, str)
            expected = "一个选项代码"
        case QuestionType.multichoice:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return "应为选项代码的列表"
            bad = [v for v in value if v not in options]
            if bad:
                return f"`{', '.join(bad)}` 不在可选项 {', '.join(options)} 中"
            return "选项重复" if len(set(value)) != len(value) else None
    return None if ok else f"应为{expected}，收到 {value!r}"
