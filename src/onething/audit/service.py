"""Writing the audit trail (with the transaction that does the change) and checking it.

Services call `record`; the records are sealed into their chains when the session
commits, under a lock on each chain's head, so the chain's order is the order in which
the changes were committed and a change rolled back leaves no record.

A city's records (the first four digits of the region; "0000" for the province and the
platform) are spread over `LANES` chains by their subject ("4301-07"): a subject's records
stay in one chain, in order, and the writers of one city queue on a head only when their
subjects share a lane. With one chain per city every write of the city waited for the one
before it to commit (the lock is held through the commit's flush to disk).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from onething.audit.chain import GENESIS, Break, first_break, seal
from onething.audit.models import AuditHead, AuditRecord
from onething.kernel.db import upsert
from onething.kernel.principal import Principal

PLATFORM = "0000"
LANES = 16  # chains per city; changing it only sends new records to other chains
# the client address of the request being served (set by the app's middleware)
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
_PENDING = "onething.audit"


class RecordAddress:
    """ASGI middleware: the client's address (after the trusted proxy headers uvicorn
    applies) for the audit records written while serving the request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        client = scope.get("client") if scope["type"] == "http" else None
        token = client_address.set(client[0] if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            client_address.reset(token)


def chain_of(region: str | None, subject: str = "", subject_id: Any = None) -> str:
    """The chain of a record: its city's, in the lane of its subject."""
    city = region[:4] if region and len(region) >= 4 and region[:4] != "4300" else PLATFORM
    lane = zlib.crc32(f"{subject}/{subject_id}".encode()) % LANES
    return f"{city}-{lane:02d}"


def scope_of(actor: Principal) -> str | None:
    parts = [p for p in (actor.region, actor.department) if p]
    return "/".join(parts) or None


def record(session: Session, actor: Principal, action: str, subject: str,
           subject_id: Any = None, *, region: str | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           at: dt.datetime | None = None) -> None:
    """Adds a record to be sealed when `session` commits (nothing if it rolls back)."""
    session.info.setdefault(_PENDING, []).append({
        "chain": chain_of(region, subject, subject_id), "at": at or dt.datetime.now(dt.UTC),
        "actor_id": actor.user_id or None, "actor": actor.username, "role": actor.role.value,
        "scope": scope_of(actor), "action": action, "subject": subject,
        "subject_id": None if subject_id is None else str(subject_id),
        "before": before, "after": after, "address": client_address.get()})


@event.listens_for(Session, "before_commit")
def _seal_pending(session: Session) -> None:
    if not session.info.get(_PENDING):
        return
    # the transaction's own changes go out first (the commit would flush them after this
    # hook, with the chain's head locked): the head is held for its own three statements
    # and the commit, so the writers of a city queue on it as briefly as they can
    session.flush()
    pending = session.info.pop(_PENDING)
    connection = session.connection()
    for chain in sorted({r["chain"] for r in pending}):  # one lock order: no deadlocks
        seq, last = _locked_head(connection, chain)  # locked until the transaction ends
        sealed = []
        for values in (r for r in pending if r["chain"] == chain):
            values.update(seq=seq + 1, prev_hash=last)
            values["hash"] = seal(values)
            sealed.append(values)
            seq, last = values["seq"], values["hash"]
        connection.execute(_APPEND, sealed)
        connection.execute(_MOVE_HEAD, {"of_chain": chain, "new_seq": seq, "new_hash": last})


# the chain's head as statements built once (a commit only binds), not as ORM objects
_HEADS = AuditHead.__table__.c
_APPEND = insert(AuditRecord)
_HEAD = select(_HEADS.seq, _HEADS.hash).where(_HEADS.chain == bindparam("chain")).with_for_update()
_MOVE_HEAD = update(AuditHead).where(AuditHead.chain == bindparam("of_chain")).values(
    seq=bindparam("new_seq"), hash=bindparam("new_hash"))


def _locked_head(connection: Connection, chain: str) -> tuple[int, str]:
    """The chain's (seq, hash), its row locked until the transaction ends; created first
    when the chain is new, safely when several processes create it at once (the loser of
    the race waits for the winner's row instead of failing on the key)."""
    found = connection.execute(_HEAD, {"chain": chain}).first()
    if found is None:
        connection.execute(upsert(connection)(AuditHead).values(
            chain=chain, seq=0, hash=GENESIS).on_conflict_do_nothing(index_elements=["chain"]))
        found = connection.execute(_HEAD, {"chain": chain}).one()
    return int(found.seq), str(found.hash)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def heads(session: Session) -> dict[str, tuple[int, str]]:
    """Each chain's last (seq, hash): worth keeping outside the database, e.g. printed daily,
    since someone who rewrites a whole chain and its head is caught only against that."""
    return {h.chain: (h.seq, h.hash) for h in session.scalars(select(AuditHead))}


def verify(session: Session) -> tuple[int, Break | None]:
    """Checks every chain from its first record to its head: (records checked, the first
    broken record or None)."""
    stored = heads(session)
    chains = sorted(set(stored) | set(session.scalars(select(AuditRecord.chain).distinct())))
    checked = 0
    for chain in chains:
        read, found = first_break(chain, _records(session, chain), stored.get(chain))
        checked += read
        if found is not None:
            return checked, found
    return checked, None


_COLUMNS = [AuditRecord.id, *(getattr(AuditRecord, name) for name in (
    "chain", "seq", "at", "actor_id", "actor", "role", "scope", "action", "subject",
    "subject_id", "before", "after", "address", "prev_hash", "hash"))]


def _records(session: Session, chain: str) -> Iterator[dict[str, Any]]:
    rows = session.execute(select(*_COLUMNS).where(AuditRecord.chain == chain)
                           .order_by(AuditRecord.seq).execution_options(yield_per=2000))
    for row in rows:
        yield row._asdict()
