"""The guide (智能导办): bundle + answers (+ licences held) → what to do, bring and expect.

Pure computation over the in-memory catalog; no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from onething.catalog.answers import answer_problem
from onething.catalog.expressions import Condition, ExpressionError, answers_context
from onething.catalog.linked import Bundle, Catalog, FormField, Item, Material
from onething.catalog.spec import QuestionType, RegionFrom


class MaterialStatus(StrEnum):
    submit = "submit"  # the applicant brings or uploads it
    licence = "licence"  # the applicant holds an electronic licence of its type
    produced = "produced"  # an earlier stage of this bundle issues it
    commitment = "commitment"  # a signed commitment (告知承诺) replaces it


class FieldStatus(StrEnum):
    fill = "fill"  # the applicant fills it in
    produced = "produced"  # an earlier stage's item creates it (统一社会信用代码 …): set then


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
    """An applicable item, in the stage where it runs."""

    item: Item
    stage: int

    code = property(lambda self: self.item.code)
    name = property(lambda self: self.item.name)
    type = property(lambda self: self.item.type.value)
    department = property(lambda self: self.item.department.code)
    department_name = property(lambda self: self.item.department.name)
    promised_days = property(lambda self: self.item.promised_days)
    legal_days = property(lambda self: self.item.legal_days)
    immediate = property(lambda self: self.item.immediate)
    fee = property(lambda self: self.item.fee)
    visits = property(lambda self: self.item.visits)
    visits_alone = property(lambda self: self.item.visits_alone)
    implementing_body = property(lambda self: self.item.implementing_body)
    result = property(lambda self: self.item.result.name if self.item.result else None)

    @property
    def decided_where(self) -> str:
        """Whose region's office decides, in words (经营场所所在行政区划 → 经营场所所在地)."""
        i = self.item
        if i.region_field is not None:
            return i.region_field.label.removesuffix("行政区划").removesuffix("所在") + "所在地"
        return "申请人户籍（登记）地" if i.region_from == RegionFrom.applicant else "受理地"

    def to_dict(self) -> dict[str, Any]:
        i = self.item
        return {
            "code": i.code, "name": i.name, "type": i.type.value,
            "department": i.department.code, "department_name": i.department.name,
            "implementing_body": i.implementing_body,
            "level": i.level.value, "stage": self.stage, "promised_days": i.promised_days,
            "legal_days": i.legal_days, "immediate": i.immediate, "fee": i.fee,
            "visits": i.visits, "visits_alone": i.visits_alone,
            "result": i.result.name if i.result else None,
            # whose region's office decides, and where else it may be received (跨域通办)
            "competent_region": ({"field": i.region_field.code} if i.region_field
                                 else i.region_from.value),
            "decided_where": self.decided_where,
            "cross_region": i.cross_region.value,
        }


@dataclass(frozen=True, slots=True)
class SkippedItem:
    code: str
    name: str
    stage: int
    department_name: str


@dataclass(slots=True)
class GuideMaterial:
    """A material merged over every applicable use, with what the applicant does about it."""

    material: Material
    items: list[str]
    status: MaterialStatus = MaterialStatus.submit
    key: bool = False
    required: bool = False
    commitment_allowed: bool = True
    produced_by: str | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    code = property(lambda self: self.material.code)
    name = property(lambda self: self.material.name)
    licence_type = property(lambda self: self.material.licence_type)
    intermediary_service = property(lambda self: self.material.intermediary_service)

    def to_dict(self) -> dict[str, Any]:
        m = self.material
        return {
            "code": m.code, "name": m.name, "status": self.status.value, "key": self.key,
            "required": self.required, "items": self.items, "licence_type": m.licence_type,
            "commitment_allowed": self.commitment_allowed, "produced_by": self.produced_by,
            "reason": self.reason, "notes": self.notes,
        }


@dataclass(slots=True)
class GuideField:
    """A field of the one merged form, and the items that need it."""

    field: FormField
    items: list[str]
    status: FieldStatus = FieldStatus.fill
    produced_by: str | None = None  # the item that creates it, for `produced`
    reason: str = ""

    code = property(lambda self: self.field.code)
    label = property(lambda self: self.field.label)
    type = property(lambda self: self.field.type.value)
    required = property(lambda self: self.field.required)

    def to_dict(self) -> dict[str, Any]:
        f = self.field
        return {
            "code": f.code, "label": f.label, "type": f.type.value, "required": f.required,
            "items": self.items, "options": f.options, "min": f.min, "max": f.max,
            "max_length": f.max_length, "pattern": f.pattern, "help": f.help,
            "status": self.status.value, "produced_by": self.produced_by, "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Figures:
    """The "四减" figures: what applying costs, before or after the bundle."""

    applications: int
    forms: int
    materials: int
    fields: int
    days: int
    visits: int


@dataclass(frozen=True, slots=True)
class Effect:
    """Before and after. `before` is the published baseline where the bundle declares one for
    this situation (the figures it gives; the others computed), else `computed_before`: every
    applicable item applied for on its own, one after the other."""

    before: Figures
    after: Figures
    computed_before: Figures
    source: str | None = None  # the published baseline's source
    published: tuple[str, ...] = ()  # the figures of `before` taken from it
    situation: str | None = None  # the situation the published figures are for, in words

    def as_dict(self) -> dict[str, Any]:
        before, after = asdict(self.before), asdict(self.after)
        return {
            "before": before, "after": after,
            "saved": {k: before[k] - after[k] for k in before},
            "computed_before": asdict(self.computed_before),
            "baseline": {"source": self.source, "published": list(self.published),
                         "situation": self.situation} if self.source else None,
        }


@dataclass(frozen=True, slots=True)
class GuidePayment:
    """A payment beside the fixed fees (see `catalog.linked.Payment`), and its item."""

    item: str
    item_name: str
    name: str
    amount: float | None
    unit: str
    note: str | None
    fee: bool = False  # an administrative fee whose amount depends on the case


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
    effect: Effect
    payments: list[GuidePayment] = field(default_factory=list)

    @property
    def before(self) -> Figures:
        return self.effect.before

    @property
    def after(self) -> Figures:
        return self.effect.after

    def as_dict(self) -> dict[str, Any]:
        """The guide as JSON-ready data (the output contract of API and CLI)."""
        return {
            "bundle": self.bundle, "bundle_name": self.bundle_name,
            "catalog_version": self.catalog_version, "answers": self.answers,
            "held_licences": self.held_licences,
            "items": [i.to_dict() for i in self.items],
            "not_applicable": [asdict(s) for s in self.not_applicable],
            "stages": self.stages,
            "materials": [m.to_dict() for m in self.materials],
            "fields": [f.to_dict() for f in self.fields],
            "departments": self.departments, "departments_detail": self.departments_detail,
            "promised_days": self.promised_days, "fee": self.fee,
            "payments": [asdict(p) for p in self.payments],
            "effect": self.effect.as_dict(),
        }

    def materials_with(self, status: MaterialStatus) -> list[GuideMaterial]:
        return [m for m in self.materials if m.status == status]

    def fields_with(self, status: FieldStatus) -> list[GuideField]:
        return [f for f in self.fields if f.status == status]


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
                  held_licences: Collection[str] = (), commitments: bool = True) -> Guide:
    """`commitments`: whether 告知承诺 is offered (not to an applicant with bad credit)."""
    bundle = catalog.bundles.get(bundle_code)
    if bundle is None:
        raise GuideError("unknown_bundle", f"没有代码为 {bundle_code} 的一件事")
    values = check_answers(bundle, answers)
    try:
        return _Computation(catalog, bundle, values, frozenset(held_licences),
                            commitments).guide()
    except ExpressionError as exc:
        raise GuideError("condition_failed", str(exc)) from exc


def _for_conditions(bundle: Bundle, values: dict[str, Any]) -> dict[str, Any]:
    """`number` answers as doubles: CEL does not mix int and double arithmetic."""
    return {
        code: float(value) if q_type == QuestionType.number and value is not None else value
        for code, value, q_type in ((q.code, values[q.code], q.type) for q in bundle.questions)
    }


class _Computation:
    """One guide computation; each step reads what the earlier ones found."""

    def __init__(self, catalog: Catalog, bundle: Bundle, values: dict[str, Any],
                 held: frozenset[str], commitments: bool = True) -> None:
        self.catalog, self.bundle, self.values, self.held = catalog, bundle, values, held
        self.commitments = commitments
        self.context = answers_context(_for_conditions(bundle, values))
        self.applicable: list[tuple[int, Item]] = []
        self.skipped: list[SkippedItem] = []
        self.materials: dict[str, GuideMaterial] = {}
        self.first_stage: dict[str, int] = {}
        self.fields: dict[str, GuideField] = {}
        self.field_first_stage: dict[str, int] = {}
        self.material_uses = 0
        self.field_uses = 0

    def holds(self, condition: Condition | None) -> bool:
        return condition.holds(self.context) if condition is not None else True

    def guide(self) -> Guide:
        self._select_items()
        for stage, item in self.applicable:
            self._merge_materials(stage, item)
            self._merge_fields(stage, item)
        self._decide_statuses()
        self._decide_field_statuses()
        items = [GuideItem(item, stage) for stage, item in self.applicable]
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
            effect=self._effect(items, Figures(
                applications=min(1, len(items)), forms=min(1, len(items)),
                materials=len(self._submitted()), fields=len(self._filled()), days=promised,
                visits=self._visits(),
            )),
            payments=[GuidePayment(i.code, i.name, p.name, p.amount, p.unit, p.note, p.fee)
                      for i in items for p in i.item.payments],
        )

    def _effect(self, items: list[GuideItem], after: Figures) -> Effect:
        """Each item applied for on its own, one after the other (its own application, form,
        materials, fields, promised days and trips), unless a published baseline holds."""
        computed = Figures(
            applications=len(items), forms=len(items), materials=self.material_uses,
            fields=self.field_uses, days=sum(i.promised_days for i in items),
            visits=sum(i.visits_alone for i in items),
        )
        baseline = self.bundle.baseline
        if not items or baseline is None or not self.holds(baseline.when):
            return Effect(computed, after, computed)
        return Effect(replace(computed, **baseline.figures), after, computed,
                      baseline.source, tuple(baseline.figures), baseline.situation)

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
            if use.when is not None and not use.when.holds(self.context):
                continue
            self.material_uses += 1
            merged = self.materials.get(use.material.code)
            if merged is None:
                merged = self.materials[use.material.code] = GuideMaterial(use.material, [])
                self.first_stage[use.material.code] = stage
            merged.items.append(item.code)
            merged.key = merged.key or use.key
            merged.required = merged.required or use.required
            merged.commitment_allowed = merged.commitment_allowed and use.commitment_allowed
            if use.note:
                merged.notes.append(use.note)

    def _merge_fields(self, stage: int, item: Item) -> None:
        for use in item.fields:
            if use.when is not None and not use.when.holds(self.context):
                continue
            self.field_uses += 1
            merged = self.fields.get(use.field.code)
            if merged is None:
                self.fields[use.field.code] = GuideField(use.field, [item.code])
                self.field_first_stage[use.field.code] = stage
            else:
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
            elif material.commitment_allowed and self.commitments:
                material.status = MaterialStatus.commitment
                material.reason = "可签署告知承诺书代替，无需提交"

    def _decide_field_statuses(self) -> None:
        """A field is `produced` when an item of a stage before every item asking for it
        creates its value (its result `fills` it); the applicant fills in the others."""
        producers: dict[str, tuple[int, Item]] = {}
        for stage, item in self.applicable:
            for code in item.result.fills if item.result else ():
                producers.setdefault(code, (stage, item))
        for code, merged in self.fields.items():
            source = producers.get(code)
            if source is not None and source[0] < self.field_first_stage[code]:
                merged.status = FieldStatus.produced
                merged.produced_by = source[1].code
                merged.reason = f"第 {source[0]} 阶段“{source[1].name}”办结时生成，自动填入申请表"

    def _filled(self) -> list[GuideField]:
        return [f for f in self.fields.values() if f.status == FieldStatus.fill]

    def _submitted(self) -> list[GuideMaterial]:
        return [m for m in self.materials.values() if m.status == MaterialStatus.submit]

    def _promised_days(self) -> int:
        if not self.applicable:
            return 0
        if self.bundle.promised_days is not None:
            return self.bundle.promised_days
        longest: dict[int, int] = {}
        for stage, item in self.applicable:
            longest[stage] = max(longest.get(stage, 0), item.promised_days)
        return sum(longest.values())

    def _visits(self) -> int:
        if not self.applicable:
            return 0
        if self.bundle.visits is not None:
            return self.bundle.visits
        return max(item.visits for _, item in self.applicable)

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
