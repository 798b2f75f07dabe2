"""The domains of onething, wired together: every table (for migrations and tests), every
domain's event handlers (for the message bus) and periodic jobs (`kernel.jobs`).

A door (the web application, the command line, a test, a benchmark) calls `load()` once
before it serves anything. A new domain adds its name to DOMAINS, in the order its handlers
must run relative to the others'.
"""

from __future__ import annotations

import importlib
import importlib.util

from onething.kernel import bus
from onething.kernel.db import Base

# lower layers first: a handler of a later domain runs after those of the earlier ones
DOMAINS = ("audit", "calendar", "files", "catalog", "identity", "outbox", "credit", "guide",
           "cases", "licences", "commitments", "ratings", "assistance", "exchange",
           "hotline", "knowledge", "disclosure", "library", "supervision", "profiles", "open311",
           "policies", "inspections", "intermediaries")

for _domain in DOMAINS:  # every table, so that Base.metadata is whole
    if importlib.util.find_spec(f"onething.{_domain}.models") is not None:
        importlib.import_module(f"onething.{_domain}.models")

metadata = Base.metadata


def load() -> None:
    """Register every domain's event handlers (`<domain>/handlers.py`) and periodic jobs
    (`<domain>/jobs.py`); idempotent."""
    for domain in DOMAINS:
        for part in ("handlers", "jobs"):
            if importlib.util.find_spec(f"onething.{domain}.{part}") is not None:
                importlib.import_module(f"onething.{domain}.{part}")
    bus.mark_wired()


__all__ = ["DOMAINS", "load", "metadata"]
