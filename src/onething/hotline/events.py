"""Facts of the 12345 hotline, for the domains that care (ratings, supervision figures, the
knowledge base, disclosure to come)."""

from __future__ import annotations

from dataclasses import dataclass

from onething.kernel.bus import Event


@dataclass(frozen=True)
class TicketAccepted(Event):
    """A ticket was taken (受理) by the centre of `centre_region`."""

    ticket_id: int
    number: str
    region: str
    category: str
    kind: str


@dataclass(frozen=True)
class TicketDispatched(Event):
    """派单 (or 改派): the ticket went to its 主办 office."""

    ticket_id: int
    department: str
    region: str


@dataclass(frozen=True)
class TicketClosed(Event):
    """办结 (after the centre's review) or ended at once (直接答复, 转办, 告知其他途径):
    `how` is the status it ended in (`merged` for a duplicate whose parent ended)."""

    ticket_id: int
    how: str


@dataclass(frozen=True)
class TicketReopened(Event):
    """重办: the caller was not satisfied for a reason the office owns."""

    ticket_id: int


@dataclass(frozen=True)
class TicketEscalated(Event):
    """督办: the ticket was sent back to its office three times."""

    ticket_id: int
    region: str


@dataclass(frozen=True)
class TicketMerged(Event):
    """并单: the ticket follows `parent_id` (it ends when its parent does)."""

    ticket_id: int
    parent_id: int
