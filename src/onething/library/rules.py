"""The document library's rules without a database: the statuses (有效, 已修改, 失效, 废止),
a document's status on a date from its status history, the order its dates must keep, the
issuing bodies a region has, and who may edit a body's documents. Pure."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from onething.kernel.principal import Principal, Role


class DocStatus(enum.StrEnum):
    valid = "valid"  # 有效
    amended = "amended"  # 已修改 (still in force, as amended)
    expired = "expired"  # 失效
    repealed = "repealed"  # 废止


STATUS_NAMES = {DocStatus.valid: "有效", DocStatus.amended: "已修改",
                DocStatus.expired: "失效", DocStatus.repealed: "废止"}
BANNERS = {DocStatus.valid: "现行有效", DocStatus.amended: "已修改（修改后继续有效）",
           DocStatus.expired: "已失效", DocStatus.repealed: "已废止"}
BY_NAME = {name: status for status, name in STATUS_NAMES.items()}
IN_FORCE = frozenset({DocStatus.valid, DocStatus.amended})
FINAL = frozenset({DocStatus.expired, DocStatus.repealed})
NOT_YET = "pending"  # published, not yet in force (施行 later)
NOT_YET_NAME = "尚未施行"

# the issuing bodies that are no catalog department: a region's government and its office
GOVERNMENT, GOVERNMENT_OFFICE = "GOV", "GOVOFFICE"
GOVERNMENT_LEVELS = ("province", "city", "county")

NUMBER_MAX, TITLE_MAX, TEXT_MAX, INTERPRETATION_MAX = 100, 200, 200_000, 20_000
CATEGORY_MAX, CATEGORIES_MAX, NOTE_MAX, QUERY_MAX = 20, 8, 500, 100


@dataclass(frozen=True)
class Change:
    """One entry of a document's status history: from `on`, the status is `status`."""

    on: dt.date
    status: DocStatus
    replaced_by: int | None = None  # the later document that replaced it, if any
    note: str | None = None


@dataclass(frozen=True)
class StatusOn:
    """A document's status on a day, and since when (None: not yet published that day)."""

    status: DocStatus | str | None
    since: dt.date | None
    change: Change | None = None  # the change that made it so, if any

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE

    @property
    def name(self) -> str:
        if self.status is None:
            return "尚未发布"
        if self.status == NOT_YET:
            return NOT_YET_NAME
        return STATUS_NAMES[DocStatus(self.status)]

    @property
    def banner(self) -> str:
        if isinstance(self.status, DocStatus):
            return BANNERS[self.status]
        return self.name


def in_order(changes: Iterable[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: c.on)


def status_on(published: dt.date, effective: dt.date | None, changes: Sequence[Change],
              day: dt.date) -> StatusOn:
    """The document's status on `day`: unpublished before its 发布, 尚未施行 before its 施行,
    then 有效 from its 施行 (or 发布) until the latest change on or before `day`."""
    if day < published:
        return StatusOn(None, None)
    start = effective or published
    if day < start:
        return StatusOn(NOT_YET, published)
    last = None
    for change in in_order(changes):
        if change.on <= day:
            last = change
    if last is None:
        return StatusOn(DocStatus.valid, start)
    return StatusOn(last.status, last.on, last)


def kept_status(changes: Sequence[Change], day: dt.date
                ) -> tuple[DocStatus | None, dt.date | None, dt.date | None]:
    """The history kept short as of `day`: the latest change on or before it (its status
    and date; None, None: none yet) and the date of the next change after it."""
    last, following = None, None
    for change in in_order(changes):
        if change.on <= day:
            last = change
        elif following is None:
            following = change.on
    return (last.status if last else None, last.on if last else None, following)


def date_problems(written: dt.date, published: dt.date, effective: dt.date | None,
                  changes: Sequence[Change]) -> list[tuple[str, str]]:
    """What is wrong with the order of a document's dates, as (field, reason) pairs:
    成文 ≤ 发布, 成文 ≤ 施行, every status change on or after the 发布 (and after the 施行),
    nothing after a 失效 or 废止, no two changes on one day."""
    found: list[tuple[str, str]] = []
    if published < written:
        found.append(("published", f"发布日期 {published} 早于成文日期 {written}"))
    if effective is not None and effective < written:
        found.append(("effective", f"施行日期 {effective} 早于成文日期 {written}"))
    ordered = in_order(changes)
    for index, change in enumerate(ordered):
        field = f"status[{index}]"
        if change.on < published:
            found.append((field, f"状态变更日期 {change.on} 早于发布日期 {published}"))
        elif effective is not None and change.on < effective:
            found.append((field, f"状态变更日期 {change.on} 早于施行日期 {effective}"))
        if index and ordered[index - 1].on == change.on:
            found.append((field, f"同一天（{change.on}）有两次状态变更"))
        if index and ordered[index - 1].status in FINAL:
            found.append((field, f"文件已于 {ordered[index - 1].on}"
                                 f"{STATUS_NAMES[ordered[index - 1].status]}，之后不能再变更状态"))
    return found


def change_problem(published: dt.date, effective: dt.date | None,
                   changes: Sequence[Change], new: Change) -> str | None:
    """Why `new` may not be added to `changes`, or None."""
    problems = date_problems(published, published, effective, [*changes, new])
    return next((why for field, why in problems if field.startswith("status")), None)


@dataclass(frozen=True)
class Body:
    """An issuing body (发文机关): a department (or the government, or its office) of a region."""

    code: str
    region: str
    name: str


def government_names(region_name: str, level: str) -> dict[str, str]:
    """The names of a region's 人民政府 and of its office (办公厅 of a province or city,
    办公室 of a county)."""
    office = "办公厅" if level in ("province", "city") else "办公室"
    return {GOVERNMENT: f"{region_name}人民政府",
            GOVERNMENT_OFFICE: f"{region_name}人民政府{office}"}


def may_edit(actor: Principal | None, body: str, in_scope: bool) -> bool:
    """Administrators edit every document; approvers of the issuing department, those of
    their region and below (a government's own documents: administrators only)."""
    if actor is None:
        return False
    if actor.role == Role.admin:
        return True
    return (actor.role == Role.approver and in_scope and actor.department == body
            and body not in (GOVERNMENT, GOVERNMENT_OFFICE))


def edits_any(actor: Principal | None) -> bool:
    return actor is not None and actor.role in (Role.admin, Role.approver)


def categories_text(categories: Sequence[str]) -> str:
    """The categories as one column a filter can match (`|营商环境|政务服务|`)."""
    return "|" + "|".join(categories) + "|" if categories else ""


def categories_of(stored: str) -> list[str]:
    return [c for c in stored.split("|") if c]


def category_problem(category: str) -> str | None:
    if not category or len(category) > CATEGORY_MAX or "|" in category:
        return f"主题分类应为 1 到 {CATEGORY_MAX} 个字，不含“|”"
    return None


def parse_status(value: str) -> DocStatus | None:
    """A status named in Chinese (有效 …) or by its code (valid …)."""
    value = (value or "").strip()
    if value in BY_NAME:
        return BY_NAME[value]
    return DocStatus(value) if value in DocStatus.__members__ else None


def bodies_by_name(bodies: Iterable[Body]) -> Mapping[str, Body]:
    return {b.name: b for b in bodies}
