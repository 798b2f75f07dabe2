"""Domain events and the message bus.

A domain records a fact (`publish(ctx, ApplicationCompleted(...))`) and never calls the
domains that care about it; they subscribe with `@handles(ApplicationCompleted)`. Handlers
run at once, in the publisher's unit of work (the same session and transaction), in the
order the domains are wired (`onething.wiring.DOMAINS`), so a refused step leaves nothing
behind in any domain. Effects outside this database (mail, SMS, other systems) are never
made by a handler directly: a handler writes to the outbox, which sends after the commit.

The events themselves are frozen dataclasses defined by the domain whose fact they are
(`cases/events.py` …), or by the kernel where several domains record the same kind of fact
(`kernel/watch.py`); a handler may publish further events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from onething.kernel.context import Context


@dataclass(frozen=True)
class Event:
    """A fact a domain has recorded; subclasses are frozen dataclasses of ids and values."""


E = TypeVar("E", bound=Event)
C = TypeVar("C", bound=Context)
Handler = Callable[[Any, Any], None]

_handlers: defaultdict[type[Event], list[Handler]] = defaultdict(list)
_wired: list[bool] = [False]


def handles(event_type: type[E]) -> Callable[[Callable[[C, E], None]], Callable[[C, E], None]]:
    """Subscribe the decorated function to `event_type` (and its subclasses)."""

    def register(handler: Callable[[C, E], None]) -> Callable[[C, E], None]:
        if handler not in _handlers[event_type]:
            _handlers[event_type].append(handler)
        return handler

    return register


def publish(ctx: Context, event: Event) -> None:
    """Run every handler of the event now, in the caller's transaction."""
    if not _wired[0]:
        raise RuntimeError("domain handlers not loaded: call onething.wiring.load() first")
    for event_type in type(event).__mro__:
        for handler in list(_handlers.get(event_type, ())):
            handler(ctx, event)


def mark_wired() -> None:
    """Called once every domain's handlers are registered (by `onething.wiring.load`)."""
    _wired[0] = True


def subscribers(event_type: type[Event]) -> list[str]:
    """Who listens to an event, as `module.function` (for docs and tests)."""
    return [f"{h.__module__}.{h.__qualname__}" for h in _handlers.get(event_type, [])]
