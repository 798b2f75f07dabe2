"""The catalog in memory: validated, cross-linked, conditions compiled once.

Pure data, no database. Built from a validated catalog document (the merged
`CatalogFileSpec`), which is what the database stores for each catalog version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from onething.catalog.expressions import Condition, FieldCheck, compile_check, compile_condition
from onething.catalog.spec import (
    BASELINE_FIGURES,
    PERSONAL_TYPES,
    Audience,
    BaselineSpec,
    BundleSpec,
    CatalogFileSpec,
    CheckSpec,
    CrossRegion,
    FieldRegionSpec,
    FieldType,
    HolderKind,
    ItemSpec,
    ItemType,
    Level,
    PolicySpec,
    QuestionType,
    RegionFrom,
    ResultSpec,
    SourceSpec,
)
from onething.kernel.privacy import Personal


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: Level
    parent: str | None


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    offices: tuple[tuple[Level, str], ...] = ()  # its office's name by level: {region} …

    def office(self, level: Level) -> str | None:
        """What its office is called at `level` ({region}, {parent}), if the catalog says."""
        return next((name for at, name in self.offices if at == level), None)


@dataclass(frozen=True, slots=True)
class FormField:
    code: str
    label: str
    type: FieldType
    required: bool
    min: float | None
    max: float | None
    max_length: int | None
    pattern: str | None
    options: dict[str, str] | None
    help: str | None
    personal: Personal | None = None  # masked where not needed


@dataclass(frozen=True, slots=True)
class Material:
    code: str
    name: str
    licence_type: str | None
    description: str | None
    source: str | None
    intermediary_service: str | None = None  # an intermediary's report (中介服务超市)


@dataclass(frozen=True, slots=True)
class MaterialUse:
    material: Material
    key: bool
    required: bool
    when: Condition | None
    commitment_allowed: bool
    note: str | None


@dataclass(frozen=True, slots=True)
class FieldUse:
    field: FormField
    when: Condition | None


@dataclass(frozen=True, slots=True)
class Holder:
    """Whom a result is about: form fields holding the holder's name and ID number or USCC."""

    kind: HolderKind
    name: str | None = None
    id: str | None = None
    title: str | None = None


APPLICANT = Holder(HolderKind.applicant)


@dataclass(frozen=True, slots=True)
class Result:
    licence_type: str
    name: str
    valid_years: int | None
    fills: tuple[str, ...] = ()  # form fields whose values the item creates
    holder: Holder = APPLICANT


@dataclass(frozen=True, slots=True)
class Payment:
    """Money paid beside the fixed fee: not an administrative fee (a contribution, a
    connection charge), or (`fee`) an administrative fee whose amount depends on the case."""

    name: str
    amount: float | None
    unit: str
    note: str | None
    fee: bool = False


@dataclass(frozen=True, slots=True)
class CommitmentNotice:
    conditions: str | None
    consequence: str | None


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    name: str
    type: ItemType
    department: Department  # competent department (主管部门), shown in the guide
    level: Level
    legal_days: int
    promised_days: int
    fee: float
    visits: int
    basis: str | None
    description: str | None
    materials: tuple[MaterialUse, ...]
    fields: tuple[FieldUse, ...]
    result: Result | None
    implementing_body: str | None = None  # 实施主体 where it is not the department
    visits_alone: int = 2  # trips when applied for on its own
    payments: tuple[Payment, ...] = ()
    checks: tuple[FieldCheck, ...] = ()
    commitment_notice: CommitmentNotice | None = None  # None: generated (commitments.notice)
    handled_by: Department | None = None  # whose office handles the task, if not `department`
    # whose region's office decides: the receiving region's, the applicant's registered
    # region's, or (`region_field` set) the region a form field gives
    region_from: RegionFrom = RegionFrom.receiving
    region_field: FormField | None = None
    cross_region: CrossRegion = CrossRegion.none  # where else it may be received (通办)
    # 秒批: (rule, what it means) — all must hold for the platform to decide the task
    auto: tuple[tuple[Condition, str], ...] = ()

    @property
    def handler(self) -> Department:
        """The department whose office the task is routed to."""
        return self.handled_by or self.department

    @property
    def immediate(self) -> bool:
        """即办件: decided on the spot."""
        return self.promised_days == 0


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    text: str
    type: QuestionType
    options: dict[str, str] | None
    default: Any
    help: str | None

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True, slots=True)
class StageItem:
    item: Item
    when: Condition | None


@dataclass(frozen=True, slots=True)
class Stage:
    number: int  # 1-based
    name: str | None
    items: tuple[StageItem, ...]


@dataclass(frozen=True, slots=True)
class Baseline:
    """Published before-the-reform figures (only those given) and their source."""

    figures: dict[str, int]
    source: str
    when: Condition | None
    situation: str | None


@dataclass(frozen=True, slots=True)
class Bundle:
    code: str
    name: str
    audience: Audience
    description: str | None
    keywords: tuple[str, ...]
    regions: tuple[str, ...]
    questions: tuple[Question, ...]
    stages: tuple[Stage, ...]
    promised_days: int | None
    visits: int | None
    baseline: Baseline | None = None
    checks: tuple[FieldCheck, ...] = ()
    repairs_credit: bool = False  # 信用修复: completing it repairs the applicant's 失信

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(si.item for stage in self.stages for si in stage.items)


@dataclass(frozen=True)
class Catalog:
    version: str
    regions: dict[str, Region]
    departments: dict[str, Department]
    fields: dict[str, FormField]
    materials: dict[str, Material]
    items: dict[str, Item]
    bundles: dict[str, Bundle]
    sources: dict[str, SourceSpec] = field(default_factory=dict)  # 共享数据, as written
    policies: dict[str, Policy] = field(default_factory=dict)  # 政策


@dataclass(frozen=True)
class Policy:
    """A policy with its rule and amount compiled (see `catalog.profile` for what they
    read)."""

    spec: PolicySpec
    eligible: tuple[tuple[Condition, str], ...]  # (rule, what it means), all must hold
    amount: Condition

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def variables(self) -> frozenset[str]:
        """The profile's names the rules and the amount read."""
        return frozenset().union(self.amount.variables, *(c.variables for c, _ in self.eligible))

    def unmet(self, profile: Any) -> str | None:
        """What the holder does not meet (the first condition that does not hold), or None
        when every condition holds; ExpressionError if one cannot be evaluated."""
        return next((text for rule, text in self.eligible if not rule.holds(profile)), None)


def digest(document: CatalogFileSpec) -> str:
    """The catalog version: a short hash of the canonical document (same files, same version)."""
    canonical = json.dumps(
        document.model_dump(mode="json"), sort_keys=True, ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _condition(source: str | None, cache: dict[str, Condition]) -> Condition | None:
    return None if source is None else _compiled(source, cache)


def _compiled(source: str, cache: dict[str, Condition]) -> Condition:
    if source not in cache:
        cache[source] = compile_condition(source)
    return cache[source]


def _checks(specs: list[CheckSpec]) -> tuple[FieldCheck, ...]:
    return tuple(compile_check(c.rule, c.message) for c in specs)


def _baseline(spec: BaselineSpec | None, cache: dict[str, Condition]) -> Baseline | None:
    if spec is None:
        return None
    figures = {k: getattr(spec, k) for k in BASELINE_FIGURES if getattr(spec, k) is not None}
    return Baseline(figures, spec.source, _condition(spec.when, cache), spec.situation)


def _item(spec: ItemSpec, cat: _Parts, cache: dict[str, Condition]) -> Item:
    return Item(
        code=spec.code, name=spec.name, type=spec.type,
        department=cat.departments[spec.department], level=spec.level,
        handled_by=cat.departments[spec.handled_by] if spec.handled_by else None,
        region_from=(spec.competent_region if isinstance(spec.competent_region, RegionFrom)
                     else RegionFrom.receiving),
        region_field=(cat.fields[spec.competent_region.field]
                      if isinstance(spec.competent_region, FieldRegionSpec) else None),
        cross_region=spec.cross_region,
        legal_days=spec.legal_days, promised_days=spec.promised_days, fee=spec.fee,
        visits=spec.visits, basis=spec.basis, description=spec.description,
        implementing_body=spec.implementing_body, visits_alone=spec.visits_alone,
        payments=tuple(Payment(p.name, p.amount, p.unit, p.note, p.fee)
                       for p in spec.payments),
        checks=_checks(spec.checks),
        materials=tuple(
            MaterialUse(
                material=cat.materials[m.material], key=m.key, required=m.required,
                when=_condition(m.when, cache), commitment_allowed=m.commitment_allowed,
                note=m.note,
            )
            for m in spec.materials
        ),
        fields=tuple(
            FieldUse(field=cat.fields[f.field], when=_condition(f.when, cache))
            for f in spec.fields
        ),
        result=_result(spec.result) if spec.result else None,
        commitment_notice=CommitmentNotice(spec.commitment_notice.conditions,
                                           spec.commitment_notice.consequence)
        if spec.commitment_notice else None,
        auto=tuple((_compiled(c.rule, cache), c.text) for c in spec.auto),
    )


def _result(spec: ResultSpec) -> Result:
    holder = spec.holder
    return Result(
        spec.licence_type, spec.name, spec.valid_years, fills=tuple(spec.fills),
        holder=Holder(holder.kind, holder.name, holder.id, holder.title) if holder else APPLICANT)


def _bundle(spec: BundleSpec, items: dict[str, Item], cache: dict[str, Condition]) -> Bundle:
    return Bundle(
        code=spec.code, name=spec.name, audience=spec.audience, description=spec.description,
        keywords=tuple(spec.keywords), regions=tuple(spec.regions),
        questions=tuple(
            Question(q.code, q.text, q.type, dict(q.options) if q.options else None,
                     q.default, q.help)
            for q in spec.questions
        ),
        stages=tuple(
            Stage(
                number=n, name=stage.name,
                items=tuple(
                    StageItem(items[si.item], _condition(si.when, cache)) for si in stage.items
                ),
            )
            for n, stage in enumerate(spec.stages, start=1)
        ),
        promised_days=spec.promised_days, visits=spec.visits,
        baseline=_baseline(spec.baseline, cache), checks=_checks(spec.checks),
        repairs_credit=spec.repairs_credit,
    )


@dataclass
class _Parts:
    departments: dict[str, Department]
    fields: dict[str, FormField]
    materials: dict[str, Material]


def build_catalog(document: CatalogFileSpec, version: str | None = None) -> Catalog:
    """Link a *validated* document into the in-memory catalog."""
    cache: dict[str, Condition] = {}
    parts = _Parts(
        departments={d.code: Department(d.code, d.name, tuple(d.offices.items()))
                     for d in document.departments},
        fields={
            f.code: FormField(f.code, f.label, f.type, f.required, f.min, f.max, f.max_length,
                              f.pattern, dict(f.options) if f.options else None, f.help,
                              f.personal or PERSONAL_TYPES.get(f.type))
            for f in document.fields
        },
        materials={
            m.code: Material(m.code, m.name, m.licence_type, m.description, m.source,
                             m.intermediary_service)
            for m in document.materials
        },
    )
    items = {i.code: _item(i, parts, cache) for i in document.items}
    return Catalog(
        version=version or digest(document),
        regions={r.code: Region(r.code, r.name, r.level, r.parent) for r in document.regions},
        departments=parts.departments,
        fields=parts.fields,
        materials=parts.materials,
        items=items,
        bundles={b.code: _bundle(b, items, cache) for b in document.bundles},
        sources={s.code: s for s in document.sources},
        policies={p.code: Policy(p, tuple((_compiled(c.rule, cache), c.text)
                                          for c in p.eligible), _compiled(p.amount, cache))
                  for p in document.policies},
    )
