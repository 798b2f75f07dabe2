"""Facts about watched deadlines that any domain may record and supervision listens to.

A deadline is watched for a subject (a task, an application, a special procedure, the
acceptance of an online application, the issuing of results, a rectification, a
commitment check …); when the subject is done, its domain publishes `WatchEnded`, and the
cards raised about it close with the working days it was late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onething.kernel.bus import Event


@dataclass(frozen=True)
class WatchEnded(Event):
    """The watched `subject` (`task`, `application`, `procedure`, `acceptance`, `issuing`,
    `rectification`, `commitment_check`) is done; lateness counts against `deadline`, or
    with none against the deadline each card named."""

    subject: str
    subject_id: int
    deadline: dt.date | None = None
