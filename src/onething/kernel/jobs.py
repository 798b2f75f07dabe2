"""Periodic jobs: work the platform does on its own, every few seconds or minutes.

Each domain registers its jobs in its `jobs.py` with `@periodic(name, stage)` (loaded by
`onething.wiring.load`, like the event handlers); a run (`run_all`) does every job once, in
the order of their stages. `onething serve` runs them in a background thread of each
process (`Scheduler`); `onething worker` runs them on its own. Both may run at once, in any
number of processes: a job shares its work through row locks (`FOR UPDATE SKIP LOCKED`)
and unique keys, never through anything held in one process.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from onething.kernel.config import Settings

log = logging.getLogger("onething.scheduled")


class Stage(IntEnum):
    """When in a run a job runs: first what finds work for people (the deadline sweep),
    then reminders, last the sending of what the others queued (in the same run)."""

    watch = 10
    remind = 20
    send = 90


@dataclass
class Run:
    """What a job gets: the sessions, the settings, the time of the run, and `kept`, what
    jobs keep between the runs of one scheduler (built once, such as the catalog)."""

    sessions: sessionmaker[Session]
    settings: Settings
    now: dt.datetime
    kept: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    name: str
    stage: Stage
    work: Callable[[Run], str]  # does the job once; what it did, in words


class NotReady(Exception):
    """A job cannot run yet (no catalog has been loaded): the run stops, quietly."""


_jobs: dict[str, Job] = {}


def periodic(name: str, stage: Stage) -> Callable[[Callable[[Run], str]],
                                                  Callable[[Run], str]]:
    """Register the decorated function as the job `name`, run at `stage` of every run."""

    def register(work: Callable[[Run], str]) -> Callable[[Run], str]:
        _jobs[name] = Job(name, stage, work)
        return work

    return register


def jobs() -> list[Job]:
    """The registered jobs, in the order a run does them."""
    return sorted(_jobs.values(), key=lambda j: j.stage)


def run_all(run: Run) -> str:
    """Every job once, in order; what each did, in words (raises `NotReady`)."""
    return "；".join(job.work(run) for job in jobs())


class Scheduler(threading.Thread):
    """Runs every job every `interval` seconds until stopped; errors are logged, not
    fatal."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings,
                 clock: Callable[[], dt.datetime], interval: float) -> None:
        super().__init__(name="onething-scheduler", daemon=True)
        self.sessions, self.settings, self.clock = sessions, settings, clock
        self.interval, self.stopped = interval, threading.Event()
        self.kept: dict[str, Any] = {}

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                log.info("%s", run_all(Run(self.sessions, self.settings, self.clock(),
                                           self.kept)))
            except NotReady:
                continue
            except Exception:
                log.exception("scheduled run failed; trying again next time")

    def stop(self) -> None:
        self.stopped.set()
