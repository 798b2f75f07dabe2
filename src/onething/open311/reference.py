"""What the Open311 door offers: `data/services.yaml` (the attributes of every service and
each service's own description, keywords and attributes) over the hotline's 诉求分类 leaves
marked `open311: true`. Every problem is reported at its `file:line`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from onething.catalog.source import Problem, SourceFile, read_file
from onething.hotline.reference import DATA_DIR as HOTLINE_DATA
from onething.hotline.reference import Category
from onething.hotline.rules import Kind, Urgency

SERVICES_FILE = Path(__file__).resolve().parent / "data" / "services.yaml"
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
MAPS_TO = {"kind": Kind, "urgency": Urgency, "region": None}
CODE_MAX = 32


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    description: str
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (key, name)
    maps_to: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    description: str
    keywords: tuple[str, ...]
    attributes: tuple[Attribute, ...]


class DataError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _attributes(source: SourceFile, node: Any, at: tuple[str | int, ...],
                problems: list[Problem], taken: set[str]) -> list[Attribute]:
    def problem(path: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(source.name, source.line(path), message))

    if not isinstance(node, CommentedSeq):
        problem(at, "attributes 应为属性的列表")
        return []
    found = []
    for index, item in enumerate(node):
        where: tuple[str | int, ...] = (*at, index)
        if not isinstance(item, CommentedMap):
            problem(where, "属性应为映射（code、datatype、required、description 等）")
            continue
        allowed = {"code", "datatype", "required", "description", "datatype_description",
                   "values", "maps_to", "default"}
        for key in item:
            if key not in allowed:
                problem((*where, key), f"未知的键 {key}（应为：{'、'.join(sorted(allowed))}）")
        code = str(item.get("code") or "").strip()
        if not code or len(code) > CODE_MAX or not code.replace("_", "").isalnum() \
                or not code.isascii():
            problem((*where, "code") if "code" in item else where,
                    f"code 应为 1 至 {CODE_MAX} 位字母、数字或下划线")
            continue
        if code in taken:
            problem((*where, "code"), f"属性代码 {code} 重复")
        taken.add(code)
        datatype = item.get("datatype")
        if datatype not in DATATYPES:
            problem((*where, "datatype") if "datatype" in item else where,
                    f"datatype 应为 {'、'.join(DATATYPES)} 之一，而不是 {datatype!r}")
            continue
        required = item.get("required", False)
        if not isinstance(required, bool):
            problem((*where, "required"), "required 应为 true 或 false")
            required = False
        description = str(item.get("description") or "").strip()
        if not description:
            problem(where, "缺少 description（属性的说明，即向用户提的问题）")
        values: list[tuple[str, str]] = []
        raw = item.get("values")
        if datatype in LISTS:
            if not isinstance(raw, CommentedSeq) or not raw:
                problem((*where, "values") if "values" in item else where,
                        f"{datatype} 须有 values（{{key, name}} 的列表）")
            else:
                for i, value in enumerate(raw):
                    if (not isinstance(value, CommentedMap) or set(value) != {"key", "name"}
                            or not str(value["key"]).strip() or not str(value["name"]).strip()):
                        problem((*where, "values", i), "每个取值应写作 {key: 键, name: 名称}")
                        continue
                    key = str(value["key"]).strip()
                    if key in (k for k, _ in values):
                        problem((*where, "values", i), f"取值 {key} 重复")
                    values.append((key, str(value["name"]).strip()))
        elif raw is not None:
            problem((*where, "values"), f"{datatype} 类型的属性没有 values")
        maps_to = item.get("maps_to")
        if maps_to is not None:
            if maps_to not in MAPS_TO:
                problem((*where, "maps_to"), f"maps_to 应为 {'、'.join(MAPS_TO)} 之一")
                maps_to = None
            elif (enum := MAPS_TO[maps_to]) is not None:
                if datatype != "singlevaluelist":
                    problem((*where, "datatype"), f"映射到 {maps_to} 的属性应为 singlevaluelist")
                for key, _ in values:
                    if key not in enum.__members__:
                        problem((*where, "values"), f"{key} 不是工单的 {maps_to} 取值（应为 "
                                                    f"{'、'.join(enum.__members__)}）")
        default = item.get("default")
        if default is not None and values and str(default) not in (k for k, _ in values):
            problem((*where, "default"), f"default {default} 不在 values 中")
        found.append(Attribute(code, str(datatype), required, description,
                               str(item.get("datatype_description") or "").strip(),
                               tuple(values), maps_to, None if default is None else str(default)))
    return found


def read_services(path: Path, categories: Mapping[str, Category]
                  ) -> tuple[dict[str, Service] | None, list[Problem]]:
    """The services of `path` over the 诉求分类 `categories`, or every problem found."""
    source, problems = read_file(path, str(path), top="文件顶层必须是映射", empty_ok=False)
    if source is None:
        return None, problems
    tree = source.tree
    for key in tree:
        if key not in ("source", "attributes", "services"):
            problems.append(Problem(source.name, source.line((key,)),
                                    f"未知的键 {key}（应为：source、attributes、services）"))
    common = _attributes(source, tree.get("attributes", CommentedSeq()), ("attributes",),
                         problems, set())
    mapped = [a.maps_to for a in common if a.maps_to]
    if len(set(mapped)) != len(mapped):
        problems.append(Problem(source.name, source.line(("attributes",)),
                                "同一个工单字段只能由一个属性映射"))
    own = tree.get("services", CommentedMap())
    if not isinstance(own, CommentedMap):
        problems.append(Problem(source.name, source.line(("services",)),
                                "services 应为以分类代码为键的映射"))
        own = CommentedMap()
    offered = {code: c for code, c in categories.items() if c.leaf and c.open311}
    services = {}
    for code, node in own.items():
        at: tuple[str | int, ...] = ("services", code)
        if str(code) not in offered:
            problems.append(Problem(source.name, source.line(at),
                                    f"{code} 不是开放给 Open311 的末级诉求分类"))
            continue
        if not isinstance(node, CommentedMap):
            problems.append(Problem(source.name, source.line(at),
                                    "服务应为映射（description、keywords、attributes）"))
    for code, category in offered.items():
        node = own.get(code)
        node = node if isinstance(node, CommentedMap) else CommentedMap()
        at = ("services", code)
        for key in node:
            if key not in ("description", "keywords", "attributes"):
                problems.append(Problem(source.name, source.line((*at, key)),
                                        f"未知的键 {key}（应为：description、keywords、"
                                        "attributes）"))
        keywords = node.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            problems.append(Problem(source.name, source.line((*at, "keywords")),
                                    "keywords 应为文字的列表"))
            keywords = []
        extra = _attributes(source, node["attributes"], (*at, "attributes"), problems,
                            {a.code for a in common}) if "attributes" in node else []
        if any(a.maps_to for a in extra):
            problems.append(Problem(source.name, source.line((*at, "attributes")),
                                    "maps_to 只能用在所有服务共有的 attributes 中"))
        parent = categories.get(category.parent or "")
        services[code] = Service(
            code, category.name, parent.name if parent else "",
            str(node.get("description") or category.name).strip(), tuple(keywords),
            (*common, *extra))
    if problems:
        return None, problems
    return services, []


@lru_cache(maxsize=4)
def _load(path: str, categories: tuple[tuple[str, Category], ...]) -> dict[str, Service]:
    services, problems = read_services(Path(path), dict(categories))
    if services is None:
        raise DataError(problems)
    return services


_IN_FORCE: list[Path] = [SERVICES_FILE, HOTLINE_DATA / "categories.yaml"]


def configure(hotline_directory: str | None, categories: Mapping[str, Category]
              ) -> dict[str, Service]:
    """The services file in force: `open311.yaml` beside the hotline's own data when
    `ONETHING_HOTLINE_DATA` names a directory holding one (a province that replaces the
    诉求分类 says there what it offers), else the shipped file. Read at the start: a
    malformed one stops it with its `file:line` problems (DataError)."""
    given = Path(hotline_directory) / "open311.yaml" if hotline_directory else None
    _IN_FORCE[0] = given if given is not None and given.exists() else SERVICES_FILE
    _IN_FORCE[1] = Path(hotline_directory or HOTLINE_DATA) / "categories.yaml"
    return services(categories)


def changed_at() -> dt.datetime:
    """When what the door offers last changed: the later modification of the services
    file and of the 诉求分类 in force (Service Discovery's `changeset`)."""
    stamps = [p.stat().st_mtime for p in _IN_FORCE if p.exists()]
    return dt.datetime.fromtimestamp(max(stamps, default=0), dt.UTC)


def services(categories: Mapping[str, Category], path: Path | None = None
             ) -> dict[str, Service]:
    """The services offered over `categories` (the hotline data in force); DataError if the
    file is malformed."""
    return _load(str(path or _IN_FORCE[0]), tuple(categories.items()))
