"""The package format (docs/EXCHANGE.md; the JSON Schema beside this module is the one the
documentation publishes): validation with the problems named by their JSON path. Pure."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from onething.kernel.errors import FieldProblem

FORMAT = "onething-exchange/1"
SCHEMA_PATH = Path(__file__).with_name("package.schema.json")


@cache
def schema() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return found


@cache
def _validator(definition: str | None) -> Draft202012Validator:
    whole = schema()
    target = whole if definition is None else {**whole["$defs"][definition],
                                               "$defs": whole["$defs"]}
    return Draft202012Validator(target)


def path_of(parts: Any) -> str:
    """A JSON path as the problems name it: body.materials.0.sha256 (the document when
    empty)."""
    return ".".join(str(p) for p in parts) or "package"


def problems(document: Any, definition: str | None = None) -> list[FieldProblem]:
    """What breaks the schema (the package, or one of its `$defs`), each at its path."""
    found = sorted(_validator(definition).iter_errors(document),
                   key=lambda e: [str(p) for p in e.absolute_path])
    seen: dict[str, str] = {}
    for error in found:
        path = path_of(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = f"{path}.{missing}" if path != "package" and missing else (missing or path)
            seen.setdefault(path, "缺少该项")
        elif error.validator == "additionalProperties":
            seen.setdefault(path, f"含有格式未定义的项：{error.message}")
        else:
            seen.setdefault(path, f"不符合格式：{error.message[:200]}")
    return [FieldProblem(path, message) for path, message in seen.items()]
