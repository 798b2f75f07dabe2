"""The hotline's data: the 诉求分类 tree, the 派单目录 and the time limits, as YAML files
(`data/` by default; `ONETHING_HOTLINE_DATA` names another directory holding the same three
files). Every problem is reported at its `file:line`; departments and regions are checked
against the catalog when a ticket is dispatched (the catalog may change under the data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from onething.catalog.source import Problem, SourceFile, read_file
from onething.hotline.rules import LEVELS, Kind, Limit, MergeRule, Urgency

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = ("categories.yaml", "dispatch.yaml", "limits.yaml")
MAX_DEPTH = 3


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    parent: str | None
    leaf: bool
    open311: bool = False


@dataclass(frozen=True)
class OfficeRef:
    """A department of the catalog at a level (the ticket's region or its ancestor)."""

    department: str
    level: str


@dataclass(frozen=True)
class DispatchRule:
    category: str
    host: OfficeRef
    assist: tuple[OfficeRef, ...] = ()
    regions: tuple[str, ...] = ()  # empty: everywhere


@dataclass(frozen=True)
class LimitRule:
    region: str
    kinds: frozenset[Kind]
    urgency: frozenset[Urgency]
    sign: Limit | None
    reply: Limit | None
    source: str


@dataclass(frozen=True)
class HotlineData:
    categories: Mapping[str, Category]
    rules: tuple[DispatchRule, ...]
    fallback_department: str
    fallback_name: str
    province: str
    lat: tuple[float, float]
    long: tuple[float, float]
    limits: tuple[LimitRule, ...]
    sources: Mapping[str, str] = field(default_factory=dict)  # file → its `source`
    merge: MergeRule = field(default_factory=MergeRule)  # 并单
    # 好差评: the category of the complaint a bad rating opens, by what was rated
    ratings: Mapping[str, str] = field(default_factory=lambda: {"window": "0503",
                                                                "department": "0504"})


class DataError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _Reader:
    def __init__(self, source: SourceFile) -> None:
        self.source, self.problems = source, list[Problem]()

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(self.source.name, self.source.line(path), message))

    def text(self, node: Any, key: str, at: tuple[str | int, ...]) -> str:
        value = node.get(key) if isinstance(node, CommentedMap) else None
        if value is None or not str(value).strip() or isinstance(value, bool | list | dict):
            self.problem((*at, key) if isinstance(node, CommentedMap) and key in node else at,
                         f"缺少 {key}（应为非空文字）")
            return ""
        return str(value).strip()

    def unknown(self, node: CommentedMap, allowed: set[str], at: tuple[str | int, ...]) -> None:
        for key in node:
            if key not in allowed:
                self.problem((*at, key), f"未知的键 {key}（应为：{'、'.join(sorted(allowed))}）")

    def items(self, tree: Any, key: str) -> list[tuple[int, Any]]:
        value = tree.get(key)
        if not isinstance(value, CommentedSeq) or not value:
            self.problem((key,) if key in tree else (), f"{key} 应为非空列表")
            return []
        return list(enumerate(value))


def _categories(r: _Reader) -> dict[str, Category]:
    found: dict[str, Category] = {}

    def walk(node: Any, at: tuple[str | int, ...], parent: str | None, depth: int) -> None:
        if not isinstance(node, CommentedMap):
            r.problem(at, "分类应为映射（code、name、children 或 open311）")
            return
        r.unknown(node, {"code", "name", "children", "open311"}, at)
        code, name = r.text(node, "code", at), r.text(node, "name", at)
        if code and (not code.isdigit() or len(code) != 2 * depth
                     or (parent and not code.startswith(parent))):
            r.problem((*at, "code"), f"分类代码 {code} 应为 {2 * depth} 位数字"
                      + (f"，以上级代码 {parent} 开头" if parent else ""))
        elif code in found:
            r.problem((*at, "code"), f"分类代码 {code} 重复")
        children = node.get("children")
        open311 = node.get("open311", False)
        if not isinstance(open311, bool):
            r.problem((*at, "open311"), "open311 应为 true 或 false")
        if children is not None and (not isinstance(children, CommentedSeq) or not children):
            r.problem((*at, "children"), "children 应为非空列表")
            children = None
        if children and open311:
            r.problem((*at, "open311"), "只有末级分类（没有 children）可以开放给 Open311")
        if children and depth >= MAX_DEPTH:
            r.problem((*at, "children"), f"分类最多 {MAX_DEPTH} 级")
            children = None
        if code and name:
            found[code] = Category(code, name, parent, not children, open311 is True)
        for index, child in enumerate(children or []):
            walk(child, (*at, "children", index), code, depth + 1)

    for index, node in r.items(r.source.tree, "categories"):
        walk(node, ("categories", index), None, 1)
    return found


def _office(r: _Reader, node: Any, at: tuple[str | int, ...]) -> OfficeRef | None:
    if not isinstance(node, CommentedMap):
        r.problem(at, "单位应写作 {department: 部门代码, level: county|city|province}")
        return None
    r.unknown(node, {"department", "level"}, at)
    department = r.text(node, "department", at)
    level = node.get("level", "county")
    if level not in LEVELS:
        r.problem((*at, "level"), f"level 应为 {'、'.join(LEVELS)}，而不是 {level!r}")
        return None
    return OfficeRef(department, str(level)) if department else None


def _number(r: _Reader, node: CommentedMap, key: str, at: tuple[str | int, ...],
            low: float, high: float, default: float) -> float:
    value = node.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        r.problem((*at, key) if key in node else at,
                  f"{key} 应为 {low:g} 至 {high:g} 之间的数，而不是 {value!r}")
        return default
    return float(value)


def _merge(r: _Reader) -> MergeRule:
    """`merge: {window_hours: N, metres: M}` (并单), both optional."""
    node = r.source.tree.get("merge")
    if node is None:
        return MergeRule()
    if not isinstance(node, CommentedMap):
        r.problem(("merge",), "merge 应写作 {window_hours: 小时数, metres: 米数}")
        return MergeRule()
    r.unknown(node, {"window_hours", "metres"}, ("merge",))
    hours = _number(r, node, "window_hours", ("merge",), 1, 720, 72)
    if hours != int(hours):
        r.problem(("merge", "window_hours"), "window_hours 应为整数")
    return MergeRule(int(hours), _number(r, node, "metres", ("merge",), 1, 10_000, 300))


def _ratings(r: _Reader, categories: Mapping[str, Category]) -> dict[str, str]:
    """`ratings: {window: 分类, department: 分类}`: the category leaf of the complaint a
    bad 好差评 rating opens, by what was rated."""
    found = {"window": "0503", "department": "0504"}
    node = r.source.tree.get("ratings")
    if node is None:
        given: Mapping[str, Any] = {}
    elif not isinstance(node, CommentedMap):
        r.problem(("ratings",), "ratings 应写作 {window: 分类代码, department: 分类代码}")
        return found
    else:
        r.unknown(node, set(found), ("ratings",))
        given = node
    for key in found:
        code = str(given.get(key, found[key]))
        category = categories.get(code)
        if category is None or not category.leaf:
            r.problem(("ratings", key) if key in given else (),
                      f"ratings.{key}：{code} 不是诉求分类的小类")
        found[key] = code
    return found


def _dispatch(r: _Reader, categories: Mapping[str, Category]
              ) -> tuple[list[DispatchRule], str, str, str, Any, Any]:
    tree = r.source.tree
    r.unknown(tree, {"source", "province", "fallback", "rules", "merge", "ratings"}, ())
    province = tree.get("province")
    region, lat, long = "", (0.0, 0.0), (0.0, 0.0)
    if not isinstance(province, CommentedMap):
        r.problem(("province",) if "province" in tree else (),
                  "缺少 province（region 省级区划代码，bounds 经纬度范围）")
    else:
        region = r.text(province, "region", ("province",))
        bounds = province.get("bounds")
        pairs = []
        for key in ("lat", "long"):
            pair = bounds.get(key) if isinstance(bounds, CommentedMap) else None
            if (not isinstance(pair, CommentedSeq) or len(pair) != 2
                    or not all(isinstance(v, int | float) and not isinstance(v, bool)
                               for v in pair) or pair[0] >= pair[1]):
                r.problem(("province", "bounds"),
                          f"bounds.{key} 应为 [最小值, 最大值] 两个数")
                pairs.append((0.0, 0.0))
            else:
                pairs.append((float(pair[0]), float(pair[1])))
        lat, long = pairs
    fallback = tree.get("fallback")
    fb_department = fb_name = ""
    if not isinstance(fallback, CommentedMap):
        r.problem(("fallback",) if "fallback" in tree else (),
                  "缺少 fallback（兜底单位：department、name）")
    else:
        fb_department = r.text(fallback, "department", ("fallback",))
        fb_name = r.text(fallback, "name", ("fallback",))
    rules: list[DispatchRule] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for index, node in r.items(tree, "rules"):
        at: tuple[str | int, ...] = ("rules", index)
        if not isinstance(node, CommentedMap):
            r.problem(at, "规则应为映射（category、host、assist、regions）")
            continue
        r.unknown(node, {"category", "host", "assist", "regions"}, at)
        category = r.text(node, "category", at)
        if category and category not in categories:
            r.problem((*at, "category"), f"没有代码为 {category} 的诉求分类")
        host = _office(r, node.get("host"), (*at, "host"))
        assist_raw = node.get("assist", [])
        assist = []
        if not isinstance(assist_raw, CommentedSeq) and assist_raw != []:
            r.problem((*at, "assist"), "assist 应为协办单位的列表")
        else:
            for i, item in enumerate(assist_raw):
                office = _office(r, item, (*at, "assist", i))
                if office is not None:
                    assist.append(office)
        regions_raw = node.get("regions", [])
        if not isinstance(regions_raw, CommentedSeq) and regions_raw != []:
            r.problem((*at, "regions"), "regions 应为行政区划代码的列表")
            regions_raw = []
        regions = tuple(str(v) for v in regions_raw)
        rule_key = (category, tuple(sorted(regions)))
        if rule_key in seen:
            r.problem(at, f"分类 {category} 在相同地区已有派单规则")
        seen.add(rule_key)
        if category and host is not None:
            rules.append(DispatchRule(category, host, tuple(assist), regions))
    return rules, fb_department, fb_name, region, lat, long


def _limit(r: _Reader, node: Any, at: tuple[str | int, ...]) -> Limit | None:
    if node is None:
        return None
    if not isinstance(node, CommentedMap) or len(node) != 1 or next(iter(node)) not in (
            "working_days", "hours"):
        r.problem(at, "时限应写作 {working_days: N} 或 {hours: N}")
        return None
    unit, value = next(iter(node.items()))
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 365:
        r.problem((*at, unit), f"{unit} 应为大于 0、不超过 365 的数，而不是 {value!r}")
        return None
    if unit == "working_days" and not isinstance(value, int):
        r.problem((*at, unit), "working_days 应为整数")
        return None
    return Limit(str(unit), float(value))


def _choices(r: _Reader, node: Any, key: str, enum: Any, at: tuple[str | int, ...]
             ) -> frozenset[Any]:
    value = node.get(key)
    if value == "all":
        return frozenset(enum)
    values = value if isinstance(value, CommentedSeq) else [value]
    found = set()
    for v in values:
        if v not in enum.__members__:
            r.problem((*at, key), f"{key} 应为 all 或 {'、'.join(enum.__members__)} 的列表，"
                                  f"而不是 {v!r}")
        else:
            found.add(enum(v))
    return frozenset(found)


def _limits(r: _Reader) -> list[LimitRule]:
    found = []
    r.unknown(r.source.tree, {"source", "limits"}, ())
    for index, node in r.items(r.source.tree, "limits"):
        at: tuple[str | int, ...] = ("limits", index)
        if not isinstance(node, CommentedMap):
            r.problem(at, "时限应为映射（region、kinds、urgency、sign、reply、source）")
            continue
        r.unknown(node, {"region", "kinds", "urgency", "sign", "reply", "source"}, at)
        region, source = r.text(node, "region", at), r.text(node, "source", at)
        kinds = _choices(r, node, "kinds", Kind, at)
        urgency = _choices(r, node, "urgency", Urgency, at)
        sign, reply = _limit(r, node.get("sign"), (*at, "sign")), _limit(
            r, node.get("reply"), (*at, "reply"))
        if "sign" not in node and "reply" not in node:
            r.problem(at, "时限须写明 sign（签收）或 reply（答复）")
        found.append(LimitRule(region, kinds, urgency, sign, reply, source))
    return found


def read_data(directory: Path) -> tuple[HotlineData | None, list[Problem]]:
    """The three files of `directory`, or every problem found in them."""
    sources: dict[str, SourceFile] = {}
    problems: list[Problem] = []
    for name in FILES:
        path = directory / name
        source, found = read_file(path, str(path), top="文件顶层必须是映射", empty_ok=False)
        problems += found
        if source is not None:
            sources[name] = source
    if problems:
        return None, problems
    readers = {name: _Reader(source) for name, source in sources.items()}
    categories = _categories(readers["categories.yaml"])
    rules, fb_dep, fb_name, province, lat, long = _dispatch(readers["dispatch.yaml"],
                                                            categories)
    merge = _merge(readers["dispatch.yaml"])
    rated = _ratings(readers["dispatch.yaml"], categories)
    limits = _limits(readers["limits.yaml"])
    _complete(readers["limits.yaml"], limits, province)
    for reader in readers.values():
        problems += reader.problems
    if problems:
        return None, problems
    described = {name: str(s.tree.get("source", "")) for name, s in sources.items()}
    return HotlineData(categories, tuple(rules), fb_dep, fb_name, province, lat, long,
                       tuple(limits), described, merge, rated), []


def _complete(r: _Reader, limits: list[LimitRule], province: str) -> None:
    """The province itself must have a 签收 and an 答复 limit for every kind and urgency."""
    for what in ("sign", "reply"):
        for kind in Kind:
            for urgency in Urgency:
                if not any(rule.region == province and kind in rule.kinds
                           and urgency in rule.urgency and getattr(rule, what) is not None
                           for rule in limits):
                    r.problem(("limits",), f"省级（{province}）缺少 {kind.value}/"
                              f"{urgency.value} 的 {what} 时限")


def validate(directory: Path) -> list[Problem]:
    return read_data(directory)[1]


@lru_cache(maxsize=4)
def load_data(directory: str | None = None) -> HotlineData:
    """The data in force (`ONETHING_HOTLINE_DATA`, else the shipped files); DataError if
    malformed."""
    data, problems = read_data(Path(directory) if directory else DATA_DIR)
    if data is None:
        raise DataError(problems)
    return data


# --- using the data (pure) ------------------------------------------------------------


@dataclass(frozen=True)
class Office:
    """An office that handles tickets: a department in a region."""

    department: str
    region: str


@dataclass(frozen=True)
class Suggestion:
    host: Office
    assist: tuple[Office, ...]
    fallback: bool  # 兜底: no rule covers the category here


def _at_level(regions: Mapping[str, Any], region: str, level: str) -> str:
    """The ticket's region or its ancestor at `level`; the region itself if it lies above."""
    for code in _chain(regions, region):
        if str(getattr(regions[code].level, "value", regions[code].level)) == level:
            return code
    return region


def _chain(regions: Mapping[str, Any], region: str) -> list[str]:
    chain: list[str] = []
    code: str | None = region
    while code is not None and code in regions and code not in chain:
        chain.append(code)
        code = regions[code].parent
    return chain


def suggest(data: HotlineData, regions: Mapping[str, Any], departments: Mapping[str, Any],
            category: str, region: str) -> Suggestion:
    """The 派单目录's offices for `category` in `region`: the rule of the category (or of its
    ancestors in the tree), the one for the nearest of the region's ancestors first, then
    the one for everywhere; 兜底 to the region's government if none applies or its
    department is not in the catalog."""
    chain = _chain(regions, region)
    codes = []
    code: str | None = category
    while code is not None and code in data.categories:
        codes.append(code)
        code = data.categories[code].parent
    best: tuple[int, int, DispatchRule] | None = None
    for rule in data.rules:
        if rule.category not in codes:
            continue
        near = min((chain.index(r) for r in rule.regions if r in chain), default=None)
        if rule.regions and near is None:
            continue
        rank = (codes.index(rule.category), len(chain) if near is None else near)
        if best is None or rank < best[:2]:
            best = (*rank, rule)
    if best is None or best[2].host.department not in departments:
        return Suggestion(Office(data.fallback_department, region), (), True)
    rule = best[2]
    return Suggestion(
        Office(rule.host.department, _at_level(regions, region, rule.host.level)),
        tuple(Office(a.department, _at_level(regions, region, a.level)) for a in rule.assist
              if a.department in departments), False)


def limit_for(data: HotlineData, regions: Mapping[str, Any], region: str, kind: Kind,
              urgency: Urgency, what: str) -> LimitRule:
    """The 签收 (`sign`) or 答复 (`reply`) limit in force for a ticket: the nearest region's
    rule that covers its kind and urgency (the province always has one)."""
    chain = _chain(regions, region)
    if data.province not in chain:
        chain.append(data.province)
    for code in chain:
        for rule in data.limits:
            if (rule.region == code and kind in rule.kinds and urgency in rule.urgency
                    and getattr(rule, what) is not None):
                return rule
    raise LookupError(f"no {what} limit for {region}")  # read_data ensures the province's


def inside(data: HotlineData, lat: float, long: float) -> bool:
    return data.lat[0] <= lat <= data.lat[1] and data.long[0] <= long <= data.long[1]


_IN_FORCE: list[str | None] = [None]


def configure(directory: str | None) -> HotlineData:
    """Sets the data in force (`ONETHING_HOTLINE_DATA`) and reads it: a malformed file stops
    the start with its `file:line` problems."""
    _IN_FORCE[0] = directory or None
    return load_data(_IN_FORCE[0])


def in_force() -> HotlineData:
    return load_data(_IN_FORCE[0])
