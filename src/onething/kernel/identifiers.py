"""National identifiers: 居民身份证号 (GB 11643), 统一社会信用代码 (GB 32100), phone numbers.

Pure functions; each `*_problem` returns why a value is invalid (Chinese), or None.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def id_number_check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_problem(value: str) -> str | None:
    """GB 11643: 17 digits (region, birth date, sequence) and an ISO 7064 MOD 11-2 check."""
    text = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return "身份证号应为 18 位（最后一位可为 X）"
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if born.year < 1900 or born > dt.date.today():
        return "身份证号中的出生日期无效"
    if id_number_check_digit(text[:17]) != text[17]:
        return "身份证号校验位不正确"
    return None


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """GB 32100: 18 characters from 0-9 and capitals without I O S V Z, last one a check."""
    text = value.strip().upper()
    if len(text) != 18 or any(c not in _USCC_CHARS for c in text):
        return "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）"
    if not re.fullmatch(r"\d{6}", text[2:8]):
        return "统一社会信用代码第 3–8 位应为行政区划码"
    if uscc_check_char(text[:17]) != text[17]:
        return "统一社会信用代码校验位不正确"
    return None


# GB 32100 第 2 位 (机构类别) of codes given by the market regulator (登记管理部门 9)
USCC_CATEGORIES = {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def organization_check_char(first8: str) -> str:
    """GB 11714 (主体标识码, 9th character): MOD 11 over digits and letters (A = 10 …)."""
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def new_uscc(region: str, category: str = "1") -> str:
    """A fresh 统一社会信用代码 as the registration authority assigns it at registration:
    9 (市场监管) + the 机构类别 (1 企业, 2 个体工商户) + the 6-digit 行政区划码 + a 主体标识码
    of 8 random characters and its GB 11714 check + the GB 32100 check character. Random
    (31^8 ≈ 8.5 × 10^11 codes per region and category), not derived from anything: the caller
    checks it against the codes already issued."""
    if category not in USCC_CATEGORIES or not re.fullmatch(r"\d{6}", region[:6]):
        raise ValueError(f"bad USCC category {category!r} or region {region!r}")
    body = "".join(secrets.choice(_USCC_CHARS) for _ in range(8))
    first17 = "9" + category + region[:6] + body + organization_check_char(body)
    return first17 + uscc_check_char(first17)


def uscc_entity_kind(code: str) -> str | None:
    """企业 / 个体工商户 / 农民专业合作社 for a code the market regulator gave, else None."""
    return USCC_CATEGORIES.get(code[1:2]) if code[:1] == "9" else None


def phone_problem(value: str) -> str | None:
    text = value.strip().replace(" ", "")
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return None
    return "电话号码应为 11 位手机号或带区号的固定电话"


def mask_id_number(value: str) -> str:
    """4301********1234: enough to recognise, not enough to misuse."""
    text = value.strip()
    return text[:4] + "*" * max(0, len(text) - 8) + text[-4:] if len(text) > 8 else "****"
