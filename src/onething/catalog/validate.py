"""`onething catalog validate`: every problem of a catalog directory, each at its file:line.

Structural checks come from the Pydantic models in `spec.py` (entry by entry,
so one bad entry does not hide the others); cross-references, duplicates and
expressions are checked here over the merged catalog. A reference to an entry
that exists but is itself invalid is not reported twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from onething.catalog import profile
from onething.catalog.answers import answer_problem
from onething.catalog.expressions import (
    CHECK_VARIABLES,
    RESERVED_WORDS,
    Condition,
    ExpressionError,
    check,
    check_context,
    compile_check,
    compile_condition,
    form_value,
    named_fields,
    unknown_functions,
    value_of,
)
from onething.catalog.source import Problem, SourceFile, entries, plain, read_directory
from onething.catalog.spec import (
    BASELINE_FIGURES,
    LEVEL_NAMES,
    LEVEL_ORDER,
    SECTION_NAMES,
    SECTIONS,
    BundleSpec,
    CatalogFileSpec,
    CheckSpec,
    DepartmentSpec,
    FactType,
    FieldRegionSpec,
    FieldSpec,
    FieldType,
    HolderKind,
    ItemSpec,
    PolicySpec,
    QuestionSpec,
    QuestionType,
    RegionSpec,
    SourceHolder,
    SourceSpec,
)
from onething.kernel.messages import describe

S = TypeVar("S", bound=BaseModel)


@dataclass
class Located(Generic[S]):
    """A validated entry and the place it was written."""

    spec: S
    source: SourceFile
    path: tuple[str | int, ...]

    def problem(self, message: str, *sub: str | int) -> Problem:
        return Problem(self.source.name, self.source.line((*self.path, *sub)), message)

    def where(self) -> str:
        return f"{self.source.name}:{self.source.line(self.path)}"


@dataclass
class Collected:
    """Every valid entry by section, and the codes of entries that were invalid."""

    entries: dict[str, list[Located[Any]]] = field(
        default_factory=lambda: {s: [] for s in SECTIONS}
    )
    invalid: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SECTIONS})
    # entries that failed their structural check, kept raw to check their references too
    raw_invalid: list[tuple[SourceFile, str, int, dict[str, Any]]] = field(default_factory=list)
    _known: dict[str, dict[str, Located[Any]]] = field(default_factory=dict)

    def known(self, section: str) -> dict[str, Located[Any]]:
        """First valid definition of each code (built once, after all files are read)."""
        if section not in self._known:
            found: dict[str, Located[Any]] = {}
            for entry in self.entries[section]:
                found.setdefault(entry.spec.code, entry)
            self._known[section] = found
        return self._known[section]

    def exists(self, section: str, code: str) -> bool:
        return code in self.known(section) or code in self.invalid[section]


class CatalogInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"目录有 {len(problems)} 处问题")
        self.problems = problems


def validate_directory(directory: Path, *, relative: bool = False
                       ) -> tuple[CatalogFileSpec | None, list[Problem]]:
    """The merged catalog document if valid, else None, and every problem found (each file
    named by its path, or by its path inside `directory` when `relative`)."""
    files, problems = read_directory(directory, relative=relative)
    collected = Collected()
    for source in files:
        problems.extend(_structure(source, collected))
    problems.extend(_semantics(collected))
    if problems:
        return None, sorted(set(problems), key=lambda p: (p.file, p.line, p.message))
    return _document(collected), []


def read_catalog(directory: Path) -> CatalogFileSpec:
    document, problems = validate_directory(directory)
    if document is None:
        raise CatalogInvalid(problems)
    return document


# --- structure ---------------------------------------------------------------


def _structure(source: SourceFile, collected: Collected) -> Iterator[Problem]:
    for key in source.tree:
        if key not in SECTIONS:
            yield Problem(source.name, source.line((key,)),
                          f"未知的顶层键 `{key}`，应为：{', '.join(SECTIONS)}")
        elif not isinstance(source.tree[key], list):
            yield Problem(source.name, source.line((key,)), f"`{key}` 必须是列表")
    for section, model in SECTIONS.items():
        for index, raw in entries(source, section):
            yield from _entry(source, section, index, raw, model, collected)


def _entry(source: SourceFile, section: str, index: int, raw: Any, model: type[BaseModel],
           collected: Collected) -> Iterator[Problem]:
    path = (section, index)
    data = plain(raw)
    nul = _nul_path(data)
    if nul is not None:
        yield Problem(source.name, source.line((*path, *nul)), "包含空字符（\\0），请删除")
        return
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        code = data.get("code") if isinstance(data, dict) else None
        if isinstance(code, str):
            collected.invalid[section].add(code)
        if isinstance(data, dict):
            collected.raw_invalid.append((source, section, index, data))
        label = f"{SECTION_NAMES[section]} {code}" if isinstance(code, str) else \
            f"{SECTION_NAMES[section]}（第 {index + 1} 项）"
        for err in exc.errors():
            line = source.line((*path, *err["loc"]))
            yield Problem(source.name, line, f"{label}：{describe(err)}")
        return
    collected.entries[section].append(Located(spec, source, path))


def _nul_path(data: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where a NUL character hides in an entry (PostgreSQL cannot store it), if anywhere."""
    if isinstance(data, str):
        return path if "\x00" in data else None
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(
        data, list) else ()
    for key, value in items:
        found = _nul_path(value, (*path, key))
        if found is not None:
            return found
    return None


# --- semantics ---------------------------------------------------------------


def _semantics(c: Collected) -> Iterator[Problem]:
    yield from _raw_references(c)
    yield from _duplicates(c)
    yield from _regions(c)
    yield from _departments(c)
    yield from _fields(c)
    for item in c.entries["items"]:
        yield from _item(item, c)
    for bundle in c.entries["bundles"]:
        yield from _bundle(bundle, c)
    for source in c.entries["sources"]:
        yield from _source(source, c)
    for policy in c.entries["policies"]:
        yield from _policy(policy, c)


def _duplicates(c: Collected) -> Iterator[Problem]:
    for section, located in c.entries.items():
        first: dict[str, Located[Any]] = {}
        for entry in located:
            code = entry.spec.code
            if code in first:
                kind = SECTION_NAMES[section]
                yield entry.problem(
                    f"重复的{kind}代码 {code}（首次定义于 {first[code].where()}）", "code")
            else:
                first[code] = entry


# (section, path to a list or None, key in each element or None, referenced section)
_RAW_REFERENCES = [
    ("items", ("department",), None, "departments"),
    ("items", ("handled_by",), None, "departments"),
    ("items", ("materials",), "material", "materials"),
    ("items", ("fields",), "field", "fields"),
    ("bundles", ("regions",), None, "regions"),
    ("sources", ("department",), None, "departments"),
    ("policies", ("department",), None, "departments"),
]


def _raw_references(c: Collected) -> Iterator[Problem]:
    """References of entries that failed their structural check, so that fixing one
    problem does not reveal the next one only on the following run."""
    for source, section, index, data in c.raw_invalid:
        label = f"{SECTION_NAMES[section]} {data.get('code', '')}".strip()
        for owner, path, key, target in _RAW_REFERENCES:
            if owner != section:
                continue
            for sub, code in _raw_codes(data, path, key):
                if isinstance(code, str) and not c.exists(target, code):
                    yield Problem(source.name, source.line((section, index, *sub)),
                                  f"{label} 引用了不存在的{SECTION_NAMES[target]} {code}")
        if section == "bundles":
            for s_no, stage in enumerate(data.get("stages") or []):
                items = stage.get("items") if isinstance(stage, dict) else None
                for j, si in enumerate(items if isinstance(items, list) else []):
                    code = si.get("item") if isinstance(si, dict) else None
                    if isinstance(code, str) and not c.exists("items", code):
                        yield Problem(source.name, source.line(
                            (section, index, "stages", s_no, "items", j, "item")),
                            f"{label} 第 {s_no + 1} 阶段引用了不存在的事项 {code}")


def _raw_codes(data: dict[str, Any], path: tuple[str, ...], key: str | None
               ) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    value = data.get(path[0])
    if key is None and not isinstance(value, list):
        yield path, value
        return
    for j, element in enumerate(value if isinstance(value, list) else []):
        if key is None:
            yield (*path, j), element
        elif isinstance(element, dict):
            yield (*path, j, key), element.get(key)
        elif isinstance(element, str):
            yield (*path, j), element  # a field written as a bare code


def _regions(c: Collected) -> Iterator[Problem]:
    regions = c.known("regions")
    for entry in c.entries["regions"]:
        region: RegionSpec = entry.spec
        if region.parent is None:
            continue
        parent = regions.get(region.parent)
        if parent is None:
            if region.parent not in c.invalid["regions"]:
                yield entry.problem(
                    f"行政区划 {region.code} 的上级 {region.parent} 不存在", "parent")
        elif LEVEL_ORDER.index(parent.spec.level) >= LEVEL_ORDER.index(region.level):
            yield entry.problem(
                f"行政区划 {region.code}（{LEVEL_NAMES[region.level]}）的上级 {region.parent}"
                f"（{LEVEL_NAMES[parent.spec.level]}）层级不高于它", "parent")


OFFICE_PLACES = {"region": "所在地区的名称", "parent": "上级地区的名称"}


def _departments(c: Collected) -> Iterator[Problem]:
    """An office name at a level names its place, with `{region}` or `{parent}` only."""
    for entry in c.entries["departments"]:
        spec: DepartmentSpec = entry.spec
        for level, template in spec.offices.items():
            what = f"部门 {spec.code} 的{LEVEL_NAMES[level]}机构名称 `{template}`"
            try:
                named = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
            except ValueError:
                yield entry.problem(f"{what} 的花括号不成对", "offices", level.value)
                continue
            unknown = sorted(named - OFFICE_PLACES.keys())
            if unknown:
                allowed = "、".join(f"{{{k}}}（{v}）" for k, v in OFFICE_PLACES.items())
                yield entry.problem(
                    f"{what} 用了未知的占位符 {'、'.join(unknown)}，只能用 {allowed}",
                    "offices", level.value)
            elif not named:
                yield entry.problem(f"{what} 没有写明地方：请用 {{region}} 或 {{parent}}",
                                    "offices", level.value)
            elif "parent" in named and level == LEVEL_ORDER[0]:
                yield entry.problem(f"{what} 用了 {{parent}}，但{LEVEL_NAMES[level]}没有上级地区",
                                    "offices", level.value)


def _fields(c: Collected) -> Iterator[Problem]:
    for entry in c.entries["fields"]:
        spec: FieldSpec = entry.spec
        if spec.type == FieldType.choice and not spec.options:
            yield entry.problem(f"表单字段 {spec.code} 是选择类型，必须列出 options", "type")
        if spec.options and spec.type != FieldType.choice:
            yield entry.problem(f"表单字段 {spec.code} 不是选择类型，不应有 options", "options")
        if spec.min is not None and spec.max is not None and spec.min > spec.max:
            yield entry.problem(f"表单字段 {spec.code} 的 min 大于 max", "min")
        if spec.pattern is not None:
            try:
                re.compile(spec.pattern)
            except re.error as exc:
                yield entry.problem(f"表单字段 {spec.code} 的 pattern 不是合法正则：{exc}",
                                    "pattern")


def _reference(entry: Located[Any], c: Collected, section: str, code: str, what: str,
               *sub: str | int) -> Iterator[Problem]:
    if not c.exists(section, code):
        yield entry.problem(f"{what}引用了不存在的{SECTION_NAMES[section]} {code}", *sub)


def _item(entry: Located[ItemSpec], c: Collected) -> Iterator[Problem]:
    item = entry.spec
    what = f"事项 {item.code} "
    yield from _reference(entry, c, "departments", item.department, what, "department")
    if item.handled_by is not None:
        yield from _reference(entry, c, "departments", item.handled_by, what, "handled_by")
        if item.handled_by == item.department:
            yield entry.problem(f"事项 {item.code} 的 handled_by 与主管部门相同，无需填写",
                                "handled_by")
    if item.promised_days > item.legal_days:
        yield entry.problem(
            f"事项 {item.code} 的承诺时限 {item.promised_days} 个工作日超过法定时限 "
            f"{item.legal_days} 个工作日", "promised_days")
    seen: set[str] = set()
    for j, use in enumerate(item.materials):
        sub = ("materials", j)
        yield from _reference(entry, c, "materials", use.material, what, *sub, "material")
        if use.material in seen:
            yield entry.problem(f"事项 {item.code} 重复列出材料 {use.material}", *sub)
        seen.add(use.material)
        yield from _syntax(entry, use.when, *sub, "when")
    seen = set()
    for j, fuse in enumerate(item.fields):
        sub = ("fields", j)
        yield from _reference(entry, c, "fields", fuse.field, what, *sub)
        if fuse.field in seen:
            yield entry.problem(f"事项 {item.code} 重复列出表单字段 {fuse.field}", *sub)
        seen.add(fuse.field)
        yield from _syntax(entry, fuse.when, *sub, "when")
    yield from _competent_region(entry, c)
    if item.visits > item.visits_alone:
        yield entry.problem(
            f"事项 {item.code} 在一件事中的到场次数 visits（{item.visits}）多于单独办理时的 "
            f"visits_alone（{item.visits_alone}）", "visits")
    yield from _checks(entry, c, item.checks, seen, f"事项 {item.code} 没有")
    if item.result is not None:
        yield from _result(entry, c)
    yield from _auto(entry, c)


def _competent_region(entry: Located[ItemSpec], c: Collected) -> Iterator[Problem]:
    """A competent region read from the form: a `region` field the item always asks for."""
    item, chosen = entry.spec, entry.spec.competent_region
    if not isinstance(chosen, FieldRegionSpec):
        return
    sub = ("competent_region", "field")
    uses = {u.field: u for u in item.fields}
    if chosen.field not in uses:
        yield entry.problem(f"事项 {item.code} 的 competent_region 引用的表单字段 "
                            f"{chosen.field} 不在该事项的 fields 中", *sub)
    elif uses[chosen.field].when is not None:
        yield entry.problem(f"事项 {item.code} 的 competent_region 字段 {chosen.field} "
                            "有 when 条件，不能决定办理地区", *sub)
    defined = c.known("fields").get(chosen.field)
    if defined is not None and defined.spec.type != FieldType.region:
        yield entry.problem(f"事项 {item.code} 的 competent_region 字段 {chosen.field} "
                            "不是行政区划（region）类型", *sub)


def _checks(entry: Located[Any], c: Collected, checks: list[CheckSpec], own: set[str],
            lacking: str) -> Iterator[Problem]:
    """Each check compiles, reads only `form` and `today`, names fields the form can have
    (`own`: of the item, or of any item of the bundle), and yields true or false."""
    fields = c.known("fields")
    for j, spec in enumerate(checks):
        where, what = ("checks", j, "rule"), f"校验规则 `{spec.rule}`"
        try:
            rule = compile_check(spec.rule, spec.message)
        except ExpressionError as exc:
            yield entry.problem(f"{what}：{exc}", *where)
            continue
        strange = sorted(rule.rule.variables - CHECK_VARIABLES)
        if strange:
            yield entry.problem(f"{what} 用到未知变量 {', '.join(strange)}"
                                "（只能用 form.字段代码 和 today）", *where)
            continue
        if not rule.fields:
            yield entry.problem(f"{what} 没有用到表单字段（应写作 form.字段代码）", *where)
            continue
        unknown = [f for f in rule.fields if f not in fields]
        if unknown:  # an invalid field's own problem is reported where it is written
            missing = [f for f in unknown if not c.exists("fields", f)]
            if missing:
                yield entry.problem(f"{what} 用到不存在的表单字段 {', '.join(missing)}", *where)
            continue
        foreign = [f for f in rule.fields if f not in own]
        if foreign:
            yield entry.problem(f"{what} 用到表单字段 {', '.join(foreign)}，但{lacking}这个字段",
                                *where)
            continue
        names = unknown_functions(rule.rule)
        if names:
            yield entry.problem(f"{what} 用到未知函数 {', '.join(names)}", *where)
            continue
        sample = {f: form_value(fields[f].spec.type, _sample_value(fields[f].spec))
                  for f in rule.fields}
        reason = check(rule.rule, check_context(sample, _SAMPLE_DAY))
        if reason:
            yield entry.problem(f"{what}：{reason}", *where)


_SAMPLE_DAY = dt.date(2025, 1, 1)


def _sample_value(spec: FieldSpec) -> Any:
    """A value of the field's type, to type-check rules (1, not 0: a rule may divide)."""
    by_type: dict[FieldType, Any] = {
        FieldType.number: 1.0, FieldType.integer: 1, FieldType.bool: False,
        FieldType.date: _SAMPLE_DAY.isoformat(),
    }
    if spec.type == FieldType.choice:
        return next(iter(spec.options or {"": ""}))
    return by_type.get(spec.type, "")


# the type the holder's `id` field must have, by kind of holder
_HOLDER_ID_TYPES = {HolderKind.applicant: FieldType.id_number,
                    HolderKind.person: FieldType.id_number, HolderKind.company: FieldType.uscc}
_HOLDER_KINDS = {HolderKind.applicant: "申请人本人", HolderKind.person: "他人（如子女）",
                 HolderKind.company: "市场主体"}


def _result(entry: Located[ItemSpec], c: Collected) -> Iterator[Problem]:
    """`fills` names known fields, once each; the holder's fields exist, have the right type
    and are on the item's form (asked or filled by it), so the licence can name its holder."""
    item, result = entry.spec, entry.spec.result
    assert result is not None
    what = f"事项 {item.code} 的办结结果"
    seen: set[str] = set()
    for j, code in enumerate(result.fills):
        sub = ("result", "fills", j)
        yield from _reference(entry, c, "fields", code, what, *sub)
        if code in seen:
            yield entry.problem(f"{what}重复列出回填字段 {code}", *sub)
        seen.add(code)
    holder = result.holder
    if holder is None:
        return
    on_form = {f.field for f in item.fields} | set(result.fills)
    fields = c.known("fields")
    if holder.kind != HolderKind.applicant and holder.name is None:
        yield entry.problem(f"{what}的持证主体是{_HOLDER_KINDS[holder.kind]}，"
                            "须用 name 指明其名称所在的表单字段", "result", "holder", "kind")
    if holder.kind == HolderKind.company and holder.id is None:
        yield entry.problem(f"{what}的持证主体是市场主体，须用 id 指明统一社会信用代码"
                            "所在的表单字段", "result", "holder", "kind")
    for key in ("name", "id"):
        code = getattr(holder, key)
        if code is None:
            continue
        where: tuple[str, ...] = ("result", "holder", key)
        if not c.exists("fields", code):
            yield entry.problem(f"{what}的持证主体引用了不存在的表单字段 {code}", *where)
            continue
        if code not in on_form:
            yield entry.problem(f"{what}的持证主体字段 {code} "
                                "既不是本事项的表单字段，也不在 fills 中", *where)
        wanted = _HOLDER_ID_TYPES[holder.kind]
        if key == "id" and code in fields and fields[code].spec.type != wanted:
            yield entry.problem(f"{what}的持证主体（{_HOLDER_KINDS[holder.kind]}）的 id 字段 "
                                f"{code} 应为 {wanted.value} 类型", *where)


def _auto(entry: Located[ItemSpec], c: Collected) -> Iterator[Problem]:
    """秒批: each rule compiles, reads only `form` (the item's own fields), `licences`,
    `profile` (facts of the person data sets), `credit` and `today`, and gives true or false
    on sample applications; an item whose result needs values an office enters cannot be
    decided by the platform."""
    item = entry.spec
    if not item.auto:
        return
    what = f"事项 {item.code} 的秒批条件"
    if item.result is not None and item.result.fills:
        yield entry.problem(f"{what}：办结时须由部门填写 {', '.join(item.result.fills)}，"
                            "不能由系统自动准予", "auto")
    fields = c.known("fields")
    own = {f.field for f in item.fields}
    licences = sorted({e.spec.result.licence_type for e in c.entries["items"]
                       if e.spec.result is not None}) or ["LICENCE"]
    form = {f: form_value(fields[f].spec.type, _sample_value(fields[f].spec))
            for f in own if f in fields}
    sources = [e.spec for e in c.entries["sources"]]
    samples = [{"form": form, "licences": licences, "profile": sample,
                "credit": {"bad": False, "good": True}, "today": sample["today"]}
               for sample in profile.samples(sources, SourceHolder.person, _SAMPLE_DAY)]
    for k, condition in enumerate(item.auto):
        yield from _auto_rule(entry, what, condition.rule, own,
                              samples, ("auto", k, "rule"))


AUTO_VARIABLES = frozenset({"form", "licences", "profile", "credit", "today"})


def _auto_rule(entry: Located[ItemSpec], what: str, text: str, own: set[str],
               samples: list[dict[str, Any]], where: tuple[str | int, ...]
               ) -> Iterator[Problem]:
    foreign = [f for f in named_fields(text) if f not in own]
    yield from _cel_rule(entry, text, what, where, AUTO_VARIABLES, samples, amount=False,
                         unknown="变量", foreign=foreign)


def _syntax(entry: Located[Any], source: str | None, *sub: str | int) -> Iterator[Problem]:
    if source is None:
        return
    try:
        compile_condition(source)
    except ExpressionError as exc:
        yield entry.problem(f"条件 `{source}`：{exc}", *sub)


# the columns every row of a shared data set may have besides its facts
SOURCE_COLUMNS = {"id_number": "居民身份证号", "uscc": "统一社会信用代码", "month": "月份",
                  "as_of": "数据截至日期"}


def _source(entry: Located[SourceSpec], c: Collected) -> Iterator[Problem]:
    source = entry.spec
    what = f"共享数据 {source.code} "
    yield from _reference(entry, c, "departments", source.department, what, "department")
    seen: set[str] = set()
    for index, fact in enumerate(source.facts):
        if fact.code in SOURCE_COLUMNS:
            fixed = SOURCE_COLUMNS[fact.code]
            yield entry.problem(f"{what}的数据项 {fact.code} 与固定列（{fixed}）同名，请换一个代码",
                                "facts", index, "code")
        elif fact.code in seen:
            yield entry.problem(f"{what}的数据项 {fact.code} 重复", "facts", index, "code")
        seen.add(fact.code)
        if fact.options is not None and fact.type != FactType.text:
            yield entry.problem(f"{what}的数据项 {fact.code} 不是文本类型，不应有 options",
                                "facts", index, "options")


def _policy(entry: Located[PolicySpec], c: Collected) -> Iterator[Problem]:
    """The department exists, the dates are in order, and both expressions read only the
    profile of the policy's holder kind: the rule gives true or false and the amount a
    number never below 0, on sample profiles at the small, ordinary and large ends."""
    policy = entry.spec
    what = f"政策 {policy.code} "
    yield from _reference(entry, c, "departments", policy.department, what, "department")
    if policy.valid_until is not None and policy.valid_until < policy.valid_from:
        yield entry.problem(f"{what}的 valid_until 早于 valid_from", "valid_until")
    sources = [e.spec for e in c.entries["sources"]]
    allowed = profile.variables(sources, policy.holder)
    samples = profile.samples(sources, policy.holder, dt.date.today())
    expressions: list[tuple[str, str, tuple[str | int, ...], bool]] = [
        (c.rule, "条件", ("eligible", k, "rule"), False) for k, c in enumerate(policy.eligible)]
    expressions.append((policy.amount, "金额", ("amount",), True))
    for text, label, where, amount in expressions:
        yield from _cel_rule(entry, text, f"{what}的{label}", where, allowed, samples,
                             amount=amount, unknown="数据")


def _cel_rule(entry: Located[Any], text: str, what: str, where: tuple[str | int, ...],
              allowed: Set[str], samples: list[dict[str, Any]], *, amount: bool,
              unknown: str, foreign: list[str] | None = None) -> Iterator[Problem]:
    """A CEL rule (a 秒批 condition, a policy's condition or amount) reads only the variables
    allowed, only the item's own form fields and known functions, and gives a boolean (or,
    for an amount, a number never below 0) on each sample."""
    try:
        condition = compile_condition(text)
    except ExpressionError as exc:
        yield entry.problem(f"{what} `{text}`：{exc}", *where)
        return
    names = sorted(condition.variables - allowed)
    if names:
        yield entry.problem(f"{what} `{text}` 用到未知{'的' if unknown == '数据' else ''}"
                            f"{unknown} {'、'.join(names)}（可用：{'、'.join(sorted(allowed))}）",
                            *where)
        return
    if foreign:
        yield entry.problem(f"{what} `{text}` 用到表单字段 {'、'.join(foreign)}，"
                            "但该事项没有这个字段", *where)
        return
    functions = unknown_functions(condition)
    if functions:
        yield entry.problem(f"{what} `{text}` 用到未知函数 {'、'.join(functions)}", *where)
        return
    for sample in samples:
        reason = _sample_problem(condition, sample, amount)
        if reason:
            yield entry.problem(f"{what}{reason}", *where)
            return


def _sample_problem(condition: Condition, sample: dict[str, Any], amount: bool) -> str | None:
    try:
        value = value_of(condition, sample)
    except ExpressionError as exc:
        return f"：{exc}"
    if not amount:
        return None if isinstance(value, bool) else f" `{condition.source}` 的结果不是真/假"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f" `{condition.source}` 的结果不是数字"
    if value < 0:
        return f" `{condition.source}` 可能为负数（如 {value:g}）"
    return None


def _bundle(entry: Located[BundleSpec], c: Collected) -> Iterator[Problem]:
    bundle = entry.spec
    yield from _questions(entry)
    for j, region in enumerate(bundle.regions):
        yield from _reference(entry, c, "regions", region, f"一件事 {bundle.code} ",
                              "regions", j)
    sample = _sample_answers(bundle.questions)
    yield from _baseline(entry, sample)
    items = c.known("items")
    own = {f.field for si in _stage_items(bundle) if si in items
           for f in items[si].spec.fields}
    yield from _checks(entry, c, bundle.checks, own, f"一件事 {bundle.code} 的事项都没有")
    known_items = c.known("items")
    placed: dict[str, int] = {}
    for s, stage in enumerate(bundle.stages, start=1):
        where = ("stages", s - 1)
        if not stage.items:
            yield entry.problem(f"一件事 {bundle.code} 第 {s} 阶段没有事项", *where)
        for j, si in enumerate(stage.items):
            sub = (*where, "items", j)
            if si.item in placed:
                yield entry.problem(
                    f"一件事 {bundle.code} 第 {s} 阶段再次列出事项 {si.item}"
                    f"（已在第 {placed[si.item]} 阶段）", *sub, "item")
            placed.setdefault(si.item, s)
            if not c.exists("items", si.item):
                yield entry.problem(
                    f"一件事 {bundle.code} 第 {s} 阶段引用了不存在的事项 {si.item}", *sub, "item")
            yield from _expression(entry, si.when, sample, f"一件事 {bundle.code} 的条件",
                                   *sub, "when")
            if si.item in known_items:
                yield from _item_conditions(entry, known_items[si.item], sample, sub)


def _stage_items(bundle: BundleSpec) -> list[str]:
    return [si.item for stage in bundle.stages for si in stage.items]


def _baseline(entry: Located[BundleSpec], sample: dict[str, Any]) -> Iterator[Problem]:
    baseline = entry.spec.baseline
    if baseline is None:
        return
    if all(getattr(baseline, k) is None for k in BASELINE_FIGURES):
        yield entry.problem(f"一件事 {entry.spec.code} 的 baseline 没有任何数字（"
                            f"{', '.join(BASELINE_FIGURES)}）", "baseline")
    yield from _expression(entry, baseline.when, sample,
                           f"一件事 {entry.spec.code} 的 baseline 条件", "baseline", "when")


def _item_conditions(bundle: Located[BundleSpec], item: Located[ItemSpec],
                     sample: dict[str, Any], sub: tuple[str | int, ...]) -> Iterator[Problem]:
    """An item's material and field conditions must be answerable in every bundle using it."""
    spec = item.spec
    uses: list[tuple[str | None, tuple[str | int, ...]]] = [
        *((m.when, ("materials", j)) for j, m in enumerate(spec.materials)),
        *((f.when, ("fields", j)) for j, f in enumerate(spec.fields)),
    ]
    for source, path in uses:
        if source is None:
            continue
        try:
            condition = compile_condition(source)
        except ExpressionError:
            continue  # reported once, at the item
        missing = sorted(condition.variables - sample.keys())
        if missing:
            yield item.problem(
                f"事项 {spec.code} 的条件 `{source}` 用到情形 {', '.join(missing)}，"
                f"但一件事 {bundle.spec.code}（{bundle.where()}）没有这个情形", *path, "when")
        else:
            yield from _evaluates(item, condition, sample, f"事项 {spec.code} 的条件",
                                  *path, "when")


def _expression(entry: Located[Any], source: str | None, sample: dict[str, Any], what: str,
                *sub: str | int) -> Iterator[Problem]:
    if source is None:
        return
    try:
        condition = compile_condition(source)
    except ExpressionError as exc:
        yield entry.problem(f"{what} `{source}`：{exc}", *sub)
        return
    missing = sorted(condition.variables - sample.keys())
    if missing:
        yield entry.problem(f"{what} `{source}` 用到未定义的情形 {', '.join(missing)}", *sub)
        return
    yield from _evaluates(entry, condition, sample, what, *sub)


def _evaluates(entry: Located[Any], condition: Condition, sample: dict[str, Any], what: str,
               *sub: str | int) -> Iterator[Problem]:
    unknown = unknown_functions(condition)
    if unknown:
        yield entry.problem(f"{what} `{condition.source}` 用到未知函数 {', '.join(unknown)}",
                            *sub)
        return
    reason = check(condition, sample)
    if reason:
        yield entry.problem(f"{what}：{reason}", *sub)


def _questions(entry: Located[BundleSpec]) -> Iterator[Problem]:
    seen: set[str] = set()
    for j, q in enumerate(entry.spec.questions):
        sub = ("questions", j)
        name = f"一件事 {entry.spec.code} 的情形 {q.code}"
        if q.code in seen:
            yield entry.problem(f"{name} 重复定义", *sub, "code")
        seen.add(q.code)
        if q.code in RESERVED_WORDS:
            yield entry.problem(f"{name}：`{q.code}` 是表达式保留字，不能作情形代码", *sub, "code")
        has_options = q.type in (QuestionType.choice, QuestionType.multichoice)
        if has_options and not q.options:
            yield entry.problem(f"{name} 是选择题，必须列出 options（代码: 名称）", *sub, "type")
        if q.options and not has_options:
            yield entry.problem(f"{name} 不是选择题，不应有 options", *sub, "options")
        if q.default is not None and answer_problem(q, q.default) is not None:
            yield entry.problem(f"{name} 的默认值无效：{answer_problem(q, q.default)}",
                                *sub, "default")


def _sample_answers(questions: Iterable[QuestionSpec]) -> dict[str, Any]:
    """One representative answer per question, to type-check expressions."""
    sample: dict[str, Any] = {}
    for q in questions:
        options = list(q.options or {})
        fallback: dict[QuestionType, Any] = {
            QuestionType.bool: False, QuestionType.number: 0.0, QuestionType.integer: 0,
            QuestionType.text: "", QuestionType.choice: options[0] if options else "",
            QuestionType.multichoice: options[:1],
        }
        value = q.default if q.default is not None else fallback[q.type]
        if q.type == QuestionType.number and isinstance(value, int | float):
            value = float(value)
        sample[q.code] = value
    return sample


# --- the merged document -------------------------------------------------------


def _document(c: Collected) -> CatalogFileSpec:
    """The merged catalog, entries sorted by code so file layout does not change the version."""
    return CatalogFileSpec.model_validate(
        {
            section: sorted((e.spec for e in located), key=lambda s: s.code)
            for section, located in c.entries.items()
        }
    )
