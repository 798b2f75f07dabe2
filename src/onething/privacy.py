"""Masking personal data (个人信息保护法: shown only where it is needed). Pure.

Lists, logs, exports and error messages show masked values; the applicant and the staff
whose work needs them see full values, and each such view by staff is audited.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from onething.catalog.model import FormField
from onething.catalog.spec import Personal

_KEEP = {Personal.id_number: (4, 4), Personal.phone: (3, 4)}


def mask(value: Any, kind: Personal) -> Any:
    """4301********1234, 138****5678, 长沙市芙蓉区****; other values unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if kind is Personal.address:
        return value[:6] + "****"
    head, tail = _KEEP[kind]
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def masked_form(form: Mapping[str, Any], fields: Mapping[str, FormField]) -> dict[str, Any]:
    """The form with every personal field's value masked."""
    return {code: _masked(value, fields.get(code)) for code, value in form.items()}


def _masked(value: Any, field: FormField | None) -> Any:
    return mask(value, field.personal) if field is not None and field.personal else value


def personal_codes(form: Mapping[str, Any], fields: Mapping[str, FormField]) -> list[str]:
    return [code for code in form if (f := fields.get(code)) is not None and f.personal]


_ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_text(text: str) -> str:
    """ID numbers and mobile numbers found in free text (log lines, messages), masked."""
    text = _ID_IN_TEXT.sub(lambda m: mask(m.group(0), Personal.id_number), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask(m.group(0), Personal.phone), text)


class MaskingFilter(logging.Filter):
    """Masks ID and mobile numbers in every log line that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_logs(names: tuple[str, ...] = ("", "uvicorn", "uvicorn.access", "uvicorn.error")
              ) -> None:
    """Adds the masking filter to the handlers of these loggers (once)."""
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(MaskingFilter())
