"""The facts of a case, as domain events (`onething.kernel.bus`): ids and values, no rows.

The case services publish them where the fact happens, inside the same unit of work; the
domains above cases subscribe in their `handlers.py` and are never called by cases:

- `TaskApproved` → licences issue the licence the item results in (held while 容缺 is not
  supplemented) and record it on the timeline; commitments open the follow-up check (核查)
  if the approval relied on a commitment. Published before the approval itself is recorded,
  so that the timeline reads 填入申请表 → 核发证照 → 准予, as it always has.
- `SupplementReceived` → licences release the licences held for the missing materials.
- `ApprovalRevoked` → licences revoke what the task issued and record it on the timeline.
  The follow-up check establishes it, so commitments publish it; licences and commitments
  are siblings that may not import each other, so the event lives below both: here, since
  it is a fact about a case's task (撤销该决定), not in the kernel, which knows no task.

The others are the case's lifecycle, for whoever needs it next (a hotline, inspections,
disclosure …). Cards close through the kernel's `WatchEnded`, published at the same
moments. Who listens to what: `bus.subscribers(event_type)` (tests/test_bus.py lists it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from onething.kernel.bus import Event

# --- the application -------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationSubmitted(Event):
    """一表申请: an application was submitted (online, at the window, by a proxy)."""

    application_id: int
    applicant_id: int
    channel: str


@dataclass(frozen=True)
class ApplicationResubmitted(Event):
    """A returned application was fixed and submitted again under its number."""

    application_id: int


@dataclass(frozen=True)
class ApplicationAccepted(Event):
    """一窗受理: the window accepted the application (`deficient`: 容缺受理) and its tasks
    were created; the first stage is open."""

    application_id: int
    deficient: bool


@dataclass(frozen=True)
class ApplicationReturned(Event):
    """The window returned the application for fixing, with one notice of every problem."""

    application_id: int


@dataclass(frozen=True)
class ApplicationRefused(Event):
    """The window refused to accept the application (不予受理), with its reason."""

    application_id: int


@dataclass(frozen=True)
class ApplicationWithdrawn(Event):
    """The applicant withdrew the application; its open tasks are cancelled."""

    application_id: int


@dataclass(frozen=True)
class SupplementReceived(Event):
    """容缺: the missing materials were brought within the period; held results may go."""

    application_id: int


@dataclass(frozen=True)
class ApplicationTerminated(Event):
    """容缺: the supplement period passed without the materials; the case ends (终止)."""

    application_id: int


@dataclass(frozen=True)
class ApplicationForwarded(Event):
    """跨省通办: the window forwarded the submitted application to the partner platform
    `partner` (its code), which decides it; the case ends here as forwarded."""

    application_id: int
    partner: str
    reason: str


@dataclass(frozen=True)
class ApplicationReceived(Event):
    """跨省通办: a case received by the partner platform `partner`'s window was accepted
    here on that window's check (异地代收); its tasks are at the competent offices."""

    application_id: int
    partner: str


@dataclass(frozen=True)
class ApplicationCompleted(Event):
    """Every task is decided: the application is completed, partly denied or denied
    (`status`), and its result is to be issued."""

    application_id: int
    status: str


@dataclass(frozen=True)
class ResultsDelivered(Event):
    """统一出件: the results were delivered (`method`: window, post or electronic)."""

    application_id: int
    method: str


# --- tasks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskApproved(Event):
    """The office approved the task; `values` are those its item's result creates (already
    in the application's form), for the licence to carry."""

    application_id: int
    task_id: int
    item_code: str
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}),
                                      hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


@dataclass(frozen=True)
class TaskDecided(Event):
    """The office decided the task (`decision`: approve or deny); recorded on the timeline,
    the next stage or the application's completion follow."""

    application_id: int
    task_id: int
    decision: str


@dataclass(frozen=True)
class ApprovalRevoked(Event):
    """The approval of a task is revoked (撤销该决定): the follow-up check found the
    commitment it relied on false. What it issued is revoked with it, for `reason`."""

    application_id: int
    task_id: int
    reason: str
