"""Pydantic's validation errors, said in Chinese (for catalog files and API requests)."""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

from onething.kernel.privacy import mask_text

_CODE_HINT = "代码只能由字母、数字、下划线和连字符组成，且以字母开头"
_REGION_HINT = "应为 6 位（或乡镇 9 位、村 12 位）行政区划代码，且用引号写成字符串"


def _pattern(err: ErrorDetails) -> str:
    pattern = str((err.get("ctx") or {}).get("pattern", ""))
    if pattern.startswith("^[1-9]\\d{5}"):
        return f"`{err['input']}` 格式不对：{_REGION_HINT}"
    if pattern.startswith("^[A-Za-z]"):
        return f"`{err['input']}` 格式不对：{_CODE_HINT}"
    if pattern.startswith("^[a-z_]"):
        return f"`{err['input']}` 格式不对：情形代码只能用小写字母、数字和下划线，且不以数字开头"
    return f"`{err['input']}` 格式不对（应匹配 {pattern}）"


def _string(err: ErrorDetails) -> str:
    value = err["input"]
    if isinstance(value, int) and not isinstance(value, bool):
        return f"必须是字符串：数字 {value} 请加引号写成 '{value}'"
    return f"必须是字符串，而不是 {_kind(value)}"


def _kind(value: Any) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "真/假值"
    if isinstance(value, int | float):
        return f"数字 {value}"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    return f"`{value}`"


_MESSAGES: dict[str, Any] = {
    "missing": lambda e: "缺少必填项",
    "json_invalid": lambda e: "不是合法的 JSON（请检查引号、逗号和括号）",
    "json_type": lambda e: "必须是 JSON",
    "dict_attributes_type": lambda e: f"必须是对象，而不是 {_kind(e['input'])}",
    "literal_error": lambda e: f"`{e['input']}` 不是允许的值，应为：{e['ctx']['expected']}",
    "extra_forbidden": lambda e: "未知的键（是否拼写错误？）",
    "string_type": _string,
    "string_too_short": lambda e: "不能为空",
    "string_too_long": lambda e: f"太长（最多 {e['ctx']['max_length']} 个字符）",
    "string_pattern_mismatch": _pattern,
    "int_type": lambda e: f"必须是整数，而不是 {_kind(e['input'])}",
    "int_parsing": lambda e: f"必须是整数，而不是 {_kind(e['input'])}",
    "int_from_float": lambda e: f"必须是整数，而不是 {e['input']}",
    "float_type": lambda e: f"必须是数字，而不是 {_kind(e['input'])}",
    "float_parsing": lambda e: f"必须是数字，而不是 {_kind(e['input'])}",
    "bool_type": lambda e: f"必须是 true 或 false，而不是 {_kind(e['input'])}",
    "bool_parsing": lambda e: f"必须是 true 或 false，而不是 {_kind(e['input'])}",
    "greater_than_equal": lambda e: (
        f"不能为负数（实际为 {e['input']}）" if e["ctx"]["ge"] == 0
        else f"必须不小于 {e['ctx']['ge']}（实际为 {e['input']}）"
    ),
    "less_than_equal": lambda e: f"必须不大于 {e['ctx']['le']}（实际为 {e['input']}）",
    "too_short": lambda e: f"至少要有 {e['ctx']['min_length']} 项",
    "too_long": lambda e: f"最多 {e['ctx']['max_length']} 项",
    "finite_number": lambda e: "必须是有限的数字",
    "date_parsing": lambda e: "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": lambda e: "应为日期（YYYY-MM-DD）",
    "date_type": lambda e: "应为日期（YYYY-MM-DD）",
    "greater_than": lambda e: f"必须大于 {e['ctx']['gt']}",
    "less_than": lambda e: f"必须小于 {e['ctx']['lt']}",
    "enum": lambda e: f"`{e['input']}` 不是允许的值，应为：{e['ctx']['expected']}",
    "list_type": lambda e: f"必须是列表，而不是 {_kind(e['input'])}",
    "dict_type": lambda e: f"必须是映射（键: 值），而不是 {_kind(e['input'])}",
    "model_type": lambda e: f"必须是映射（键: 值），而不是 {_kind(e['input'])}",
    "model_attributes_type": lambda e: f"必须是映射（键: 值），而不是 {_kind(e['input'])}",
}


def reason(err: ErrorDetails) -> str:
    """What is wrong with the value, in Chinese, without saying where."""
    loc = [str(p) for p in err["loc"]]
    if "options" in loc:
        if loc[-1] == "[key]":
            return f"选项代码 `{mask_text(str(err['input']))}` 必须是字符串，请加引号"
        if loc[-1] != "options" and err["type"] in ("string_type", "string_too_short"):
            return f"选项 `{loc[-1]}` 缺少显示名称（写成 {loc[-1]}: 名称）"
        if loc[-1] == "options" and err["type"] == "dict_type":
            return "选项必须写成“代码: 名称”的映射，每个选项都要有名称"
    render = _MESSAGES.get(err["type"])
    return mask_text(str(render(err))) if render else f"格式不正确（{err['type']}）"


def describe(err: ErrorDetails) -> str:
    """`key.path` reason — one line, in Chinese."""
    where = ".".join(str(p) for p in err["loc"])
    return f"`{where}` {reason(err)}" if where else reason(err)
