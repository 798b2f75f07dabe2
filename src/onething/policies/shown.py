"""How a payout's personal data is shown in lists and the 公示 (pure): names, accounts and
holders' keys masked; the bank's file alone carries them in full."""

from __future__ import annotations

import re

from onething.kernel.identifiers import mask_id_number

ACCOUNT = re.compile(r"^\d{8,32}$")  # 银行账号: digits (a 对公账户 may be long)


def mask_name(name: str | None) -> str:
    """张*, 欧阳**; a company's name (public in its 营业执照) is shown as it is."""
    if not name:
        return "—"
    if len(name) > 6:  # a company, not a person
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_account(number: str | None) -> str:
    """**** 1234: the last four digits, enough for the holder to recognise their account."""
    if not number:
        return "—"
    return "**** " + number[-4:]


def mask_holder(key: str) -> str:
    """4301**********1235 for a 居民身份证号; a 统一社会信用代码 the same way."""
    return mask_id_number(key)


def account_problem(number: str) -> str | None:
    """Why `number` (spaces removed) is not a bank account number, or None."""
    if not ACCOUNT.match(number):
        return "银行账号应为 8 至 32 位数字"
    return None
