"""Periodic work: the deadline sweep, rating invitations and the outbox.

`onething serve` runs it in a background thread of each process; `onething worker`
runs it on its own for multi-process production. Both may run at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from onething.catalog.service import CatalogCache, NoCatalog
from onething.kernel.config import Settings
from onething.outbox.service import deliver_pending, sender_for
from onething.supervision.profile import load_profile
from onething.supervision.sweep import SweepReport, sweep

log = logging.getLogger("onething.scheduled")


@dataclass
class RunReport:
    sweep: SweepReport
    invited: int
    sent: int

    def __str__(self) -> str:
        return f"{self.sweep}；评价邀请 {self.invited}；已发送通知 {self.sent}"


def run_once(sessions: sessionmaker[Session], settings: Settings, now: dt.datetime,
             catalogs: CatalogCache | None = None) -> RunReport:
    from onething.ratings.service import invite_to_rate

    catalog = (catalogs or CatalogCache()).recent(sessions, 0)
    report = sweep(sessions, catalog, now, load_profile(settings.card_profile))
    invited = invite_to_rate(sessions, now, settings.rating_invite_days)
    sent = deliver_pending(sessions, sender_for(settings), now)
    return RunReport(report, invited, sent)


class Scheduler(threading.Thread):
    """Runs `run_once` every `interval` seconds until stopped; errors are logged, not fatal."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings,
                 clock: Callable[[], dt.datetime], interval: float) -> None:
        super().__init__(name="onething-scheduler", daemon=True)
        self.sessions, self.settings, self.clock = sessions, settings, clock
        self.interval, self.stopped = interval, threading.Event()
        self.catalogs = CatalogCache()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                log.info("%s", run_once(self.sessions, self.settings, self.clock(),
                                        self.catalogs))
            except NoCatalog:
                continue
            except Exception:
                log.exception("scheduled run failed; trying again next time")

    def stop(self) -> None:
        self.stopped.set()
