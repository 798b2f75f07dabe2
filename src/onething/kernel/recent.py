"""A value a process builds from the database and keeps, asking for a newer one at most
every few seconds (the catalog in force, the working-day calendar)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


class Recent(Generic[T]):
    """`load(session)` answered from what this process has, asked again at most every
    `max_age` seconds.

    Other processes' changes become visible within `max_age`; a change in this process at
    once, when it calls `clear`. One thread asks at a time while the others go on with the
    value they have: a request asks with a second connection while holding its first, and
    many doing so at once would empty the pool and wait for each other until it times out.
    """

    def __init__(self, load: Callable[[Session], T]) -> None:
        self._load = load
        self._asking = threading.Lock()
        self._value: T | None = None
        self._checked_at = 0.0

    def get(self, sessions: sessionmaker[Session] | Session, max_age: float) -> T:
        """`sessions`: a session factory (the value is asked for with a connection of its
        own), or the caller's session (asked for on the connection the caller holds, so that
        callers waiting for the first answer never wait for the pool as well)."""
        value = self.kept(max_age)
        if value is not None:
            return value
        value = self._value
        if not self._asking.acquire(blocking=value is None):
            assert value is not None
            return value
        try:
            value, now = self._value, time.monotonic()
            if value is not None and now - self._checked_at < max_age:
                return value  # asked while this thread waited
            if isinstance(sessions, Session):
                value = self._load(sessions)
            else:
                with sessions() as session:
                    value = self._load(session)
            self._value, self._checked_at = value, now
            return value
        finally:
            self._asking.release()

    def kept(self, max_age: float) -> T | None:
        """The value this process has if it was asked for within `max_age` s, else None:
        answered without the database (so without a thread, in an async caller)."""
        value = self._value
        if value is not None and time.monotonic() - self._checked_at < max_age:
            return value
        return None

    def clear(self) -> None:
        self._value = None
        self._checked_at = 0.0
