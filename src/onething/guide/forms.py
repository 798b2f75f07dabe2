"""Answers from an HTML form (all strings) turned into typed answers for the guide.

A value that cannot be read is passed on as the raw string, so the guide's own
answer check names the question and says what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from onething.catalog.linked import Bundle
from onething.catalog.spec import QuestionType

_TRUE = {"true", "1", "yes", "on", "是"}
_FALSE = {"false", "0", "no", "off", "否"}


class FormData(Protocol):
    def getlist(self, key: str) -> list[Any]: ...

    def __contains__(self, key: object) -> bool: ...


def _bool(text: str) -> Any:
    low = text.lower()
    return True if low in _TRUE else False if low in _FALSE else text


def _number(text: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text else value


def _integer(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


_READERS: dict[QuestionType, Callable[[str], Any]] = {
    QuestionType.bool: _bool,
    QuestionType.number: _number,
    QuestionType.integer: _integer,
    QuestionType.choice: str,
    QuestionType.text: str,
}


def answers_from_form(bundle: Bundle, form: FormData) -> dict[str, Any]:
    """Typed answers for the questions present in `form`; blank ones are left out."""
    answers: dict[str, Any] = {}
    for q in bundle.questions:
        values = [str(v).strip() for v in form.getlist(q.code)]
        if q.type == QuestionType.multichoice:
            if values or f"{q.code}__present" in form:
                answers[q.code] = [v for v in values if v]
            continue
        if values and values[0]:
            answers[q.code] = _READERS[q.type](values[0])
    return answers


def form_values(bundle: Bundle, answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as the form shows them again (for 修改情形 and error pages)."""
    shown: dict[str, Any] = {}
    for q in bundle.questions:
        if q.code not in answers or answers[q.code] is None:
            continue
        value = answers[q.code]
        if isinstance(value, bool):
            shown[q.code] = "true" if value else "false"
        elif isinstance(value, list):
            shown[q.code] = [str(v) for v in value]
        else:
            shown[q.code] = str(value)
    return shown
