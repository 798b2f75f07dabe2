"""Whether a value is a valid answer to a situation question (情形)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from onething.catalog.spec import QuestionType


class QuestionLike(Protocol):
    @property
    def type(self) -> QuestionType: ...

    @property
    def options(self) -> Mapping[str, str] | None: ...


def answer_problem(q: QuestionLike, value: Any) -> str | None:
    """Why `value` is not a valid answer to question `q` (None if it is)."""
    options = q.options or {}
    match q.type:
        case QuestionType.bool:
            ok = isinstance(value, bool)
            expected = "是/否（true 或 false）"
        case QuestionType.number:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            expected = "数字"
        case QuestionType.integer:
            ok = isinstance(value, int) and not isinstance(value, bool)
            expected = "整数"
        case QuestionType.text:
            ok = isinstance(value, str)
            expected = "文字"
        case QuestionType.choice:
            if isinstance(value, str) and value not in options:
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
