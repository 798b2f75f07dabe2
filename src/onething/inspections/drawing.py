"""Freezing a task's pools and drawing it (docs/DRAW.md), streamed so that memory stays
bounded by the objects drawn, not by the pool.

Freeze: the object pool (the entities of the task's region that its filter selects, in
the order of their 统一社会信用代码) is read a page at a time, hashed and kept a page a
chunk; the inspector roster (the task's departments' inspectors of its region) is sorted
and hashed; a secret seed is made and its commitment published with both hashes.

Draw: the frozen pool and roster are read back and must hash as committed (a pool changed
after the commitment is refused; entities or inspectors added to the registers since do
not change a frozen task); the objects are the ids at the positions of `pick_positions` with
stream `objects`; for each, in the order drawn, its inspectors are drawn from the roster
less those left out (回避: a recorded conflict, or the entity's own township office) with
stream `inspectors:<USCC>`. If any object has too few, the whole draw is refused naming
them; otherwise every object is written at once and the seed revealed: the record is
published whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, literal, null, select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.context import Ctx
from onething.catalog.expressions import ExpressionError
from onething.credit import service as credit
from onething.draw.engine import (
    ALGORITHM,
    DrawError,
    PoolHasher,
    commitment,
    new_seed,
    pick,
    pick_positions,
    pool_hash,
    seed_from_hex,
)
from onething.inspections import rules, service
from onething.inspections.models import (
    Entity,
    InspectionObject,
    InspectionTask,
    Inspector,
    PoolChunk,
    Recusal,
)
from onething.inspections.rules import Candidate, TaskStatus
from onething.kernel.errors import Conflict, FieldProblem, Invalid
from onething.kernel.regions import descendants
from onething.profiles.models import Company

PAGE = 20_000  # entities read per query (a stored chunk of the frozen pool: a page's)
INLINE_POOL = 10_000  # a larger object pool is published as a file beside the record
SHOWN_SHORT = 20  # objects named in a refusal for too few inspectors
WRITE = 5_000  # objects written per statement
_OBJECTS = cast(Table, InspectionObject.__table__)
_CHUNKS = cast(Table, PoolChunk.__table__)

def sync_companies(session: Session) -> int:
    """Companies of the company files (一企一档) not yet in the 名录库 join it, class B."""
    known = select(Entity.uscc).where(Entity.uscc == Company.uscc)
    result = session.execute(insert(Entity).from_select(
        ["uscc", "name", "kind", "region_code", "township_code", "risk_class", "source",
         "updated_at"],
        select(Company.uscc, Company.name, Company.kind, Company.region_code, null(),
               literal(rules.DEFAULT_RISK), literal("company"), Company.updated_at)
        .where(~known.exists())))
    return int(getattr(result, "rowcount", 0) or 0)


_FILTER_COLUMNS = {"name": Entity.name, "kind": Entity.kind, "region": Entity.region_code,
                   "township": Entity.township_code, "risk": Entity.risk_class,
                   "source": Entity.source}


def _fetched(connection: Connection, statement: Any) -> list[Any]:
    """The rows of a statement of plain columns, straight from the driver's cursor: on a
    page of 20 000 the result's processing would cost five times the query."""
    compiled = statement.compile(dialect=connection.dialect,
                                 compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _pool(ctx: Ctx, found: InspectionTask) -> Iterator[list[str]]:
    """The task's object pool, in order, a page at a time: the USCC of each entity of its
    region that its filter selects. Only the columns the filter reads are fetched, through
    Core (no ORM rows)."""
    try:
        check = rules.compile_filter(found.object_filter)
    except ExpressionError as exc:
        raise Invalid(str(exc), code="inspection_filter",
                      problems=[FieldProblem("object_filter", str(exc))]) from exc
    holds = check.holds_for()
    reads = check.reads
    named = [n for n in reads if n != "uscc"]
    read = [_FILTER_COLUMNS[n] for n in named]
    bad = credit.keys_in_bad_standing(ctx.session, ctx.today) if "risk" in reads else set()
    regions = sorted(descendants(ctx.catalog.regions, found.region_code))
    connection = ctx.session.connection()
    last = ""
    while True:
        rows = _fetched(connection, select(Entity.uscc, *read).where(
            Entity.uscc > last, Entity.region_code.in_(regions)).order_by(Entity.uscc)
            .limit(PAGE))
        if not reads:
            if not rows:
                return
            yield [row[0] for row in rows]
            last = rows[-1][0]
            continue
        if not rows:
            return
        selected: list[str] = []
        for row in rows:
            values = dict(zip(named, row[1:], strict=True))
            values["uscc"] = row[0]
            if "risk" in values:
                values["risk"] = rules.effective_risk(values["risk"], row[0] in bad)
            try:
                if holds([values[n] or "" for n in reads]):
                    selected.append(row[0])
            except ExpressionError as exc:
                raise Invalid(f"筛选条件对 {row[0]} 无法求值：{exc}",
                              code="inspection_filter") from exc
        yield selected
        last = rows[-1][0]


def _details(session: Session, usccs: list[str]) -> dict[str, tuple[str, str | None]]:
    """The name and township of each entity drawn, a thousand at a time."""
    found: dict[str, tuple[str, str | None]] = {}
    connection = session.connection()
    for at in range(0, len(usccs), 1000):
        for uscc, name, township in _fetched(connection, select(
                Entity.uscc, Entity.name, Entity.township_code).where(
                Entity.uscc.in_(usccs[at:at + 1000]))):
            found[uscc] = (name, township)
    return found


def _roster(ctx: Ctx, found: InspectionTask) -> list[Candidate]:
    """The task's inspectors (its departments', of its region and below), sorted."""
    inside = descendants(ctx.catalog.regions, found.region_code)
    rows = ctx.session.execute(select(Inspector.cert_number, Inspector.township_code,
                                      Inspector.region_code).where(
        Inspector.department_code.in_(found.departments))).all()
    return sorted((Candidate(c, t) for c, t, r in rows if r in inside),
                  key=lambda c: c.cert_number.encode())


def _frozen_roster(session: Session, found: InspectionTask) -> list[Candidate]:
    """The inspectors frozen with the task, with their township offices; refused when the
    frozen list no longer hashes as committed or one of them is gone."""
    roster = found.roster or []
    if pool_hash(roster) != found.roster_hash:
        raise Conflict("执法检查人员名录在公布承诺后发生了变化，不能摇号",
                       code="inspection_pool_changed")
    towns = dict(session.execute(select(Inspector.cert_number, Inspector.township_code).where(
        Inspector.cert_number.in_(roster))).all()) if roster else {}
    gone = [c for c in roster if c not in towns]
    if gone:
        raise Conflict(f"执法检查人员名录在公布承诺后发生了变化：{'、'.join(gone)} 已不在名录库中，"
                       "不能摇号", code="inspection_pool_changed")
    return [Candidate(c, towns[c]) for c in roster]


def _hashed(add: Any, ids: list[str]) -> None:
    try:
        add(ids)
    except DrawError as exc:  # the database's order is not the ids' byte order
        raise Conflict(f"检查对象名录的排序与编号的字节顺序不一致：{exc}",
                       code="inspection_pool_order") from exc


def freeze(ctx: Ctx, task_id: int) -> InspectionTask:
    """Freeze the pools and publish the seed's commitment (the seed stays secret)."""
    found = service.task(ctx.session, task_id)
    service.require_manage(ctx, found.departments, found.region_code, "冻结名录")
    if found.status != TaskStatus.draft.value:
        raise Conflict("该任务的名录已冻结", code="inspection_task_frozen")
    sync_companies(ctx.session)
    hasher, seq = PoolHasher(), 0
    for ids in _pool(ctx, found):
        if not ids:
            continue
        _hashed(hasher.add_all, ids)
        ctx.session.execute(insert(_CHUNKS), [{"task_id": found.id, "seq": seq,
                                               "ids": "\n".join(ids)}])
        seq += 1
    if hasher.size == 0:
        raise Invalid("按任务的地区和筛选条件，检查对象名录库中没有对象",
                      code="inspection_pool_empty",
                      problems=[FieldProblem("object_filter", "没有符合条件的检查对象")])
    roster = [c.cert_number for c in _roster(ctx, found)]
    seed = new_seed()
    found.seed, found.commitment = seed.hex(), commitment(seed)
    found.pool_hash, found.pool_size = hasher.hexdigest(), hasher.size
    found.roster, found.roster_hash = roster, pool_hash(roster)
    found.status, found.frozen_at = TaskStatus.frozen.value, ctx.now
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "freeze_inspection_task", "inspection_task",
                 found.id, at=ctx.now, region=found.region_code,
                 after={"commitment": found.commitment, "pool_hash": found.pool_hash,
                        "pool_size": found.pool_size, "roster_hash": found.roster_hash})
    return found


def _frozen_pages(session: Session, task_id: int) -> Iterator[list[str]]:
    """The frozen object pool, in order, a stored chunk at a time."""
    last = -1
    while True:
        chunks = session.execute(select(PoolChunk.seq, PoolChunk.ids).where(
            PoolChunk.task_id == task_id, PoolChunk.seq > last)
            .order_by(PoolChunk.seq).limit(10)).all()
        if not chunks:
            return
        for seq, ids in chunks:
            yield ids.split("\n")
            last = seq


def pool_ids(session: Session, task_id: int) -> Iterator[str]:
    """The frozen object pool, in order (the file published beside a large record)."""
    for ids in _frozen_pages(session, task_id):
        yield from ids


def _picked(ctx: Ctx, found: InspectionTask, seed: bytes) -> list[str]:
    """The objects drawn, in the order drawn, from the frozen pool re-hashed: a pool that no
    longer hashes as committed (changed after the commitment) is refused."""
    size = found.pool_size or 0
    k = rules.objects_to_draw(found.ratio, size)
    wanted = sorted((position, i) for i, position
                    in enumerate(pick_positions(seed, "objects", size, k)))
    picked: list[str] = [""] * k
    hasher, at = PoolHasher(), 0
    for ids in _frozen_pages(ctx.session, found.id):
        start = hasher.size
        try:
            hasher.add_all(ids)
        except DrawError as exc:  # out of order or repeated: not the list committed to
            raise Conflict(f"检查对象名录在公布承诺后发生了变化（{exc}），不能摇号",
                           code="inspection_pool_changed") from exc
        while at < k and wanted[at][0] < hasher.size:
            position, i = wanted[at]
            picked[i] = ids[position - start]
            at += 1
    if hasher.hexdigest() != found.pool_hash or hasher.size != size:
        raise Conflict(f"检查对象名录在公布承诺后发生了变化（现有 {hasher.size} 户，哈希 "
                       f"{hasher.hexdigest()}；公布的为 {found.pool_size} 户，哈希 "
                       f"{found.pool_hash}），不能摇号", code="inspection_pool_changed")
    return picked


def _recused(session: Session, roster: list[Candidate]) -> dict[str, frozenset[str]]:
    """回避 records of the roster's inspectors, by entity."""
    certs = [c.cert_number for c in roster]
    found: dict[str, set[str]] = {}
    for at in range(0, len(certs), 1000):
        for uscc, cert in session.execute(select(Recusal.uscc, Inspector.cert_number).join(
                Inspector, Inspector.id == Recusal.inspector_id).where(
                Inspector.cert_number.in_(certs[at:at + 1000]))):
            found.setdefault(uscc, set()).add(cert)
    return {uscc: frozenset(certs) for uscc, certs in found.items()}


_OBJECT_COLUMNS = ("task_id", "seq", "uscc", "name", "township_code", "left_out",
                   "pool_hash", "inspectors")


def _write_objects(session: Session, rows: list[dict[str, Any]]) -> None:
    """Objects drawn, in the session's transaction: COPY on PostgreSQL (a draw writes
    hundreds of thousands), one executemany elsewhere."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(_OBJECTS), rows)
        return
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY inspection_objects ({', '.join(_OBJECT_COLUMNS)}) "
                             "FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False)
                            if c in ("left_out", "inspectors") else row[c]
                            for c in _OBJECT_COLUMNS])


def draw(ctx: Ctx, task_id: int) -> InspectionTask:
    """Draw the objects and their inspectors, write them all and reveal the seed; or refuse
    (the pool changed, too few inspectors for some objects) writing nothing."""
    found = service.task(ctx.session, task_id)
    service.require_manage(ctx, found.departments, found.region_code, "摇号")
    if found.status != TaskStatus.frozen.value:
        raise Conflict("只有已冻结名录、尚未摇号的任务可以摇号", code="inspection_task_state")
    seed = seed_from_hex(found.seed or "")
    roster = _frozen_roster(ctx.session, found)
    picked = _picked(ctx, found, seed)
    details = _details(ctx.session, picked)
    recused = _recused(ctx.session, roster)
    per = found.inspectors_per_object
    made: dict[tuple[str | None, frozenset[str]], tuple[list[str], list[list[str]], str]] = {}

    def pool_of(uscc: str) -> tuple[list[str], list[list[str]], str]:
        key = (details[uscc][1], recused.get(uscc, frozenset()))
        if key not in made:
            pool, left = rules.eligible(roster, key[0], key[1])
            made[key] = pool, left, pool_hash(pool)
        return made[key]

    short = [f"{details[u][0]}（{u}，可选 {len(pool_of(u)[0])} 人）" for u in picked
             if len(pool_of(u)[0]) < per]
    if short:
        more = f"等 {len(short)} 户" if len(short) > SHOWN_SHORT else ""
        detail = (f"以下检查对象回避后可选的执法检查人员少于每户 {per} 名，未摇号："
                  f"{'；'.join(short[:SHOWN_SHORT])}{more}")
        raise Invalid(detail, code="inspection_too_few_inspectors",
                      problems=[FieldProblem("inspectors_per_object", detail)])
    for at in range(0, len(picked), WRITE):
        rows = []
        for seq, uscc in enumerate(picked[at:at + WRITE], start=at):
            pool, left, hashed = pool_of(uscc)
            rows.append({"task_id": found.id, "seq": seq, "uscc": uscc,
                         "name": details[uscc][0], "township_code": details[uscc][1],
                         "left_out": left, "pool_hash": hashed,
                         "inspectors": pick(seed, f"inspectors:{uscc}", pool, per)})
        _write_objects(ctx.session, rows)
    found.status, found.drawn_at, found.picked = TaskStatus.drawn.value, ctx.now, len(picked)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "draw_inspection_task", "inspection_task", found.id,
                 at=ctx.now, region=found.region_code,
                 after={"seed": found.seed, "objects": len(picked)})
    return found


# --- the published record ----------------------------------------------------------------


def record(session: Session, task_id: int) -> dict[str, Any]:
    """The whole record of a drawn task, as `onething draw verify` reads it: the objects'
    draw (its pool inline when small, else by hash, published beside it) and each object's
    inspectors' draw with its pool inline."""
    found = service.task(session, task_id)
    if found.status != TaskStatus.drawn.value:
        raise Conflict("该任务尚未摇号，抽取记录在摇号后与种子一并公布",
                       code="inspection_task_not_drawn")
    objects = list(session.execute(select(
        InspectionObject.uscc, InspectionObject.left_out, InspectionObject.pool_hash,
        InspectionObject.inspectors).where(InspectionObject.task_id == found.id)
        .order_by(InspectionObject.seq)))
    first: dict[str, Any] = {"label": "objects", "pool_hash": found.pool_hash,
                             "k": len(objects), "result": [o[0] for o in objects]}
    if (found.pool_size or 0) <= INLINE_POOL:
        first["pool"] = list(pool_ids(session, found.id))
    roster = found.roster or []
    draws = [first]
    for uscc, left, hashed, picked in objects:
        out = {cert for cert, _ in left}
        draws.append({"label": f"inspectors:{uscc}", "pool": [c for c in roster if c not in out],
                      "pool_hash": hashed, "k": len(picked), "result": picked})
    return {"algorithm": ALGORITHM, "task": found.id, "name": found.name,
            "commitment": found.commitment, "seed": found.seed, "draws": draws}
