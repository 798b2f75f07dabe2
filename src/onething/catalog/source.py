"""Reading catalog YAML files while remembering where every value was written."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the catalog, at a place a person can open."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass
class SourceFile:
    """One parsed YAML file: its display name and the ruamel tree (which keeps lines)."""

    name: str
    tree: Any

    def line(self, path: Sequence[str | int]) -> int:
        """1-based line of the deepest node of `path` that exists in the file."""
        node = self.tree
        line = 1
        for step in path:
            if isinstance(node, CommentedMap) and step in node:
                pos = node.lc.data.get(step)  # None for keys merged in with `<<: *anchor`
                if pos is None:
                    break
                line = pos[0] + 1
                node = node[step]
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
                pos = node.lc.item(step)
                line = pos[0] + 1 if pos else line
                node = node[step]
            else:
                break
        return line


def catalog_files(directory: Path) -> list[Path]:
    """Every `*.yaml` / `*.yml` file below `directory`, in a stable order."""
    found = [p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    return sorted(found, key=lambda p: p.relative_to(directory).as_posix())


def plain(node: Any) -> Any:
    """The ruamel tree as plain dicts, lists and scalars (for Pydantic and JSON)."""
    if isinstance(node, dict):
        return {plain(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


CATALOG_TOP = "文件顶层必须是映射（regions/departments/fields/materials/items/bundles）"
# Values a file may hold once its aliases (`*anchor`) are expanded: a few hundred bytes of
# nested aliases would otherwise expand to billions (the "billion laughs").
MAX_VALUES = 2_000_000


def expanded_size(node: Any, seen: dict[int, int] | None = None) -> int:
    """How many values `node` holds with every alias expanded, counted once per shared
    node (linear in the parsed tree, whatever the expansion)."""
    seen = {} if seen is None else seen
    if not isinstance(node, dict | list):
        return 1
    key = id(node)
    if key not in seen:
        seen[key] = 0  # a node holding itself (a recursive alias) counts once
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        seen[key] = 1 + sum(expanded_size(child, seen) for child in children)
    return seen[key]


def read_file(path: Path, display: str, *, top: str = CATALOG_TOP,
              empty_ok: bool = True) -> tuple[SourceFile | None, list[Problem]]:
    """Parse one YAML file of mappings; a file that cannot be read or parsed yields a problem,
    never an exception. `top` says what the top level must be; an empty file is an empty
    mapping when `empty_ok`, else that problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(display, 1, f"文件不是 UTF-8 编码（第 {exc.start} 字节）")]
    except OSError as exc:
        return None, [Problem(display, 1, f"无法读取文件：{exc.strerror}")]
    try:
        tree = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "YAML 语法错误"
        return None, [Problem(display, line, f"YAML 语法错误：{what}")]
    except YAMLError as exc:
        return None, [Problem(display, 1, f"YAML 语法错误：{exc}")]
    except RecursionError:
        return None, [Problem(display, 1, "YAML 嵌套层级过深")]
    try:
        size = expanded_size(tree)
    except RecursionError:
        return None, [Problem(display, 1, "YAML 嵌套层级过深")]
    if size > MAX_VALUES:
        return None, [Problem(display, 1, f"别名（*）展开后超过 {MAX_VALUES:,} 个值，文件不予读取")]
    if tree is None and empty_ok:
        return SourceFile(display, CommentedMap()), []
    if not isinstance(tree, CommentedMap):
        return None, [Problem(display, 1, top)]
    return SourceFile(display, tree), []


def read_directory(directory: Path, *, relative: bool = False
                   ) -> tuple[list[SourceFile], list[Problem]]:
    """Every catalog file below `directory`, each named by its path (`relative`: by its path
    inside `directory`, as an uploaded catalog's files are shown)."""
    if not directory.is_dir():
        return [], [Problem(str(directory), 0, "目录不存在")]
    files: list[SourceFile] = []
    problems: list[Problem] = []
    paths = catalog_files(directory)
    if not paths:
        problems.append(Problem(str(directory), 0, "目录下没有 *.yaml 目录文件"))
    for path in paths:
        display = path.relative_to(directory).as_posix() if relative else str(path)
        source, found = read_file(path, display)
        problems.extend(found)
        if source is not None:
            files.append(source)
    return files, problems


def entries(source: SourceFile, section: str) -> Iterator[tuple[int, Any]]:
    """The (index, raw entry) pairs of one top-level list of a file."""
    value = source.tree.get(section)
    if isinstance(value, list):
        yield from enumerate(value)
