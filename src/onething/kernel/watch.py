"""Facts about watched deadlines that any domain may record and supervision listens to.

A deadline is watched for a subject (a task, an application, a special procedure, the
acceptance of an online application, the issuing of results, a rectification, a
commitment check …). A domain whose subject supervision cannot read for itself announces
it with `WatchStarted` (ratings for a rectification, commitments for a follow-up check);
supervision keeps what its sweep needs to raise cards. When the subject is done, its domain
publishes `WatchEnded`: the cards raised about it close with the working days it was late,
and the deadline is no longer watched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onething.kernel.bus import Event


@dataclass(frozen=True)
class WatchStarted(Event):
    """Watch `subject` `subject_id` (`rectification`, `commitment_check`), opened on
    `opened_on` and due by `due_on` (the working days between them are its time limit).

    `title` names it on its cards (差评整改（办件 …）); the office answering for it is the
    `department` in `region`, or the region's receiving window (`window`); `responsible_id`,
    when one person answers for it; `application_id` and `task_id`, what it belongs to."""

    subject: str
    subject_id: int
    opened_on: dt.date
    due_on: dt.date
    title: str
    region: str
    department: str | None = None
    window: bool = False
    application_id: int | None = None
    task_id: int | None = None
    responsible_id: int | None = None


@dataclass(frozen=True)
class WatchEnded(Event):
    """The watched `subject` (`task`, `application`, `procedure`, `acceptance`, `issuing`,
    `rectification`, `commitment_check`) is done; lateness counts against `deadline`, or
    with none against the deadline each card named."""

    subject: str
    subject_id: int
    deadline: dt.date | None = None
