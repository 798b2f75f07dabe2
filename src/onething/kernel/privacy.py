"""Masking personal data (个人信息保护法: shown only where it is needed). Pure.

Lists, logs, exports and error messages show masked values; the applicant and the staff
whose work needs them see full values, and each such view by staff is audited.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Personal(StrEnum):
    """个人信息 (个人信息保护法): values shown masked except to those who need them."""

    id_number = "id_number"  # 4301********1234
    phone = "phone"  # 138****5678
    address = "address"  # 长沙市芙蓉区****


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


_ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


# 扫码评价: the one-time rating code travels in the URL (/r/ABCDE23456, /r?code=…); whoever
# reads an access log must not be able to rate in the applicant's name
_RATING_CODE_IN_TEXT = re.compile(
    r"((?:^|[\s\"'(=]|//[^/\s\"']+)/r(?:/|\?code=))[^\s/?#&\"']+")
RATING_CODE_MASK = "**********"


def mask_text(text: str) -> str:
    """ID numbers, mobile numbers and rating codes found in free text (log lines, messages),
    masked."""
    text = _ID_IN_TEXT.sub(lambda m: mask(m.group(0), Personal.id_number), text)
    text = _RATING_CODE_IN_TEXT.sub(lambda m: m.group(1) + RATING_CODE_MASK, text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask(m.group(0), Personal.phone), text)


def mask_record(record: logging.LogRecord) -> None:
    """Masks ID and mobile numbers in a log record, keeping its shape: the message, each
    argument (uvicorn's access formatter unpacks `args` as a tuple of five, so they are
    masked one by one, never merged into the message), the traceback and the stack."""
    if isinstance(record.msg, str):
        record.msg = mask_text(record.msg)
    elif record.msg is not None and (text := str(record.msg)) != mask_text(text):
        record.msg = mask_text(text)
    if isinstance(record.args, tuple):
        record.args = tuple(_masked_arg(a) for a in record.args)
    elif isinstance(record.args, Mapping):
        record.args = {k: _masked_arg(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = mask_text(_TRACEBACKS.formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


_TRACEBACKS = logging.Formatter()


def _masked_arg(value: Any) -> Any:
    """A string masked; any other object that would print a number, its masked text;
    numbers and everything else as they are (so that %d and %r still work)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)
    masked = mask_text(text)
    return value if masked == text else masked


class MaskingFilter(logging.Filter):
    """Masks ID and mobile numbers in every record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


class _MaskingFactory:
    """The log record factory, wrapped: each record is masked as it is made."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        mask_record(record)
        return record


def mask_logs() -> None:
    """Masks every log record of the process where it is made, whichever logger makes it
    and whichever handler (or none: Python's last-resort handler) writes it out."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _MaskingFactory):
        logging.setLogRecordFactory(_MaskingFactory(current))
