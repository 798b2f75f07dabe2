"""智能办 (秒批): whether an item's automatic rule holds for an application (pure).

The rule's conditions read the application's form (the item's fields, typed as its checks
see them), the licence types the applicant holds, the applicant's profile from the shared
data (`catalog.profile`), their credit and today. Every condition must hold and the
applicant may use 秒批 (no current 失信 record) for the platform to decide the task; else
the first condition not met — or the data missing to tell — is what the approver is shown.
The facts the rule read are kept with the outcome (on the timeline and in the audit trail).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from onething.catalog.expressions import ExpressionError, day_start, form_value, named_fields
from onething.catalog.linked import FormField, Item
from onething.catalog.privacy import masked_form

_PROFILE = re.compile(r"\bprofile\s*\.\s*([A-Za-z_]\w*)(?:\s*\.\s*([A-Za-z_]\w*))?")
_LITERAL = re.compile(r"'([^'\\]*)'|\"([^\"\\]*)\"")
MISSING = "（共享数据或申请信息中缺少比对所需的信息）"


@dataclass(frozen=True)
class Outcome:
    held: bool  # every condition held and 秒批 is open to the applicant
    unmet: str | None  # the condition not met, or why 秒批 is not open
    facts: dict[str, Any]  # what the rule read, as JSON


@dataclass(frozen=True)
class Inputs:
    """What the rule may read about one application."""

    form: Mapping[str, Any]  # the application's form, as stored
    fields: Mapping[str, FormField]  # the catalog's fields
    licences: Iterable[str]  # licence types held, valid today
    profile: Mapping[str, Any]  # catalog.profile.context of the applicant
    bad_credit: bool
    good_credit: bool
    credit_bar: str | None  # why 秒批 is not open to the applicant (a 失信 record), if so
    today: dt.date


def context(inputs: Inputs) -> dict[str, Any]:
    form = {code: form_value(inputs.fields[code].type, value)
            for code, value in inputs.form.items()
            if code in inputs.fields and value not in (None, "")}
    return {"form": form, "licences": sorted(inputs.licences),
            "profile": dict(inputs.profile),
            "credit": {"bad": inputs.bad_credit, "good": inputs.good_credit},
            "today": day_start(inputs.today)}


def decide(item: Item, inputs: Inputs) -> Outcome:
    """Whether the platform decides `item`'s task for this application, and on what."""
    variables = context(inputs)
    facts = _read(item, inputs, variables)
    for rule, text in item.auto:
        try:
            if not rule.holds(variables):
                return Outcome(False, text, facts)
        except ExpressionError:
            return Outcome(False, f"{text}{MISSING}", facts)
    if inputs.credit_bar:
        return Outcome(False, inputs.credit_bar, facts)
    return Outcome(True, None, facts)


def _read(item: Item, inputs: Inputs, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The facts the rules name: the form fields, the licences, the profile's parts, the
    credit, each as JSON."""
    sources = [rule.source for rule, _ in item.auto]
    names = set().union(*(rule.variables for rule, _ in item.auto))
    found: dict[str, Any] = {}
    fields = [f for s in sources for f in named_fields(s)]
    if fields:
        found["form"] = masked_form({f: inputs.form.get(f) for f in dict.fromkeys(fields)},
                                    inputs.fields)
    if "licences" in names:  # those the rules name, held or not: not the whole wallet
        named = {a or b for s in sources for a, b in _LITERAL.findall(s)}
        found["licences"] = sorted(t for t in inputs.licences if t in named)
    parts = [p for s in sources for p in _PROFILE.findall(s)]
    if parts:  # only the facts named: a data set's other facts are none of the case's
        profile = variables["profile"]
        shown: dict[str, Any] = {}
        for part, fact in parts:
            value = profile.get(part)
            if fact and isinstance(value, Mapping):
                shown.setdefault(part, {})[fact] = _json(value.get(fact))
            else:
                shown[part] = _json(value)
        found["profile"] = shown
    found["credit"] = dict(variables["credit"])
    return found


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value
