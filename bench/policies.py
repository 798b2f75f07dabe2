"""免申即享 matching at scale: `python -m bench.policies [--postgres] [--size N]`.

Generates N people's 户籍 rows (about 3 % aged 80 or more, some of them dead, some
registered in another province) and N/50 companies' 社保 months and 用工 rows straight into
`shared_facts` (COPY on PostgreSQL, executemany on SQLite: loading files through
`onething data load` is a figure of its own), then matches 高龄津贴 (over the people) and
稳岗返还 (over the companies), each in a fresh process, twice: the first run of the period
makes the matches, the second finds every holder already matched (the daily job on any
later day of the month). For each run: wall seconds, CPU seconds of the process and of the
PostgreSQL server, the process's peak RSS, profiles per second, matches made.
Writes bench/results/policies-<database>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, func, insert, select, text

from bench.run import RESULTS
from onething.demo.data import uscc
from onething.identity.models import User
from onething.kernel.db import make_engine
from onething.kernel.identifiers import id_number_check_digit
from onething.ops.migrate import upgrade
from onething.policies.models import DataLoad, PolicyMatch, SharedFact

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 12, 1)  # the matching day: periods 2026-12 (monthly) and 2026 (yearly)
NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
AS_OF = DAY - dt.timedelta(days=1)
POLICIES = ("ELDERLY_ALLOWANCE", "JOB_RETENTION_REFUND")
BATCH = 10_000
HUNAN = ("430102", "430103", "430104", "430105", "430111", "430121", "430202", "430302",
         "430402", "430503", "430602", "430702")
ELSEWHERE = ("110105", "440305", "510104", "320106")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞")
_FACTS = cast(Table, SharedFact.__table__)
_COLUMNS = ("source_code", "holder_key", "period", "facts", "as_of", "load_id", "updated_at")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.policies", description=__doc__)
    parser.add_argument("--size", type=int, default=20_000, help="people (户籍 rows)")
    parser.add_argument("--companies", type=int, default=None, help="default: size / 50")
    parser.add_argument("--postgres", action="store_true",
                        help="on a throwaway PostgreSQL server")
    parser.add_argument("--database-url", default="",
                        help="an empty database to fill (default: SQLite in a temporary "
                             "directory)")
    parser.add_argument("--policy", action="append", choices=POLICIES,
                        help="the policies to match (default: both)")
    parser.add_argument("--child", nargs=2, metavar=("URL", "POLICY"),
                        help=argparse.SUPPRESS)  # one measured run, in a fresh process
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measured_run(*args.child)))
        return 0
    companies = args.size // 50 if args.companies is None else args.companies
    policies = args.policy or list(POLICIES)
    if args.postgres:
        from bench.lifecycle import postgres

        with postgres() as url:
            return measure(url, args.size, companies, policies)
    if args.database_url:
        return measure(args.database_url, args.size, companies, policies)
    with tempfile.TemporaryDirectory(prefix="onething-bench-policies-") as where:
        return measure(f"sqlite:///{where}/onething.db", args.size, companies, policies)


def measure(url: str, size: int, companies: int, policies: list[str]) -> int:
    engine = make_engine(url)
    upgrade(engine)
    results: dict[str, Any] = {"database": engine.dialect.name, "when": time.strftime("%F %T"),
                               "people": size, "companies": companies, "day": str(DAY)}
    started = time.perf_counter()
    results["rows"] = generate(engine, size, companies)
    results["generate_seconds"] = round(time.perf_counter() - started, 1)
    print(f"{results['database']}: {size} people, {companies} companies, "
          f"{sum(results['rows'].values())} rows in {results['generate_seconds']} s")
    runs: dict[str, Any] = {}
    for code in policies:
        runs[code] = {label: _run(engine, url, code) for label in ("first", "again")}
        for label, run in runs[code].items():
            print(f"  {code:22} {label:6} {_line(run)}")
    results["runs"] = runs
    with engine.connect() as conn:
        results["matches"] = conn.scalar(select(func.count()).select_from(PolicyMatch))
    engine.dispose()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"policies-{results['database']}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written: {out}")
    return 0


def _line(run: dict[str, Any]) -> str:
    pg = f", PostgreSQL CPU {run['postgres_cpu_s']} s" if run.get("postgres_cpu_s") else ""
    return (f"{run['checked']} checked, {run['matched']} matched, {run['already']} already: "
            f"{run['wall_s']} s wall, {run['cpu_s']} s CPU{pg}, "
            f"{run['profiles_per_s']} profiles/s, peak RSS {run['peak_rss_mb']} MB "
            f"({run['rss_before_mb']} MB before)")


# --- the data ----------------------------------------------------------------------------


def generate(engine: Engine, size: int, companies: int) -> dict[str, int]:
    """The shared data sets' rows and a few holders' accounts, written straight into the
    tables; the rows written, by data set."""
    rng = random.Random(14)
    with engine.begin() as conn:
        loads = {code: conn.execute(insert(DataLoad).values(
            source_code=code, file_name=f"bench-{code.lower()}.csv", sha256="0" * 64, rows=0,
            added=0, changed=0, unchanged=0, loaded_by="bench", loaded_at=NOW)
            .returning(DataLoad.id)).scalar_one() for code in ("HUJI", "SHEBAO", "STAFF")}
    counted: dict[str, int] = {}
    accounts: list[str] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for source, holder, period, facts in [*_people(rng, size), *_companies(rng, companies)]:
            counted[source] = counted.get(source, 0) + 1
            if source == "HUJI" and len(accounts) < max(5, size // 1000) and rng.random() < 0.01:
                accounts.append(holder)
            yield source, holder, period, facts, AS_OF, loads[source], NOW

    _write(engine, rows())
    with engine.begin() as conn:
        conn.execute(insert(User), [
            {"username": f"bench{i}", "display_name": "居民", "role": "applicant",
             "id_number": key, "password_hash": "!", "active": True, "created_at": NOW}
            for i, key in enumerate(accounts)])
    return counted


def _write(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> None:
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
                    f"COPY shared_facts ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row[:3], json.dumps(row[3], ensure_ascii=False), *row[4:]))
            raw.commit()
        finally:
            raw.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE shared_facts"))  # as autovacuum soon would
        return
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for row in rows:
            batch.append(dict(zip(_COLUMNS, row, strict=True)))
            if len(batch) == BATCH:
                conn.execute(insert(_FACTS), batch)
                batch = []
        if batch:
            conn.execute(insert(_FACTS), batch)


def _people(rng: random.Random, size: int) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """户籍 rows: about 3 % aged 80 or more (a few past 100), 8 % of them and 0.3 % of the
    others dead, 8 % registered outside Hunan."""
    taken: dict[str, int] = {}
    for _ in range(size):
        old = rng.random() < 0.03
        years = min(110, 80 + int(rng.expovariate(1 / 6))) if old else rng.randrange(80)
        born = DAY - dt.timedelta(days=int(years * 365.25) + rng.randrange(365))
        region = rng.choice(ELSEWHERE) if rng.random() < 0.08 else rng.choice(HUNAN)
        first = f"{region}{born:%Y%m%d}"
        order = taken[first] = taken.get(first, -1) + 1
        assert order < 1000, "too many people born on one day in one county"
        first += f"{order:03d}"
        died = rng.random() < (0.08 if old else 0.003)
        yield "HUJI", first + id_number_check_digit(first), "", {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN), "birth_date": born.isoformat(),
            "household_region": region,
            "died_on": (DAY - dt.timedelta(days=rng.randrange(1, 400))).isoformat()
            if died else None}


def _companies(rng: random.Random,
               count: int) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """社保 months (13 up to last month for most, fewer for 15 %) and 用工 rows (a layoff
    rate over the bar for about 15 %)."""
    seen: set[str] = set()
    while len(seen) < count:
        key = uscc(rng)
        if key in seen:
            continue
        seen.add(key)
        insured = rng.randint(301, 3000) if rng.random() < 0.1 else rng.randint(3, 300)
        months = 13 if rng.random() < 0.85 else rng.randint(1, 11)
        for back in range(1, months + 1):
            index = DAY.year * 12 + DAY.month - 1 - back
            yield "SHEBAO", key, f"{index // 12:04d}-{index % 12 + 1:02d}", {
                "paid": round(insured * rng.uniform(30, 90), 2), "insured": insured}
        laid_off = (rng.randint(0, max(1, insured // 4)) if rng.random() < 0.15
                    else rng.randint(0, insured // 20))
        yield "STAFF", key, "", {"staff_at_start": insured, "laid_off": laid_off}


# --- the runs ----------------------------------------------------------------------------


def _run(engine: Engine, url: str, code: str) -> dict[str, Any]:
    """One run of `code` in a fresh process, with the PostgreSQL server's CPU time around
    it."""
    before = _postgres_cpu(engine)
    done = subprocess.run([sys.executable, "-m", "bench.policies", "--child", url, code],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the run of {code} failed:\n{done.stderr}")
    run = cast(dict[str, Any], json.loads(done.stdout.strip().splitlines()[-1]))
    after = _postgres_cpu(engine)
    if before is not None and after is not None:
        run["postgres_cpu_s"] = round(after - before, 2)
    return run


def _measured_run(url: str, code: str) -> dict[str, Any]:
    from onething import wiring
    from onething.catalog.linked import build_catalog
    from onething.catalog.validate import read_catalog
    from onething.kernel.config import demo_catalog_dir
    from onething.kernel.db import session_factory, unit_of_work, writer
    from onething.policies.matching import match

    wiring.load()
    catalog = build_catalog(read_catalog(demo_catalog_dir()))
    engine = make_engine(url)
    sessions = session_factory(writer(engine))
    with sessions() as session:  # connected before the clock starts
        session.execute(text("SELECT 1"))
    rss_before = _rss_mb()
    cpu, started = time.process_time(), time.perf_counter()
    with unit_of_work(sessions) as session:
        report = match(session, catalog, code, DAY, NOW)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"checked": report.checked, "matched": report.matched, "already": report.already,
            "missing": report.missing, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "profiles_per_s": round(report.checked / wall) if wall else None,
            "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb("VmHWM")}


def _rss_mb(which: str = "VmRSS") -> float:
    """The process's resident memory now (VmRSS) or at its peak (VmHWM), in MB. Not
    getrusage's ru_maxrss: Linux carries that over fork and exec, so a child started by a
    parent holding more would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{which}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _postgres_cpu(engine: Engine) -> float | None:
    """CPU seconds the PostgreSQL server has used: the postmaster, its live processes and
    those it has reaped (parallel workers); None when not on a local server."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        data = conn.scalar(text("SHOW data_directory"))
    try:
        postmaster = int(Path(data, "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        ticks = _ticks(postmaster, with_reaped=True) + sum(_ticks(int(c)) for c in children)
    except OSError:
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def _ticks(pid: int, with_reaped: bool = False) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0
    # after the name: state is field 3; utime 14, stime 15, cutime 16, cstime 17
    used = int(fields[11]) + int(fields[12])
    return used + (int(fields[13]) + int(fields[14]) if with_reaped else 0)


if __name__ == "__main__":
    sys.exit(main())
