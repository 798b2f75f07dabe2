"""The guide (智能导办): bundle + answers (+ licences held) → what to do, bring and expect.

Pure computation over the in-memory catalog; no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from onething.catalog.answers import answer_problem
from onething.catalog.expressions import Condition, ExpressionError, answers_context
from onething.catalog.model import Bundle, Catalog, FormField, Item, Material


class MaterialStatus(StrEnum):
    submit = "submit"  # the applicant brings or uploads it
    licence = "licence"  # the applicant holds an electronic licence of its type
    produced = "produced"  # an earlier stage of this bundle issues it
    commitment = "commitment"  # a signed commitment (告知承诺) replaces it


@dataclass(frozen=True)
class AnswerProblem:
    question: str
    message: str


class GuideError(ValueError):
    """Bad input to the guide: an unknown bundle or answers that do not fit the questions."""

    def __init__(self, code: str, message: str, problems: list[AnswerProblem] | None = None):
        super().__init__(message)
        self.code = code
        self.problems = problems or []


@dataclass(frozen=True, slots=True)
class GuideItem:
    code: str
    name: str
    type: str
    department: str
    department_name: str
    level: str
    stage: int
    promised_days: int
    legal_days: int
    immediate: bool
    fee: float
    visits: int
    result: str | None


@dataclass(frozen=True, slots=True)
class SkippedItem:
    code: str
    name: str
    stage: int
    department_name: str


@dataclass(slots=True)
class GuideMaterial:
    code: str
    name: str
    status: MaterialStatus
    key: bool
    required: bool
    items: list[str]
    licence_type: str | None
    commitment_allowed: bool
    produced_by: str | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class GuideField:
    code: str
    label: str
    type: str
    required: bool
    items: list[str]
    options: dict[str, str] | None
    min: float | None
    max: float | None
    max_length: int | None
    pattern: str | None
    help: str | None


@dataclass(frozen=True, slots=True)
class Figures:
    """The "四减" figures: what applying costs, before or after the bundle."""

    applications: int
    forms: int
    materials: int
    fields: int
    days: int
    visits: int


@dataclass(frozen=True)
class Guide:
    bundle: str
    bundle_name: str
    catalog_version: str
    answers: dict[str, Any]
    held_licences: list[str]
    items: list[GuideItem]
    not_applicable: list[SkippedItem]
    stages: list[dict[str, Any]]
    materials: list[GuideMaterial]
    fields: list[GuideField]
    departments: list[str]
    departments_detail: list[dict[str, Any]]
    promised_days: int
    fee: float
    before: Figures
    after: Figures

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        before, after = data.pop("before"), data.pop("after")
        data["effect"] = {
            "before": before,
            "after": after,
            "saved": {k: before[k] - after[k] for k in before},
        }
        return data

    def materials_with(self, status: MaterialStatus) -> list[GuideMaterial]:
        return [m for m in self.materials if m.status == status]


def check_answers(bundle: Bundle, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with defaults filled in; GuideError naming every bad question otherwise."""
    problems: list[AnswerProblem] = []
    asked = {q.code for q in bundle.questions}
    for code in answers:
        if code not in asked:
            problems.append(AnswerProblem(code, f"“{bundle.name}”没有情形 {code}"))
    values: dict[str, Any] = {}
    for q in bundle.questions:
        if q.code not in answers or answers[q.code] is None:
            if q.default is None:
                problems.append(AnswerProblem(q.code, f"请回答情形“{q.text}”"))
            values[q.code] = q.default
            continue
        reason = answer_problem(q, answers[q.code])
        if reason:
            problems.append(AnswerProblem(q.code, f"情形“{q.text}”的回答无效：{reason}"))
        values[q.code] = answers[q.code]
    if problems:
        summary = "；".join(f"{p.question}: {p.message}" for p in problems)
        raise GuideError("invalid_answers", summary, problems)
    return values


def compute_guide(catalog: Catalog, bundle_code: str, answers: Mapping[str, Any],
                  held_licences: Collection[str] = ()) -> Guide:
    bundle = catalog.bundles.get(bundle_code)
    if bundle is None:
        raise GuideError("unknown_bundle", f"没有代码为 {bundle_code} 的一件事")
    values = check_answers(bundle, answers)
    try:
        return _Computation(catalog, bundle, values, frozenset(held_licences)).guide()
    except ExpressionError as exc:
        raise GuideError("condition_failed", str(exc)) from exc


class _Computation:
    """One guide computation; each step reads what the earlier ones found."""

    def __init__(self, catalog: Catalog, bundle: Bundle, values: dict[str, Any],
                 held: frozenset[str]) -> None:
        self.catalog, self.bundle, self.values, self.held = catalog, bundle, values, held
        self.context = answers_context(values)
        self.applicable: list[tuple[int, Item]] = []
        self.skipped: list[SkippedItem] = []
        self.materials: dict[str, GuideMaterial] = {}
        self.first_stage: dict[str, int] = {}
        self.fields: dict[str, GuideField] = {}
        self.material_uses = 0
        self.field_uses = 0

    def holds(self, condition: Condition | None) -> bool:
        return condition is None or condition.holds(self.context)

    def guide(self) -> Guide:
        self._select_items()
        for stage, item in self.applicable:
            self._merge_materials(stage, item)
            self._merge_fields(item)
        self._decide_statuses()
        items = [_guide_item(stage, item) for stage, item in self.applicable]
        promised = self._promised_days()
        return Guide(
            bundle=self.bundle.code, bundle_name=self.bundle.name,
            catalog_version=self.catalog.version, answers=self.values,
            held_licences=sorted(self.held), items=items, not_applicable=self.skipped,
            stages=self._stages(), materials=list(self.materials.values()),
            fields=list(self.fields.values()),
            departments=list(dict.fromkeys(i.department for i in items)),
            departments_detail=self._departments(items), promised_days=promised,
            fee=round(sum(i.fee for i in items), 2),
            before=Figures(
                applications=len(items), forms=len(items), materials=self.material_uses,
                fields=self.field_uses, days=sum(i.legal_days for i in items),
                visits=sum(i.visits for i in items),
            ),
            after=Figures(
                applications=min(1, len(items)), forms=min(1, len(items)),
                materials=len(self._submitted()), fields=len(self.fields), days=promised,
                visits=self._visits(items),
            ),
        )

    def _select_items(self) -> None:
        for stage in self.bundle.stages:
            for si in stage.items:
                if self.holds(si.when):
                    self.applicable.append((stage.number, si.item))
                else:
                    self.skipped.append(SkippedItem(si.item.code, si.item.name, stage.number,
                                                    si.item.department.name))

    def _merge_materials(self, stage: int, item: Item) -> None:
        for use in item.materials:
            if not self.holds(use.when):
                continue
            self.material_uses += 1
            merged = self.materials.get(use.material.code)
            if merged is None:
                merged = self.materials[use.material.code] = _new_material(use.material)
                self.first_stage[use.material.code] = stage
            merged.items.append(item.code)
            merged.key = merged.key or use.key
            merged.required = merged.required or use.required
            merged.commitment_allowed = merged.commitment_allowed and use.commitment_allowed
            if use.note:
                merged.notes.append(use.note)

    def _merge_fields(self, item: Item) -> None:
        for use in item.fields:
            if not self.holds(use.when):
                continue
            self.field_uses += 1
            merged = self.fields.get(use.field.code)
            if merged is None:
                merged = self.fields[use.field.code] = _new_field(use.field)
            merged.items.append(item.code)

    def _decide_statuses(self) -> None:
        produced: dict[str, tuple[int, Item]] = {}
        for stage, item in self.applicable:
            if item.result is not None:
                produced.setdefault(item.result.licence_type, (stage, item))
        for code, material in self.materials.items():
            kind = material.licence_type
            source = produced.get(kind) if kind else None
            if kind and kind in self.held:
                material.status = MaterialStatus.licence
                material.reason = "您已持有该电子证照，系统自动调取，无需提交"
            elif source is not None and source[0] < self.first_stage[code]:
                material.status = MaterialStatus.produced
                material.produced_by = source[1].code
                material.reason = (f"第 {source[0]} 阶段“{source[1].name}”办结后生成电子证照，"
                                   "自动共享，无需提交")
            elif material.commitment_allowed:
                material.status = MaterialStatus.commitment
                material.reason = "可签署告知承诺书代替，无需提交"

    def _submitted(self) -> list[GuideMaterial]:
        return [m for m in self.materials.values() if m.status == MaterialStatus.submit]

    def _promised_days(self) -> int:
        if self.bundle.promised_days is not None:
            return self.bundle.promised_days
        longest: dict[int, int] = {}
        for stage, item in self.applicable:
            longest[stage] = max(longest.get(stage, 0), item.promised_days)
        return sum(longest.values())

    def _visits(self, items: list[GuideItem]) -> int:
        if not items:
            return 0
        if self.bundle.visits is not None:
            return self.bundle.visits
        return max(i.visits for i in items)

    def _stages(self) -> list[dict[str, Any]]:
        return [
            {
                "number": stage.number,
                "name": stage.name or f"第 {stage.number} 阶段",
                "items": [item.code for n, item in self.applicable if n == stage.number],
            }
            for stage in self.bundle.stages
        ]

    @staticmethod
    def _departments(items: list[GuideItem]) -> list[dict[str, Any]]:
        detail: dict[str, dict[str, Any]] = {}
        for i in items:
            entry = detail.setdefault(
                i.department, {"code": i.department, "name": i.department_name, "items": []})
            entry["items"].append(i.code)
        return list(detail.values())


def _guide_item(stage: int, item: Item) -> GuideItem:
    return GuideItem(
        code=item.code, name=item.name, type=item.type.value, department=item.department.code,
        department_name=item.department.name, level=item.level.value, stage=stage,
        promised_days=item.promised_days, legal_days=item.legal_days,
        immediate=item.immediate, fee=item.fee, visits=item.visits,
        result=item.result.name if item.result else None,
    )


def _new_material(material: Material) -> GuideMaterial:
    return GuideMaterial(
        code=material.code, name=material.name, status=MaterialStatus.submit, key=False,
        required=False, items=[], licence_type=material.licence_type, commitment_allowed=True,
    )


def _new_field(f: FormField) -> GuideField:
    return GuideField(
        code=f.code, label=f.label, type=f.type.value, required=f.required, items=[],
        options=f.options, min=f.min, max=f.max, max_length=f.max_length, pattern=f.pattern,
        help=f.help,
    )
