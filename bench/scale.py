"""Benchmarks at province scale: `python -m bench.scale --applications 1000000`.

Generates the data (`demo generate --fast`) unless the data directory already holds it,
then measures, on that database: an approver's inbox, an applicant's list, one
application with its timeline (in process and through HTTP, p50/p95), the deadline
sweep (the first run, which reads every open case and raises the backlog of cards; a run
at the same moment; the run of the next day, which reads only the cases whose next card
falls due that day), the statistics of a month and of a year, and the server's peak
memory.
Writes bench/results/scale-<database>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics as stats_module
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.run import RESULTS
from onething import wiring
from onething.calendar.service import current_calendar
from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.figures import StatsQuery
from onething.cases.models import Application, Task
from onething.catalog.context import Ctx
from onething.catalog.service import current_catalog
from onething.identity import service as identity
from onething.identity.models import User
from onething.kernel.clock import CHINA
from onething.kernel.db import make_engine, session_factory, writer
from onething.ops.migrate import upgrade
from onething.ratings.figures import rating_figures
from onething.supervision.stats import statistics
from onething.supervision.sweep import sweep
from served import Served

ROOT = Path(__file__).resolve().parents[1]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(pick(0.5) * 1000, 2), "p95_ms": round(pick(0.95) * 1000, 2),
            "mean_ms": round(stats_module.fmean(ordered) * 1000, 2), "n": len(ordered)}


def _time(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return _percentiles(samples)


def main(argv: list[str] | None = None) -> int:
    wiring.load()
    parser = argparse.ArgumentParser(prog="bench.scale", description=__doc__)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench-scale")
    parser.add_argument("--database-url", default="", help="default: SQLite in --data-dir")
    parser.add_argument("--postgres", action="store_true",
                        help="on a throwaway PostgreSQL server (generated afresh)")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.postgres:
        from bench.lifecycle import postgres

        with postgres() as url:
            args.database_url = url
            return measure(args)
    return measure(args)


def measure(args: argparse.Namespace) -> int:
    args.data_dir.mkdir(parents=True, exist_ok=True)
    server = Served(args.data_dir, args.database_url, workers=args.workers, demo=False)
    url = args.database_url or f"sqlite:///{args.data_dir / 'onething.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions, writers = session_factory(engine), session_factory(writer(engine))
    results: dict[str, Any] = {"database": engine.dialect.name, "when": time.strftime("%F %T")}
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Application)) or 0
    if stored < args.applications:
        server.cli("catalog", "load", str(ROOT / "catalog"), check=True, timeout=None)
        started = time.perf_counter()
        print(server.cli("demo", "generate", "--fast", "--applications",
                         str(args.applications - stored), check=True, timeout=None
                         ).stdout.strip())
        results["generate_seconds"] = round(time.perf_counter() - started, 1)
    with sessions() as session:
        results["applications"] = session.scalar(select(func.count()).select_from(Application))
        results["tasks"] = session.scalar(select(func.count()).select_from(Task))
        results["open_tasks"] = session.scalar(select(func.count()).select_from(Task).where(
            Task.status.in_(["pending", "suspended"])))
    results["in_process"] = _in_process(sessions, args.repeat)
    results["sweep"] = _sweeps(writers, sessions)
    results["http"] = _http(server, sessions, args.repeat)
    engine.dispose()
    _report(results)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"scale-{results['database']}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"\nwritten: {out}")
    return 0


def _busiest(session: Any) -> tuple[User, User, int]:
    """The approver with the most open tasks, an applicant with the most applications, and
    one application of theirs."""
    office = session.execute(select(Task.department_code, Task.region_code, func.count())
                             .where(Task.status == "pending")
                             .group_by(Task.department_code, Task.region_code)
                             .order_by(func.count().desc()).limit(1)).one()
    approver = session.scalars(select(User).where(
        User.role == "approver", User.department_code == office[0],
        User.region_code == office[1]).limit(1)).one()
    applicant_id, _ = session.execute(select(Application.applicant_id, func.count())
                                      .group_by(Application.applicant_id)
                                      .order_by(func.count().desc()).limit(1)).one()
    app_id = session.scalar(select(func.max(Application.id)).where(
        Application.applicant_id == applicant_id))
    return approver, session.get_one(User, applicant_id), int(app_id or 0)


def _ctx(session: Any, who: User) -> Ctx:
    return Ctx(session=session, catalog=current_catalog(session),
               calendar=current_calendar(session), now=dt.datetime.now(dt.UTC),
               actor=identity.principal_of(who))


def _in_process(sessions: Any, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with sessions() as session:
        approver, applicant, app_id = _busiest(session)
        inbox_ctx, mine = _ctx(session, approver), _ctx(session, applicant)
        out["inbox"] = _time(lambda: tasks.inbox(inbox_ctx, limit=50), repeat)
        out["applicant_list"] = _time(lambda: cases.list_applications(mine, limit=20), repeat)
        out["application_with_timeline"] = _time(lambda: cases.view(mine, app_id), repeat)
        catalog = current_catalog(session)
        today = dt.datetime.now(CHINA).date()
        month = StatsQuery(today.replace(day=1), today)
        year = StatsQuery(today - dt.timedelta(days=365), today)

        def figures(q: StatsQuery) -> Any:  # as the doors count them: cases, cards, ratings
            return statistics(session, catalog, q, rating_figures(session, catalog, q))

        out["stats_month_s"] = round(_time(lambda: figures(month), 2)["mean_ms"] / 1000, 2)
        out["stats_year_s"] = round(_time(lambda: figures(year), 1)["mean_ms"] / 1000, 2)
    return out


def _sweeps(writers: Any, sessions: Any) -> dict[str, Any]:
    with sessions() as session:
        catalog = current_catalog(session)
    now = dt.datetime.now(dt.UTC)
    out = {}
    for label, at in (("first_run", now), ("steady_state", now),
                      ("next_day", now + dt.timedelta(days=1))):
        started = time.perf_counter()
        report = sweep(writers, catalog, at, batch=1000)
        out[label] = {"seconds": round(time.perf_counter() - started, 2),
                      "checked": dict(report.checked), "raised": dict(report.raised)}
    return out


def _http(served: Served, sessions: Any, repeat: int) -> dict[str, Any]:
    with sessions() as session:
        approver, applicant, app_id = _busiest(session)
        tokens = {}
        for user in (approver, applicant):
            tokens[user.username] = identity.open_session(session, user, "api")[0]
        session.commit()
    with served as server:
        out: dict[str, Any] = {}
        with httpx.Client(base_url=server.url, timeout=60) as client:
            def get(path: str, who: User) -> Callable[[], Any]:
                headers = {"Authorization": f"Bearer {tokens[who.username]}"}
                return lambda: client.get(path, headers=headers).raise_for_status()

            out["inbox"] = _time(get("/api/v1/tasks", approver), repeat)
            out["applicant_list"] = _time(get("/api/v1/applications", applicant), repeat)
            out["application_with_timeline"] = _time(
                get(f"/api/v1/applications/{app_id}", applicant), repeat)
            out["trivial"] = _time(lambda: client.get("/healthz").raise_for_status(), repeat)
        assert server.process is not None
        out["server_peak_rss_mb"] = _peak_rss(server.process.pid)
        return out


def _peak_rss(pid: int) -> dict[str, float]:
    """VmHWM of the server and of each of its worker processes, in MB."""
    found: dict[str, float] = {}
    for candidate in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{candidate}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                found[str(candidate)] = round(int(line.split()[1]) / 1024, 1)
    return found


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(c) for c in text.split()]
    return kids + [k for c in kids for k in _children(c)]


def _report(r: dict[str, Any]) -> None:
    print(f"\n{r['database']}: {r['applications']} applications, {r['tasks']} tasks "
          f"({r['open_tasks']} open)")
    for where in ("in_process", "http"):
        for name, value in r[where].items():
            print(f"  {where:10} {name:28} {value}")
    for name, value in r["sweep"].items():
        print(f"  sweep      {name:28} {value}")


if __name__ == "__main__":
    sys.exit(main())
