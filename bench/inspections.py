"""双随机、一公开 at scale: `python -m bench.inspections [--postgres] [--size N]`.

Writes N market entities of 长沙市 into the 检查对象名录库 (COPY on PostgreSQL, executemany
on SQLite: loading a register file through `onething inspections load-entities` is a figure
of its own), 120 inspectors of 市场监管 and 消防 across the city's townships and 2 000 回避
records, then, for one joint task over the whole city (every entity: no filter) at `--ratio`
(5 %) with `--per` (2) inspectors per object, measures the freeze (the pool read in order,
hashed and kept, the commitment made) and the draw (the pool read and hashed again, the
objects picked, each one's inspectors drawn after 回避, all written), each in a fresh
process: wall seconds, CPU seconds of the process and of the PostgreSQL server, the
process's peak RSS. Writes bench/results/inspections-<database>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, func, insert, select, text

from bench.policies import _postgres_cpu, _rss_mb
from bench.run import RESULTS
from onething.inspections.models import Entity, InspectionObject, Inspector, Recusal
from onething.kernel.db import make_engine
from onething.kernel.identifiers import organization_check_char, uscc_check_char
from onething.kernel.principal import Principal, Role
from onething.ops.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
COUNTIES = ("430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181",
            "430182")
TOWNSHIPS = 8  # per county: <county>001 … <county>008
DEPARTMENTS = ("SCJG", "XF")
INSPECTORS = 60  # per department
RECUSALS = 2_000
BATCH = 10_000
BENCH = Principal(user_id=0, username="bench", display_name="基准测试", role=Role.admin)
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100's 31 characters
_ENTITIES = cast(Table, Entity.__table__)
_COLUMNS = ("uscc", "name", "kind", "region_code", "township_code", "risk_class", "source",
            "updated_at")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.inspections", description=__doc__)
    parser.add_argument("--size", type=int, default=20_000, help="market entities")
    parser.add_argument("--ratio", default="0.05", help="the task's ratio (default 0.05)")
    parser.add_argument("--per", type=int, default=2, help="inspectors per object")
    parser.add_argument("--postgres", action="store_true",
                        help="on a throwaway PostgreSQL server")
    parser.add_argument("--database-url", default="",
                        help="an empty database to fill (default: SQLite in a temporary "
                             "directory)")
    parser.add_argument("--child", nargs=3, metavar=("URL", "STEP", "TASK"),
                        help=argparse.SUPPRESS)  # one measured step, in a fresh process
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measured_step(args.child[0], args.child[1], int(args.child[2]))))
        return 0
    if args.postgres:
        from bench.lifecycle import postgres

        with postgres() as url:
            return measure(url, args.size, args.ratio, args.per)
    if args.database_url:
        return measure(args.database_url, args.size, args.ratio, args.per)
    with tempfile.TemporaryDirectory(prefix="onething-bench-inspections-") as where:
        return measure(f"sqlite:///{where}/onething.db", args.size, args.ratio, args.per)


def measure(url: str, size: int, ratio: str, per: int) -> int:
    engine = make_engine(url)
    upgrade(engine)
    results: dict[str, Any] = {"database": engine.dialect.name, "when": time.strftime("%F %T"),
                               "entities": size, "ratio": ratio, "per_object": per}
    started = time.perf_counter()
    task_id = generate(engine, size, ratio, per)
    results["generate_seconds"] = round(time.perf_counter() - started, 1)
    print(f"{results['database']}: {size} entities, {len(DEPARTMENTS) * INSPECTORS} "
          f"inspectors, {RECUSALS} 回避 in {results['generate_seconds']} s")
    steps = {}
    for step in ("freeze", "draw"):
        steps[step] = _run(engine, url, step, task_id)
        print(f"  {step:6} {_line(steps[step])}")
    results["steps"] = steps
    with engine.connect() as conn:
        results["objects"] = conn.scalar(select(func.count()).select_from(InspectionObject))
    engine.dispose()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"inspections-{results['database']}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written: {out}")
    return 0


def _line(run: dict[str, Any]) -> str:
    pg = f", PostgreSQL CPU {run['postgres_cpu_s']} s" if run.get("postgres_cpu_s") else ""
    return (f"pool {run['pool_size']}, {run['objects']} objects: {run['wall_s']} s wall, "
            f"{run['cpu_s']} s CPU{pg}, peak RSS {run['peak_rss_mb']} MB "
            f"({run['rss_before_mb']} MB before)")


# --- the data ----------------------------------------------------------------------------


def _uscc(n: int, county: str) -> str:
    """The n-th distinct 统一社会信用代码 of a county (valid check characters)."""
    body = ""
    for _ in range(8):
        n, digit = divmod(n, 31)
        body = _CHARS[digit] + body
    first = "91" + county + body + organization_check_char(body)
    return first + uscc_check_char(first)


def _entities(size: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(58)
    for n in range(size):
        county = COUNTIES[n % len(COUNTIES)]
        yield (_uscc(n, county), f"长沙市第{n + 1}号市场主体", "企业", county,
               f"{county}{rng.randrange(TOWNSHIPS) + 1:03d}",
               rng.choices("ABCD", weights=(30, 50, 15, 5))[0], "register", NOW)


def _write(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> None:
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
                    f"COPY inspection_entities ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE inspection_entities"))  # as autovacuum would
        return
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for row in rows:
            batch.append(dict(zip(_COLUMNS, row, strict=True)))
            if len(batch) == BATCH:
                conn.execute(insert(_ENTITIES), batch)
                batch = []
        if batch:
            conn.execute(insert(_ENTITIES), batch)


def generate(engine: Engine, size: int, ratio: str, per: int) -> int:
    """The catalog, the entities, the inspectors and 回避 records, and the task; its id."""
    from onething import wiring
    from onething.catalog import service as catalog_service
    from onething.catalog.context import build_ctx
    from onething.catalog.validate import validate_directory
    from onething.inspections import service
    from onething.kernel.config import demo_catalog_dir
    from onething.kernel.db import session_factory, unit_of_work, writer

    wiring.load()
    sessions = session_factory(writer(engine))
    document, problems = validate_directory(demo_catalog_dir())
    assert document is not None, problems
    with unit_of_work(sessions) as session:
        catalog_service.load(session, document, str(demo_catalog_dir()))
    _write(engine, _entities(size))
    rng = random.Random(2019)
    with unit_of_work(sessions) as session:
        catalog = catalog_service.current_catalog(session)
        ctx = build_ctx(session, catalog, BENCH, NOW)
        items = [service.add_item(ctx, service.ItemInput(d, f"{d} 随机抽查事项", "依据", "现场检查")
                                  ).id for d in DEPARTMENTS]
        for d in DEPARTMENTS:
            for n in range(INSPECTORS):
                county = COUNTIES[n % len(COUNTIES)]
                session.add(Inspector(
                    name=f"执法人员{d}{n}", cert_number=f"{d}{n:05d}", department_code=d,
                    region_code=county, township_code=f"{county}{rng.randrange(TOWNSHIPS) + 1:03d}",
                    qualification="行政执法证", created_at=NOW))
        session.flush()
        inspectors = list(session.scalars(select(Inspector.id)))
        picked = rng.sample(range(size), RECUSALS)
        session.add_all(Recusal(inspector_id=rng.choice(inspectors),
                                uscc=_uscc(n, COUNTIES[n % len(COUNTIES)]), reason="利害关系",
                                created_at=NOW) for n in picked)
        task = service.create_task(ctx, service.TaskInput(
            name="长沙市市场监管、消防联合抽查（基准测试）", region="430100",
            departments=list(DEPARTMENTS), items=items, ratio=str(Decimal(ratio)),
            inspectors_per_object=per, starts_on=NOW.date(),
            ends_on=NOW.date() + dt.timedelta(days=90)))
        return task.id


# --- the steps ---------------------------------------------------------------------------


def _run(engine: Engine, url: str, step: str, task_id: int) -> dict[str, Any]:
    before = _postgres_cpu(engine)
    done = subprocess.run([sys.executable, "-m", "bench.inspections", "--child", url, step,
                           str(task_id)], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {step} failed:\n{done.stderr}")
    run = cast(dict[str, Any], json.loads(done.stdout.strip().splitlines()[-1]))
    after = _postgres_cpu(engine)
    if before is not None and after is not None:
        run["postgres_cpu_s"] = round(after - before, 2)
    return run


def _measured_step(url: str, step: str, task_id: int) -> dict[str, Any]:
    from onething import wiring
    from onething.catalog.context import build_ctx
    from onething.catalog.service import current_catalog
    from onething.inspections import drawing
    from onething.kernel.db import session_factory, unit_of_work, writer

    wiring.load()
    engine = make_engine(url)
    sessions = session_factory(writer(engine))
    with sessions() as session:  # connected, the catalog read, before the clock starts
        catalog = current_catalog(session)
    rss_before = _rss_mb()
    cpu, started = time.process_time(), time.perf_counter()
    with unit_of_work(sessions) as session:
        ctx = build_ctx(session, catalog, BENCH, NOW)
        task = (drawing.freeze if step == "freeze" else drawing.draw)(ctx, task_id)
        shown = {"pool_size": task.pool_size, "objects": task.picked or 0}
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {**shown, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb("VmHWM")}


if __name__ == "__main__":
    sys.exit(main())
