"""Card profiles: which cards (预警/黄牌/红牌) a province's e-supervision system raises, and
when, as a data file another province can replace.

`ONETHING_CARD_PROFILE` names a shipped profile (`hunan`, the default: see
`profiles/hunan.yaml`) or the path of a YAML file of the same form:

    code: hunan
    name: 湖南省行政效能电子监察
    checks:
      case:                        # the time limit of a task and of its application
        warning: {before: 2}       # 2 working days before the promised deadline
        yellow: {after: 0}         # past it (overdue by more than 0 days)
        red: {after: 0, of: legal} # past the statutory deadline
      pre_acceptance:
        limit_days: 2              # the check's own limit, where the case has none
        warning: {after: 0}
      ...

Each card kind takes one rule or a list of rules (the first one reached raises it):
`before: N` falls due N working days before the check's deadline (never on the day the
clock starts, and never for a limit of 0 days, whose deadline is that day);
`after: N` when the deadline is passed by more than N working days. `of: legal` (in
`case` only) counts from the statutory limit instead of the promised one. A check or a
card kind that is not written is not applied: nothing is raised by default.

Every problem is reported at its `file:line`; a malformed profile stops `serve` and
`worker` before they start.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from onething.catalog.source import Problem, SourceFile, read_file
from onething.supervision.rules import CARD_NAMES, CardKind, Check, Rule

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT = "hunan"


@dataclass(frozen=True)
class CheckKind:
    """A check the format knows: its name in Chinese, whether the profile sets its limit
    (otherwise the case carries it), and the deadlines its rules may count from."""

    name: str
    limit_name: str  # what its deadline is called
    own_limit: bool
    deadlines: tuple[str, ...] = ()  # what `of` may name (the first: the default)
    applied: bool = True  # False: read and checked, applied once its cases exist


CHECKS: dict[str, CheckKind] = {
    "case": CheckKind("办理时限", "承诺办结时限", False, ("promised", "legal")),
    "special_procedure": CheckKind("特别程序", "预计结束日", False),
    "pre_acceptance": CheckKind("网上申请受理", "受理时限", True),
    "issuing": CheckKind("出件", "出件时限", True),
    "rectification": CheckKind("差评整改", "整改时限", False),
    "commitment_check": CheckKind("告知承诺核查", "核查期限", False),
    "help_request": CheckKind("帮代办接单", "接单时限", False),
    "agency_review": CheckKind("中介机构入驻审核", "审核时限", False),
    "enquiry": CheckKind("咨询投诉（12345）", "签收、答复时限", False),
    "inspection_publicity": CheckKind("抽查结果公示", "公示期限", False),
    "disclosure": CheckKind("政府信息公开申请答复", "答复期限", False),
}
MAX_DAYS = 365
_TOP = {"code", "name", "source", "checks"}
_SHIPPED_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    source: str  # the documents it follows (shown to operators)
    path: str  # where it was read from
    checks: Mapping[str, Check]

    @property
    def digest(self) -> str:
        """Changes whenever what the rules decide changes (kept by the sweep's mark)."""
        data = {name: {"limit": c.limit_days,
                       "rules": {k.value: [[r.of, r.before, r.after] for r in rules]
                                 for k, rules in sorted(c.rules.items())}}
                for name, c in sorted(self.checks.items())}
        text = json.dumps(data, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def check(self, name: str) -> Check | None:
        """The check the sweep applies, or None if the profile has none of that name."""
        return self.checks.get(name) if CHECKS[name].applied else None


@dataclass(frozen=True)
class CheckWords:
    """One check of a profile in words, for people (the CLI, /admin/settings)."""

    name: str  # which watch (监察事项)
    limit_name: str  # what its deadline is called
    limit: str  # its own limit ("2 个工作日"), or "" where the case carries it
    applied: bool
    cards: Mapping[str, str]  # 预警 / 黄牌 / 红牌 → when ("" where the profile has none)


def described(profile: Profile) -> list[CheckWords]:
    """What the profile raises, check by check, in Chinese."""
    rows = []
    for name, check in profile.checks.items():
        kind = CHECKS[name]
        limit = f"{check.limit_days} 个工作日" if check.limit_days is not None else ""
        cards = {CARD_NAMES[card]: "；或".join(rule_words(r, kind.limit_name)
                                              for r in check.rules.get(card, ()))
                 for card in CardKind}
        rows.append(CheckWords(kind.name, kind.limit_name, limit, kind.applied, cards))
    return rows


def rule_words(rule: Rule, limit_name: str) -> str:
    limit = "法定办结时限" if rule.of == "legal" else limit_name
    if rule.before is not None:
        return f"{limit}前 {rule.before} 个工作日起"
    return f"超过{limit}" + (f" {rule.after} 个工作日后" if rule.after else "")


class ProfileError(ValueError):
    """A profile that cannot be used: every problem, each at its file:line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def shipped() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def resolve(value: str) -> Path:
    """A shipped profile's name, or a path."""
    if _SHIPPED_NAME.match(value) and (PROFILES_DIR / f"{value}.yaml").is_file():
        return PROFILES_DIR / f"{value}.yaml"
    path = Path(value)
    if not path.is_file():
        raise ProfileError([Problem(value, 0, "没有这个红黄牌规则文件，也没有这个名称的随附规则"
                                              f"（随附：{'、'.join(shipped())}）")])
    return path


@lru_cache(maxsize=8)
def load_profile(value: str = DEFAULT) -> Profile:
    """The profile named by `value` (ONETHING_CARD_PROFILE); ProfileError if malformed."""
    path = resolve(value)
    source, problems = read_file(path, str(path), top="文件顶层必须是映射（code、name、checks）",
                                empty_ok=False)
    if source is None:
        raise ProfileError(problems)
    profile, problems = _profile(source, str(path))
    if profile is None:
        raise ProfileError(problems)
    return profile


class _Reader:
    """Collects every problem of one file, each at the line of what it is about."""

    def __init__(self, source: SourceFile) -> None:
        self.source, self.problems = source, list[Problem]()

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(self.source.name, self.source.line(path), message))

    def text(self, tree: Any, key: str, required: bool) -> str:
        value = tree.get(key)
        if value is None:
            if required:
                self.problem((), f"缺少 {key}")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem((key,), f"{key} 应为非空文字")
            return ""
        return value.strip()

    def days(self, path: tuple[str | int, ...], value: Any, what: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
            self.problem(path, f"{what}应为 0 至 {MAX_DAYS} 的整数（工作日），而不是 {value!r}")
            return None
        return int(value)


def _profile(source: SourceFile, path: str) -> tuple[Profile | None, list[Problem]]:
    r = _Reader(source)
    tree = source.tree
    for key in tree:
        if key not in _TOP:
            r.problem((key,), f"未知的键 {key}（应为：{'、'.join(sorted(_TOP))}）")
    code, name = r.text(tree, "code", True), r.text(tree, "name", True)
    described = r.text(tree, "source", False)
    checks: dict[str, Check] = {}
    raw = tree.get("checks")
    if not isinstance(raw, CommentedMap) or not raw:
        r.problem(("checks",) if "checks" in tree else (),
                  f"checks 应为至少一项检查的映射（{'、'.join(CHECKS)}）")
    else:
        for check_name, body in raw.items():
            found = _check(r, str(check_name), body)
            if found is not None:
                checks[str(check_name)] = found
    if r.problems:
        return None, r.problems
    return Profile(code, name, described, path, checks), []


def _check(r: _Reader, name: str, body: Any) -> Check | None:
    at = ("checks", name)
    kind = CHECKS.get(name)
    if kind is None:
        r.problem(at, f"未知的检查 {name}（应为：{'、'.join(CHECKS)}）")
        return None
    if not isinstance(body, CommentedMap):
        r.problem(at, f"检查 {name} 应为映射（limit_days、warning、yellow、red）")
        return None
    before = len(r.problems)
    allowed = {"limit_days", *(k.value for k in CardKind)}
    for key in body:
        if key not in allowed:
            r.problem((*at, key),
                      f"检查 {name} 中未知的键 {key}（应为：{'、'.join(sorted(allowed))}）")
    limit = None
    if kind.own_limit:
        if "limit_days" not in body:
            r.problem(at, f"检查 {name}（{kind.name}）须写明 limit_days（时限，工作日）")
        else:
            limit = r.days((*at, "limit_days"), body["limit_days"], "limit_days ")
    elif "limit_days" in body:
        r.problem((*at, "limit_days"), f"检查 {name} 的时限取自办件本身，不能写 limit_days")
    rules = {k: _rules(r, (*at, k.value), body[k.value], kind)
             for k in CardKind if k.value in body}
    if not any(rules.values()) and len(r.problems) == before:
        r.problem(at, f"检查 {name} 没有任何亮牌规则（warning、yellow、red）")
    if len(r.problems) > before:
        return None
    return Check(name, limit, {k: v for k, v in rules.items() if v})


def _rules(r: _Reader, at: tuple[str | int, ...], value: Any,
           kind: CheckKind) -> tuple[Rule, ...]:
    items = list(enumerate(value)) if isinstance(value, CommentedSeq) else [(None, value)]
    if not items:
        r.problem(at, "规则列表不能为空")
    found = []
    for index, item in items:
        where = at if index is None else (*at, index)
        rule = _rule(r, where, item, kind)
        if rule is not None:
            found.append(rule)
    return tuple(found)


def _rule(r: _Reader, at: tuple[str | int, ...], item: Any, kind: CheckKind) -> Rule | None:
    if not isinstance(item, CommentedMap):
        r.problem(at, "规则应写作 {before: N} 或 {after: N}（可加 of: legal）")
        return None
    unknown = [k for k in item if k not in ("before", "after", "of")]
    for key in unknown:
        r.problem((*at, key), f"规则中未知的键 {key}（应为 before、after、of）")
    if ("before" in item) == ("after" in item):
        r.problem(at, "规则须有 before（届满前 N 个工作日）或 after（超过 N 个工作日）之一")
        return None
    key = "before" if "before" in item else "after"
    days = r.days((*at, key), item[key], f"{key} ")
    of = item.get("of", kind.deadlines[0] if kind.deadlines else None)
    if of not in kind.deadlines and "of" in item:
        r.problem((*at, "of"), f"of 应为 {'、'.join(kind.deadlines)}，而不是 {of!r}"
                  if kind.deadlines else "只有 case 检查可以写 of（promised 或 legal）")
        return None
    if days is None or unknown:
        return None
    return Rule("legal" if of == "legal" else "limit", days if key == "before" else None,
                days if key == "after" else None)
