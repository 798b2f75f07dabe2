"""What a new catalog version changes for the people who use it, item by item and bundle by
bundle, in Chinese: materials, form fields, time limits, fees, conditions (情形, in the
words of the bundles' questions where a condition reads them) and the items and bundles
added or withdrawn. Pure: two catalog documents in, the changes out."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from onething.catalog.spec import BundleSpec, CatalogFileSpec, ItemSpec

ADDED, WITHDRAWN, CHANGED = "added", "withdrawn", "changed"
KIND_NAMES = {ADDED: "新增", WITHDRAWN: "撤下", CHANGED: "变更"}
# the sections people do not see one by one: counted
OTHER_SECTIONS = {"regions": "行政区划", "departments": "部门", "sources": "共享数据",
                  "policies": "惠企政策"}


@dataclass(frozen=True)
class Change:
    """One item or bundle (or material, field) added, withdrawn or changed, and how."""

    kind: str  # added | withdrawn | changed
    code: str
    name: str
    lines: tuple[str, ...] = ()
    within: tuple[str, ...] = ()  # an item's: the 一件事 that include it (who will see it)

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]


@dataclass(frozen=True)
class CatalogDiff:
    bundles: tuple[Change, ...] = ()
    items: tuple[Change, ...] = ()
    materials: tuple[Change, ...] = ()
    fields: tuple[Change, ...] = ()
    others: dict[str, dict[str, int]] = field(default_factory=dict)  # 部门: {新增: 1}

    @property
    def empty(self) -> bool:
        return not (self.bundles or self.items or self.materials or self.fields or self.others)

    def counts(self) -> dict[str, int]:
        every = (*self.bundles, *self.items, *self.materials, *self.fields)
        return {kind: sum(1 for c in every if c.kind == kind) for kind in KIND_NAMES}


# --- conditions in words -----------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """What a condition's words are made of: each question's text and its options' labels
    (by the question's code), the names of materials and fields (by code)."""

    questions: dict[str, tuple[str, dict[str, str]]]
    materials: dict[str, str]
    fields: dict[str, str]
    items: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, *documents: CatalogFileSpec | None) -> Words:
        questions: dict[str, tuple[str, dict[str, str]]] = {}
        materials: dict[str, str] = {}
        fields: dict[str, str] = {}
        items: dict[str, str] = {}
        for doc in documents:  # the later document's words win
            if doc is None:
                continue
            for bundle in doc.bundles:
                for q in bundle.questions:
                    questions[q.code] = (q.text, dict(q.options or {}))
            materials.update({m.code: m.name for m in doc.materials})
            fields.update({f.code: f.label for f in doc.fields})
            items.update({i.code: i.name for i in doc.items})
        return cls(questions, materials, fields, items)

    def within(self, bundle: BundleSpec) -> Words:
        """The same words, the bundle's own questions first (another bundle may ask a
        question of the same code in other words)."""
        own = {q.code: (q.text, dict(q.options or {})) for q in bundle.questions}
        return Words({**self.questions, **own}, self.materials, self.fields, self.items)


_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|&&|\|\||==|!=|>=|<=|[A-Za-z_][A-Za-z0-9_.]*|\S")
_OPERATORS = {"&&": "并且", "||": "或者", "==": "为", "!=": "不为", ">=": "不少于",
              "<=": "不超过", ">": "大于", "<": "小于", "!": "不", "true": "是", "false": "否",
              "in": "属于"}


def in_words(expression: str | None, words: Words) -> str:
    """A condition as a person reads it: each question named by its text, each option by
    its label, the operators in Chinese (`premises == 'rented'` → 「经营场所是自有还是租赁？」为
    「租赁」); an expression that reads something else keeps those names."""
    if not expression:
        return "全部情形"
    tokens = _TOKEN.findall(expression)
    out: list[str] = []
    last_question: dict[str, str] = {}
    for token in tokens:
        if token in words.questions:
            text, last_question = words.questions[token]
            out.append(f"「{text}」")
        elif token[:1] in "'\"":
            value = token[1:-1]
            out.append(f"「{last_question.get(value, value)}」")
        elif token in _OPERATORS:
            out.append(_OPERATORS[token])
        else:
            out.append(token)
    said = "".join(out).replace("(", "（").replace(")", "）")
    if len(tokens) == 1 and tokens[0] in words.questions:
        return f"{said}回答“是”"
    return said


# --- the diff ----------------------------------------------------------------------------


def diff(old: CatalogFileSpec | None, new: CatalogFileSpec) -> CatalogDiff:
    """What `new` changes against `old` (None: the first version, everything added)."""
    words = Words.of(old, new)
    before = old or CatalogFileSpec()
    return CatalogDiff(
        bundles=tuple(_changes(before.bundles, new.bundles, lambda a, b: _bundle(a, b, words))),
        items=_within(_changes(before.items, new.items, lambda a, b: _item(a, b, words)),
                      before, new),
        materials=tuple(_changes(before.materials, new.materials, _plain_lines(
            {"name": "名称", "description": "说明", "source": "来源渠道",
             "paper_copies": "纸质份数", "licence_type": "对应证照"}))),
        fields=tuple(_changes(before.fields, new.fields, _plain_lines(
            {"label": "名称", "type": "类型", "required": "是否必填", "options": "选项",
             "help": "填写说明", "max_length": "最大长度", "pattern": "格式"}))),
        others=_others(before, new))


def _within(changes: list[Change], old: CatalogFileSpec, new: CatalogFileSpec
            ) -> tuple[Change, ...]:
    """Each item's change with the names of the bundles that include it (in the new
    version, or in the old one for an item withdrawn)."""
    bundles: dict[str, list[str]] = {}
    for document in (new, old):
        for bundle in document.bundles:
            for stage in bundle.stages:
                for si in stage.items:
                    names = bundles.setdefault(si.item, [])
                    if bundle.name not in names:
                        names.append(bundle.name)
    return tuple(replace(c, within=tuple(bundles.get(c.code, ()))) for c in changes)


def _name(spec: Any) -> str:
    return str(getattr(spec, "name", None) or getattr(spec, "label", None) or spec.code)


def _changes(old: Iterable[Any], new: Iterable[Any],
             lines: Callable[[Any, Any], list[str]]) -> list[Change]:
    was = {s.code: s for s in old}
    now = {s.code: s for s in new}
    found = [Change(ADDED, code, _name(s)) for code, s in now.items() if code not in was]
    found += [Change(WITHDRAWN, code, _name(s)) for code, s in was.items() if code not in now]
    for code, spec in now.items():
        if code in was and was[code] != spec:
            said = lines(was[code], spec) or ["其他细节有修改"]
            found.append(Change(CHANGED, code, _name(spec), tuple(said)))
    order = {ADDED: 0, CHANGED: 1, WITHDRAWN: 2}
    return sorted(found, key=lambda c: (order[c.kind], c.code))


def _plain_lines(labels: dict[str, str]) -> Callable[[Any, Any], list[str]]:
    def lines(old: Any, new: Any) -> list[str]:
        return [f"{label}：{_shown(getattr(old, key))} → {_shown(getattr(new, key))}"
                for key, label in labels.items() if getattr(old, key) != getattr(new, key)]
    return lines


def _shown(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "、".join(str(v) for v in value.values())
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(getattr(value, "value", value))


def _money(amount: Any) -> str:
    value = Decimal(str(amount))
    return "不收费" if value == 0 else f"{value.normalize():f} 元"


def _others(old: CatalogFileSpec, new: CatalogFileSpec) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for section, label in OTHER_SECTIONS.items():
        changes = _changes(getattr(old, section), getattr(new, section), lambda a, b: [])
        counts = {KIND_NAMES[k]: sum(1 for c in changes if c.kind == k) for k in KIND_NAMES}
        if any(counts.values()):
            found[label] = {k: n for k, n in counts.items() if n}
    return found


# --- an item -----------------------------------------------------------------------------


def _item(old: ItemSpec, new: ItemSpec, words: Words) -> list[str]:
    lines = []
    if old.name != new.name:
        lines.append(f"事项名称：{old.name} → {new.name}")
    for key, label in (("legal_days", "法定办结时限"), ("promised_days", "承诺办结时限")):
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            lines.append(f"{label}：{_days(a)} → {_days(b)}")
    if Decimal(str(old.fee)) != Decimal(str(new.fee)):
        lines.append(f"收费：{_money(old.fee)} → {_money(new.fee)}")
    lines += _payments(old, new)
    lines += _materials(old, new, words)
    lines += _field_uses(old, new, words)
    lines += _texts("秒批条件", [a.text for a in old.auto], [a.text for a in new.auto])
    lines += _texts("填写校验", [c.message for c in old.checks], [c.message for c in new.checks])
    for key, label in (("department", "主管部门"), ("handled_by", "办理部门"),
                       ("implementing_body", "实施主体"), ("level", "办理层级"),
                       ("type", "事项类型"), ("visits", "到现场次数"), ("basis", "设定依据"),
                       ("description", "事项说明"), ("cross_region", "通办范围"),
                       ("competent_region", "管辖地区"), ("result", "办理结果"),
                       ("commitment_notice", "告知承诺书")):
        if getattr(old, key) != getattr(new, key):
            lines.append(f"{label}已修改" if key in ("basis", "description", "result",
                                                   "commitment_notice", "competent_region")
                         else f"{label}：{_shown(getattr(old, key))} → "
                              f"{_shown(getattr(new, key))}")
    return lines


def _days(days: int) -> str:
    return "即办" if days == 0 else f"{days} 个工作日"


def _payments(old: ItemSpec, new: ItemSpec) -> list[str]:
    was = {p.name: p for p in old.payments}
    now = {p.name: p for p in new.payments}
    lines = [f"新增缴费「{n}」" for n in now if n not in was]
    lines += [f"不再缴纳「{n}」" for n in was if n not in now]
    lines += [f"缴费「{n}」：{_amount(was[n].amount)} → {_amount(p.amount)}"
              for n, p in now.items() if n in was and was[n].amount != p.amount]
    return lines


def _amount(amount: Any) -> str:
    return "按实际情况确定" if amount is None else _money(amount)


def _when(expression: str | None, words: Words) -> str:
    return "" if not expression else f"（适用情形：{in_words(expression, words)}）"


def _materials(old: ItemSpec, new: ItemSpec, words: Words) -> list[str]:
    was = {m.material: m for m in old.materials}
    now = {m.material: m for m in new.materials}
    name = words.materials.get
    lines = [f"新增材料「{name(c, c)}」{_when(m.when, words)}" for c, m in now.items()
             if c not in was]
    lines += [f"不再需要材料「{name(c, c)}」" for c in was if c not in now]
    for code, m in now.items():
        if code not in was or was[code] == m:
            continue
        a = was[code]
        said = []
        if a.required != m.required:
            said.append("改为必须提交" if m.required else "改为非必须")
        if a.key != m.key:
            said.append("改为关键材料（不能容缺）" if m.key else "不再是关键材料（可以容缺）")
        if a.commitment_allowed != m.commitment_allowed:
            said.append("可以告知承诺代替" if m.commitment_allowed else "不再接受告知承诺代替")
        if a.when != m.when:
            said.append(f"适用情形改为：{in_words(m.when, words)}")
        if a.note != m.note:
            said.append(f"说明改为：{m.note or '（无）'}")
        lines.append(f"材料「{name(code, code)}」：{'；'.join(said) or '细节有修改'}")
    return lines


def _field_uses(old: ItemSpec, new: ItemSpec, words: Words) -> list[str]:
    was = {f.field: f for f in old.fields}
    now = {f.field: f for f in new.fields}
    label = words.fields.get
    lines = [f"表单新增填写项「{label(c, c)}」{_when(f.when, words)}" for c, f in now.items()
             if c not in was]
    lines += [f"表单不再填写「{label(c, c)}」" for c in was if c not in now]
    lines += [f"填写项「{label(c, c)}」的适用情形改为：{in_words(f.when, words)}"
              for c, f in now.items() if c in was and was[c].when != f.when]
    return lines


def _texts(label: str, old: list[str], new: list[str]) -> list[str]:
    lines = [f"新增{label}：{t}" for t in new if t not in old]
    return lines + [f"取消{label}：{t}" for t in old if t not in new]


# --- a bundle ----------------------------------------------------------------------------


def _bundle(old: BundleSpec, new: BundleSpec, words: Words) -> list[str]:
    words = words.within(new)
    lines = []
    if old.name != new.name:
        lines.append(f"名称：{old.name} → {new.name}")
    lines += _questions(old, new)
    lines += _stage_items(old, new, words)
    if old.promised_days != new.promised_days:
        lines.append(f"一件事承诺时限：{_bundle_days(old.promised_days)} → "
                     f"{_bundle_days(new.promised_days)}")
    if old.visits != new.visits:
        lines.append(f"到现场次数：{_shown(old.visits)} → {_shown(new.visits)}")
    if old.regions != new.regions:
        lines.append(f"开办地区：{_regions(old.regions)} → {_regions(new.regions)}")
    for key, label in (("description", "说明"), ("baseline", "改革前基准数据"),
                       ("checks", "填写校验"), ("audience", "服务对象"),
                       ("keywords", "搜索关键词")):
        if getattr(old, key) != getattr(new, key):
            lines.append(f"{label}已修改")
    return lines


def _bundle_days(days: int | None) -> str:
    return "按各事项时限" if days is None else _days(days)


def _regions(codes: list[str]) -> str:
    return "、".join(codes) if codes else "全部地区"


def _questions(old: BundleSpec, new: BundleSpec) -> list[str]:
    was = {q.code: q for q in old.questions}
    now = {q.code: q for q in new.questions}
    lines = [f"新增情形问题「{q.text}」" for c, q in now.items() if c not in was]
    lines += [f"不再询问「{q.text}」" for c, q in was.items() if c not in now]
    for code, q in now.items():
        if code not in was or was[code] == q:
            continue
        a = was[code]
        if a.text != q.text:
            lines.append(f"情形问题「{a.text}」改为「{q.text}」")
        if a.options != q.options:
            lines.append(f"情形问题「{q.text}」的选项：{_shown(a.options)} → {_shown(q.options)}")
        if (a.type, a.default, a.help) != (q.type, q.default, q.help):
            lines.append(f"情形问题「{q.text}」的回答方式或说明已修改")
    return lines


def _stage_items(old: BundleSpec, new: BundleSpec, words: Words) -> list[str]:
    def placed(bundle: BundleSpec) -> dict[str, tuple[int, str | None]]:
        return {si.item: (n, si.when) for n, stage in enumerate(bundle.stages, 1)
                for si in stage.items}

    was, now = placed(old), placed(new)
    name = words.items.get
    lines = [f"新增事项「{name(c, c)}」（第 {n} 阶段）{_when(w, words)}"
             for c, (n, w) in now.items() if c not in was]
    lines += [f"不再包含事项「{name(c, c)}」" for c in was if c not in now]
    for code, (n, when) in now.items():
        if code not in was:
            continue
        if was[code][0] != n:
            lines.append(f"事项「{name(code, code)}」：第 {was[code][0]} 阶段 → 第 {n} 阶段")
        if was[code][1] != when:
            lines.append(f"事项「{name(code, code)}」的适用情形改为：{in_words(when, words)}")
    return lines
