"""The rules of random inspections, pure: the task's states, the results an inspection may
have, credit risk classes, how many objects a ratio draws, the filter over an entity (CEL)
and which inspectors an object may have (回避)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from onething.catalog.expressions import ExpressionError, compile_condition, unknown_functions


class TaskStatus(StrEnum):
    draft = "draft"  # being prepared: its filter, ratio and inspectors may still change
    frozen = "frozen"  # the pools hashed, the seed's commitment published
    drawn = "drawn"  # drawn: the seed revealed and the whole record published


STATUS_NAMES = {TaskStatus.draft: "待冻结名录", TaskStatus.frozen: "已公布承诺，待摇号",
                TaskStatus.drawn: "已摇号"}

# the results an inspection records (as the 国家企业信用信息公示系统 publishes them)
RESULTS = {
    "no_problem": "未发现问题",
    "corrected": "发现问题已责令改正",
    "follow_up": "发现问题待后续处理",
    "no_activity": "未发现开展本次抽查涉及的经营活动",
    "not_found": "未找到",
    "refused": "不配合检查",
}

# 企业信用风险分类: A 低风险 … D 高风险; a current 失信 record makes an entity D
RISK_CLASSES = {"A": "低风险", "B": "较低风险", "C": "较高风险", "D": "高风险"}
DEFAULT_RISK = "B"  # a company known only from its file, not yet classed by a register
BAD_CREDIT_RISK = "D"

PUBLISH_DAYS = 20  # working days from the result to its publication (国发〔2019〕5号)
SUBJECT = "check_result"  # as supervision watches a result's publication

# what a task's filter may read of an entity (a CEL expression over these names)
FILTER_NAMES = ("uscc", "name", "kind", "region", "township", "risk", "source")


def effective_risk(risk_class: str, bad_credit: bool) -> str:
    return BAD_CREDIT_RISK if bad_credit else risk_class


def ratio_problem(text: str | Decimal | float) -> str | None:
    """Why a ratio cannot be used, or None: it must lie in (0, 1]."""
    try:
        ratio = Decimal(str(text))
    except InvalidOperation:
        return f"抽查比例须为 0 到 1 之间的小数（如 0.05 表示 5%），收到 {text!r}"
    if not ratio.is_finite() or ratio <= 0 or ratio > 1:
        return f"抽查比例须大于 0 且不超过 1（如 0.05 表示 5%），收到 {text}"
    return None


def objects_to_draw(ratio: Decimal, pool_size: int) -> int:
    """⌈ratio × n⌉ objects of a pool of n."""
    return min(pool_size, math.ceil(ratio * pool_size))


EntityFilter = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Filter:
    """A task's filter, compiled: `holds` over an entity's values, evaluated once per
    combination of the values the expression reads (a pool of millions has few)."""

    source: str
    reads: tuple[str, ...]
    program: Any

    def holds_for(self) -> Callable[[Sequence[Any]], bool]:
        """A function of the values `reads` names, in that order, remembering answers."""
        if not self.source:
            return lambda values: True
        known: dict[tuple[Any, ...], bool] = {}
        program = self.program

        def holds(values: Sequence[Any]) -> bool:
            key = tuple(values)
            found = known.get(key)
            if found is None:
                found = program.holds(dict(zip(self.reads, key, strict=True)))
                if len(known) < 100_000:
                    known[key] = found
            return found

        return holds


def compile_filter(source: str) -> Filter:
    """The filter of a task; ExpressionError (in Chinese) when it cannot be used."""
    source = source.strip()
    if not source:
        return Filter("", (), None)
    condition = compile_condition(source)
    unknown = sorted(condition.variables - set(FILTER_NAMES))
    if unknown:
        raise ExpressionError(f"筛选条件用到未知的名称：{'、'.join(unknown)}（可用："
                              f"{'、'.join(FILTER_NAMES)}）")
    functions = unknown_functions(condition)
    if functions:
        raise ExpressionError(f"筛选条件用到未知的函数：{'、'.join(functions)}")
    reads = tuple(n for n in FILTER_NAMES if n in condition.variables)
    sample = {"uscc": "91430102MA4L16JQ9N", "name": "示例", "kind": "企业",
              "region": "430102", "township": "430102001", "risk": "B", "source": "register"}
    try:
        result = condition.holds({n: sample[n] for n in reads})
    except ExpressionError as exc:
        raise ExpressionError(f"筛选条件无法求值：{exc}") from exc
    del result
    return Filter(source, reads, condition)


@dataclass(frozen=True)
class Candidate:
    """An inspector of a task's roster, as the draw reads them."""

    cert_number: str
    township_code: str | None


def eligible(roster: Iterable[Candidate], entity_township: str | None,
             recused: frozenset[str]) -> tuple[list[str], list[list[str]]]:
    """The inspectors an object may have (执法证号) and those left out with why (回避): a
    recorded conflict with the entity, or the same township office as the entity's."""
    pool: list[str] = []
    left: list[list[str]] = []
    for c in roster:
        if c.cert_number in recused:
            left.append([c.cert_number, "有利害关系（已登记回避）"])
        elif entity_township and c.township_code == entity_township:
            left.append([c.cert_number, "与检查对象属同一基层所（乡镇、街道）"])
        else:
            pool.append(c.cert_number)
    return pool, left
