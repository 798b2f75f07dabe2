"""Small helpers for the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    yaml = YAML()
    yaml.default_flow_style = False
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return path


def answer_everything(bundle: Any, yes: bool = True) -> dict[str, Any]:
    """Answers that make as much of a bundle apply as simple answers can."""
    answers: dict[str, Any] = {}
    for q in bundle.questions:
        options = list(q.options or {})
        answers[q.code] = {
            "bool": yes, "number": 1000, "integer": 10, "text": "测试",
            "choice": options[-1] if options else None, "multichoice": options,
        }[q.type.value]
    return answers
