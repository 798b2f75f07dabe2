"""扫码评价 without signing in: wrong rating codes are counted per address, like failed
logins (identity.logins), and an address that keeps guessing is locked for a while (429
with Retry-After). A code is 50 random bits, so guessing one is hopeless anyway; the lock
keeps anyone from trying at the server's expense and shows in the log who did.

A wrong code is counted in a transaction of its own, after the request's own is rolled
back, so that the count is kept whatever the request does next.

The same throttle counts other guesses made without signing in (the hotline's tracking by
ticket number and phone): a `Guesser` names its own counter, the refusal it counts and the
words of its lock.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from onething.identity.logins import throttle_row
from onething.identity.models import LoginThrottle
from onething.kernel.config import Settings
from onething.kernel.errors import NotFound, TooManyRequests

log = logging.getLogger("onething.ratings")
NOT_FOUND = "rating_code_not_found"


@dataclass(frozen=True)
class Guesser:
    """Who types codes, from where, when; how many wrong ones they may type, and for how long
    they are locked out once they reach that."""

    address: str
    now: datetime
    limit: int = 10
    lock: timedelta = timedelta(minutes=15)
    counter: str = "code"  # the throttle's key prefix
    counts: str = NOT_FOUND  # the refusal's code that counts as a wrong guess
    locked_code: str = "rating_code_locked"
    locked_text: str = ("评价码输入错误次数过多，请 {minutes} 分钟后再试；"
                        "如评价码无法使用，请到窗口重新打印评价回执")

    @property
    def key(self) -> str:
        return f"{self.counter}:" + self.address[:64]


def guesser(settings: Settings, address: str, now: datetime) -> Guesser:
    return Guesser(address, now, settings.rating_code_max_failures,
                   timedelta(minutes=settings.login_lock_minutes))


def tracking_guesser(settings: Settings, address: str, now: datetime) -> Guesser:
    """Who tracks 12345 tickets by number and phone without signing in: a wrong pair counts
    like a wrong rating code, on a counter of its own."""
    return Guesser(address, now, settings.rating_code_max_failures,
                   timedelta(minutes=settings.login_lock_minutes), counter="track",
                   counts="ticket_not_found", locked_code="tracking_locked",
                   locked_text="工单编号或电话输入错误次数过多，请 {minutes} 分钟后再试")


@contextmanager
def counted(session: Session, writers: sessionmaker[Session], g: Guesser) -> Iterator[None]:
    """Run the block unless the address is locked; a wrong code it meets is counted (and may
    lock the address: 429 instead of the 404)."""
    refuse_if_locked(session, g)
    try:
        yield
    except NotFound as exc:
        if exc.code != g.counts:
            raise
        session.rollback()
        count_failure(writers, g)
        raise


def refuse_if_locked(session: Session, g: Guesser) -> None:
    row = session.get(LoginThrottle, g.key)
    if row is not None and row.locked_until is not None and row.locked_until > g.now:
        raise _locked(row.locked_until - g.now, g)


def count_failure(writers: sessionmaker[Session], g: Guesser) -> None:
    """One more wrong code from the address (failures older than the lock are forgotten);
    at the limit the address is locked."""
    with writers.begin() as session:
        row = throttle_row(session, g.key, g.now)
        if row.locked_until is not None or row.last_failure_at + g.lock <= g.now:
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = g.now
        locked = row.failures >= g.limit
        if locked:
            row.locked_until = g.now + g.lock
    if locked:
        log.warning("%s guesses: %s locked after %d wrong ones", g.counter, g.address, g.limit)
        raise _locked(g.lock, g)


def _locked(wait: timedelta, g: Guesser) -> TooManyRequests:
    seconds = max(1, math.ceil(wait.total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    return TooManyRequests(g.locked_text.format(minutes=minutes), retry_after=seconds,
                           code=g.locked_code)
