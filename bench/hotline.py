"""The 12345 hotline at scale.

`python -m bench.hotline intake [--postgres] [--clients 8] [--seconds 20] [--workers 2]`:
tickets taken through HTTP (`POST /api/v1/tickets` by operators, one thread per client)
against a real `onething serve --demo` on SQLite or a throwaway PostgreSQL server;
tickets/s. Writes bench/results/hotline-intake-<database>.json.

`python -m bench.hotline scale --tickets 10000000 (--pg-dir DIR | --database-url URL |
--data-dir DIR) [--repeat 200]`: seeds the tickets once (generated in Python, written
with COPY on PostgreSQL, spread over the last year, over the province's regions, the
categories and the states a ticket of that age is in; one 主办 assignment for each
dispatched ticket; a watched deadline for each open one), then measures an office's
inbox page (the office with the most open tickets) in process and through HTTP (p50/p95),
the figures of this week and last week for the province and for the busiest city, and
supervision's sweep over the open tickets. `--pg-dir` keeps a PostgreSQL server's data in
that directory (created on the first run; run as the `postgres` user when root), so a
second run measures without seeding again. Writes bench/results/hotline-scale-<db>.json.

Both run in seconds at tiny sizes (`intake --seconds 2 --clients 2`, `scale --tickets
2000`), which the tests do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, insert, select, text

from bench.run import RESULTS
from onething import wiring
from onething.calendar.service import current_calendar
from onething.catalog.context import Ctx
from onething.catalog.service import current_catalog
from onething.hotline import statistics as stats
from onething.hotline.figures import last_week, this_week
from onething.hotline.models import Assignment, Ticket
from onething.hotline.service import listing
from onething.identity import service as identity
from onething.identity.models import User
from onething.kernel.clock import CHINA
from onething.kernel.db import make_engine, session_factory, unit_of_work, writer
from onething.kernel.principal import Role
from onething.ops.migrate import upgrade
from onething.supervision.models import WatchedDeadline
from onething.supervision.sweep import sweep
from served import Served, free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-hotline-2026"
CATEGORIES = ("0101", "0102", "0103", "0104", "0201", "0202", "0203", "0204", "0301", "0302",
              "0401", "0402", "0501", "0502", "0503", "0601", "9901")
OFFICE_OF = {"01": "SCJG", "02": "CGZF", "03": "ZJ", "04": "RS", "05": "ZF", "06": "XF",
             "99": "ZF"}
KINDS = (("enquiry", 45), ("help", 15), ("complaint", 25), ("report", 5), ("suggestion", 8),
         ("praise", 2))
CHANNELS = (("phone", 70), ("web", 12), ("mobile", 12), ("open311", 2), ("email", 2),
            ("rating", 2))
TICKET_COLUMNS = (
    "id", "number", "channel", "kind", "category_code", "urgency", "status", "centre_region",
    "region_code", "caller_name", "caller_phone", "confidential", "description",
    "attachments", "received_at", "dispatched_at", "sign_due_at", "reply_due_at", "signed_at",
    "replied_at", "closed_at", "outcome", "returns", "escalated", "timeline", "version",
    "created_at", "updated_at", "visited_at", "satisfaction", "reopens", "reopened_at")
JSON_EMPTY: dict[str, Any] = {"attachments": [], "timeline": [], "outcome": {}}
ASSIGNMENT_COLUMNS = ("ticket_id", "department_code", "region_code", "host", "suggested",
                      "active", "assigned_at", "signed_at")


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(pick(0.5) * 1000, 2), "p95_ms": round(pick(0.95) * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2), "n": len(ordered)}


def _time(call: Callable[[], Any], repeat: int, name: str = "") -> dict[str, float]:
    call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    found = _percentiles(samples)
    if name:
        print(f"  {name}: {found}", flush=True)  # as it goes: a long run can be cut short
    return found


# --- PostgreSQL kept in a directory -----------------------------------------------------


def _pg_bin() -> Path:
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return Path(shutil.which("initdb") or binaries[0]).parent


@contextmanager
def kept_postgres(base: Path) -> Iterator[str]:
    """A PostgreSQL server whose data stays in `base` (initialised on the first run), as
    the `postgres` user when run as root; stopped at the end, the data kept."""
    bin_dir, root = _pg_bin(), os.geteuid() == 0
    as_pg = ["runuser", "-u", "postgres", "--"] if root else []
    base = base.resolve()  # the server runs in its data directory: a relative path breaks
    base.mkdir(parents=True, exist_ok=True)
    if root:
        shutil.chown(base, "postgres", "postgres")
    if not (base / "data" / "PG_VERSION").exists():
        subprocess.run([*as_pg, str(bin_dir / "initdb"), "-D", str(base / "data"), "-A",
                        "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
                       check=True, capture_output=True)
    port = free_port()
    subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(base / "data"), "-l",
                    str(base / "log"), "-o", f"-p {port} -k {base} -c max_connections=200 "
                    "-c shared_buffers=512MB -c max_wal_size=4GB",
                    "-w", "-t", "600", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(base / "data"), "-m",
                        "fast", "stop"], capture_output=True)


# --- intake -------------------------------------------------------------------------------


def _operators(url: str, count: int) -> list[tuple[str, str]]:
    """`count` operators of the 长沙 centre (username, API token)."""
    engine = make_engine(url)
    out = []
    with unit_of_work(session_factory(engine)) as session:
        for i in range(count):
            name = f"bench_op_{i}"
            user = session.scalar(select(User).where(User.username == name))
            if user is None:
                user = identity.create_user(session, username=name, password=PASSWORD,
                                            role=Role.operator, region="430100")
                session.flush()
            out.append((name, identity.open_session(session, user, "api")[0]))
    engine.dispose()
    return out


def _cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) used so far by the server's processes (`onething serve` and
    its workers) and by PostgreSQL's (the postmaster counts the backends that ended)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"server": 0.0, "postgres": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        name, fields = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
        used = sum(int(v) for v in fields[11:15]) / tick  # utime stime cutime cstime
        if name.startswith("postgres"):
            out["postgres"] += used
        elif b"onething.cli\0serve" in cmdline or b"multiprocessing-fork" in cmdline:
            out["server"] += used
    return out


def _call(i: int) -> dict[str, Any]:
    category = CATEGORIES[i % len(CATEGORIES)]
    return {"channel": "phone", "kind": ("complaint", "enquiry", "help")[i % 3],
            "category": category, "urgency": "urgent" if i % 37 == 0 else "normal",
            "region": "430102001", "address": f"芙蓉区五一大道 {i % 500} 号",
            "caller_name": "王五", "caller_phone": f"139{i % 100_000_000:08d}",
            "description": f"五一大道 {i % 500} 号门口占道经营，影响通行（第 {i} 次来电）"}


def intake(url: str, clients: int, seconds: float, workers: int,
           driver: str = "httpx") -> dict[str, Any]:
    RESULTS.mkdir(exist_ok=True)
    log = RESULTS / "hotline-intake-server.log"
    log.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="onething-hotline-") as data, \
            Served(Path(data), url, workers=workers, log=log) as server:
        db = url or f"sqlite:///{Path(data) / 'onething.db'}"
        tokens = _operators(db, clients)
        with httpx.Client(base_url=server.url, timeout=60) as warm:  # every path once
            warm.post("/api/v1/tickets", json=_call(0),
                      headers={"Authorization": f"Bearer {tokens[0][1]}"}).raise_for_status()
        cpu = _cpu_seconds()
        if driver == "wrk":
            result = _intake_wrk(server.url, tokens, clients, seconds)
        else:
            result = _intake_httpx(server.url, tokens, clients, seconds)
        used = _cpu_seconds()
        made = result.pop("tickets_made")
        result["cpu_ms_per_ticket"] = {k: round(1000 * (used[k] - cpu[k]) / max(1, made), 2)
                                       for k in used}
        return result


def _intake_httpx(base: str, tokens: list[tuple[str, str]], clients: int,
                  seconds: float) -> dict[str, Any]:
    """The calls sent by Python threads, one connection each."""
    done, failed, latencies = [0] * clients, [0] * clients, [[] for _ in range(clients)]
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    def client(n: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[n][1]}"}
        with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
            i = n
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                r = http.post("/api/v1/tickets", json=_call(i))
                latencies[n].append(time.perf_counter() - t0)
                if r.status_code == 201:
                    done[n] += 1
                else:
                    failed[n] += 1
                i += clients

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"tickets": sum(done), "failed": sum(failed), "seconds": round(elapsed, 1),
            "tickets_per_s": round(sum(done) / elapsed, 1),
            "latency": _percentiles([x for xs in latencies for x in xs] or [0.0]),
            "driver": "httpx", "tickets_made": sum(done)}


WRK_SCRIPT = """
bodies = {%s}
tokens = {%s}
counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. tokens[(counter %% #tokens) + 1]
  return wrk.format("POST", "/api/v1/tickets", headers, bodies[(counter %% #bodies) + 1])
end
"""


def _intake_wrk(base: str, tokens: list[tuple[str, str]], clients: int,
                seconds: float) -> dict[str, Any]:
    """The same calls driven by wrk (a C load generator), so that the client's own CPU
    takes less of the two cores the server has."""
    from bench.run import _wrk

    bodies = ", ".join(json.dumps(json.dumps(_call(i), ensure_ascii=False), ensure_ascii=False)
                       for i in range(1, 501))
    script = WRK_SCRIPT % (bodies, ", ".join(json.dumps(t) for _, t in tokens))
    got = _wrk(f"{base}/api/v1/tickets", clients, seconds, None, script=script)
    return {"tickets_per_s": round(got["rps"] * (1 - got["errors"] / max(1, got["requests"])),
                                   1),
            "requests": got["requests"], "failed": got["errors"], "seconds": seconds,
            "latency": {"p50_ms": got["ms_p50"], "p99_ms": got["ms_p99"]}, "driver": "wrk",
            "tickets_made": got["requests"] - got["errors"]}


# --- seeding ------------------------------------------------------------------------------


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def _rows(n: int, first_id: int, now: dt.datetime, places: list[tuple[str, str, str]],
          seed: int = 13) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...] | None]]:
    """`n` tickets received over the year before `now`, oldest first, each in the state a
    ticket of its age is in: (ticket row, its 主办 assignment or None). `places` are
    (region, its county, its city)."""
    rng = random.Random(seed + first_id)
    year = dt.timedelta(days=365)
    weights = [1 / (i + 1) ** 0.8 for i in range(len(places))]  # a few busy places
    cat_weights = [1 / (i + 1) ** 0.7 for i in range(len(CATEGORIES))]
    for k in range(n):
        tid = first_id + k
        received = now - year + year * (k + rng.random()) / max(n, 1)
        region, county, city = rng.choices(places, weights)[0]
        category = rng.choices(CATEGORIES, cat_weights)[0]
        kind = _weighted(rng, KINDS)
        urgent = rng.random() < 0.03
        u = rng.random()
        dispatched = signed = replied = closed = visited = sign_due = reply_due = None
        satisfaction, reopens, reopened = None, 0, None
        assignment = None
        if u < 0.35 and not urgent:
            status, closed = "answered", received + dt.timedelta(minutes=6)
        elif u < 0.37:
            status, closed = "transferred", received + dt.timedelta(minutes=3)
        elif u < 0.40:
            status, closed = "redirected", received + dt.timedelta(minutes=5)
        else:
            dispatched = received + dt.timedelta(minutes=10 + 50 * rng.random())
            sign_due = dispatched + (dt.timedelta(minutes=30) if urgent else dt.timedelta(
                days=1.4))
            limit = (1 if urgent else 4.5 if kind in ("enquiry", "help") else 18.5)
            reply_due = dispatched + dt.timedelta(days=limit)
            signed = dispatched + (sign_due - dispatched) * rng.uniform(0.05, 1.15)
            replied = signed + (reply_due - dispatched) * rng.uniform(0.1, 1.1)
            closed = replied + dt.timedelta(hours=rng.uniform(2, 30))
            visited = closed + dt.timedelta(hours=rng.uniform(4, 48))
            status = "evaluated"
            if visited > now:
                visited, status = None, "closed"
            if closed > now:
                closed, status = None, "replied"
            if replied > now:
                replied, status = None, "handling"
            if signed > now:
                signed, status = None, "dispatched"
            if visited is not None:
                satisfaction = rng.choices(("satisfied", "basic", "unsatisfied"),
                                           (80, 12, 8))[0]
                if satisfaction == "unsatisfied" and rng.random() < 0.4:
                    reopens, reopened = 1, visited
            assignment = (tid, OFFICE_OF[category[:2]], county, True, True, True, dispatched,
                          signed)
        if status in ("answered", "transferred", "redirected") and closed > now:
            status, closed = "accepted", None
        yield ((tid, f"12345-B{seed}-{tid:09d}", _weighted(rng, CHANNELS), kind, category,
                "urgent" if urgent else "normal", status, city, region, "王五",
                f"139{tid % 100_000_000:08d}", False, "诉求内容（基准测试数据）", "[]",
                received, dispatched, sign_due, reply_due, signed, replied, closed, "{}", 0,
                False, "[]", 1, received, received, visited, satisfaction, reopens, reopened),
               assignment)


def _places(engine: Engine) -> list[tuple[str, str, str]]:
    """(region, county, city) of every county and street of the province."""
    with session_factory(engine)() as session:
        catalog = current_catalog(session)
    regions = catalog.regions
    out = []
    for code, r in regions.items():
        level = str(getattr(r.level, "value", r.level))
        if level not in ("county", "street") or not code.startswith("43"):
            continue
        chain = [code]
        while regions[chain[-1]].parent is not None:
            chain.append(regions[chain[-1]].parent)  # type: ignore[arg-type]
        levels = {str(getattr(regions[c].level, "value", regions[c].level)): c for c in chain}
        if "county" in levels and "city" in levels:
            out.append((code, levels["county"], levels["city"]))
    return sorted(out)


PG_TICKETS = """
INSERT INTO hotline_tickets (id, number, channel, kind, category_code, urgency, status,
  centre_region, region_code, caller_name, caller_phone, confidential, description,
  attachments, received_at, dispatched_at, sign_due_at, reply_due_at, signed_at, replied_at,
  closed_at, outcome, returns, escalated, timeline, version, created_at, updated_at,
  visited_at, satisfaction, reopens, reopened_at)
SELECT id, '12345-B-' || lpad(id::text, 9, '0'), channel, kind, category, urgency,
  CASE WHEN path = 'dispatched' THEN
         CASE WHEN visited_raw <= :now THEN 'evaluated' WHEN closed_raw <= :now THEN 'closed'
              WHEN replied_raw <= :now THEN 'replied' WHEN signed_raw <= :now THEN 'handling'
              ELSE 'dispatched' END
       WHEN closed_raw > :now THEN 'accepted' ELSE path END,
  city, region, '王五', '139' || lpad((id % 100000000)::text, 8, '0'), false,
  '诉求内容（基准测试数据）', '[]', received, dispatched, sign_due, reply_due,
  CASE WHEN signed_raw <= :now THEN signed_raw END,
  CASE WHEN replied_raw <= :now THEN replied_raw END,
  CASE WHEN closed_raw <= :now THEN closed_raw END, '{}', 0, false, '[]', 1, received,
  received, CASE WHEN visited_raw <= :now THEN visited_raw END,
  CASE WHEN visited_raw <= :now THEN satisfaction END,
  CASE WHEN visited_raw <= :now AND satisfaction = 'unsatisfied' AND u5 < 0.4 THEN 1 ELSE 0 END,
  CASE WHEN visited_raw <= :now AND satisfaction = 'unsatisfied' AND u5 < 0.4
       THEN visited_raw END
FROM (
  SELECT *, signed_raw + (reply_due - dispatched) * (0.1 + u3) AS replied_raw,
         signed_raw + (reply_due - dispatched) * (0.1 + u3) + interval '2 hours'
           + interval '28 hours' * u4 AS closed_raw,
         signed_raw + (reply_due - dispatched) * (0.1 + u3) + interval '6 hours'
           + interval '72 hours' * u4 AS visited_raw
  FROM (
    SELECT *, dispatched + (sign_due - dispatched) * (0.05 + 1.1 * u2) AS signed_raw
    FROM (
      SELECT *,
        CASE WHEN path = 'dispatched' THEN received + interval '10 minutes'
             + interval '50 minutes' * u2 END AS dispatched,
        CASE WHEN path = 'dispatched' THEN received + interval '10 minutes'
             + interval '50 minutes' * u2 + CASE WHEN urgency = 'urgent'
             THEN interval '30 minutes' ELSE interval '34 hours' END END AS sign_due,
        CASE WHEN path = 'dispatched' THEN received + interval '10 minutes'
             + interval '50 minutes' * u2 + CASE WHEN urgency = 'urgent' THEN interval '1 day'
             WHEN kind IN ('enquiry', 'help') THEN interval '4.5 days'
             ELSE interval '18.5 days' END END AS reply_due,
        CASE WHEN path = 'answered' THEN received + interval '6 minutes'
             WHEN path IN ('transferred', 'redirected') THEN received + interval '4 minutes'
             END AS closed_plain
      FROM (
        SELECT g AS id,
          CAST(:now AS timestamptz) - interval '365 days'
            + interval '365 days' * ((g - :base + random()) / :n) AS received,
          (CAST(:regions AS text[]))[1 + floor(power(random(), 2.2) * :places)::int] AS region,
          (CAST(:categories AS text[]))[1 + floor(power(random(), 1.8) * :ncat)::int]
            AS category,
          CASE WHEN r1 < 0.45 THEN 'enquiry' WHEN r1 < 0.60 THEN 'help'
               WHEN r1 < 0.85 THEN 'complaint' WHEN r1 < 0.90 THEN 'report'
               WHEN r1 < 0.98 THEN 'suggestion' ELSE 'praise' END AS kind,
          CASE WHEN r2 < 0.70 THEN 'phone' WHEN r2 < 0.82 THEN 'web' WHEN r2 < 0.94
               THEN 'mobile' WHEN r2 < 0.96 THEN 'open311' WHEN r2 < 0.98 THEN 'email'
               ELSE 'rating' END AS channel,
          CASE WHEN r3 < 0.03 THEN 'urgent' ELSE 'normal' END AS urgency,
          CASE WHEN r3 >= 0.03 AND r4 < 0.35 THEN 'answered' WHEN r4 < 0.37 THEN 'transferred'
               WHEN r4 < 0.40 THEN 'redirected' ELSE 'dispatched' END AS path,
          CASE WHEN r5 < 0.80 THEN 'satisfied' WHEN r5 < 0.92 THEN 'basic'
               ELSE 'unsatisfied' END AS satisfaction,
          random() AS u2, random() AS u3, random() AS u4, random() AS u5
        FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) g,
             LATERAL (SELECT random() + 0 * g AS r1, random() + 0 * g AS r2,
                             random() + 0 * g AS r3, random() + 0 * g AS r4,
                             random() + 0 * g AS r5) r
      ) a
    ) b
  ) c
) d
JOIN unnest(CAST(:regions AS text[]), CAST(:cities AS text[])) AS p(place, city)
  ON p.place = d.region
"""
PG_ASSIGNMENTS = """
INSERT INTO hotline_assignments (ticket_id, department_code, region_code, host, suggested,
  active, assigned_at, signed_at)
SELECT t.id, o.department, p.county, true, true, true, t.dispatched_at, t.signed_at
FROM hotline_tickets t
JOIN unnest(CAST(:regions AS text[]), CAST(:counties AS text[])) AS p(place, county)
  ON p.place = t.region_code
JOIN unnest(CAST(:classes AS text[]), CAST(:departments AS text[])) AS o(class, department)
  ON o.class = left(t.category_code, 2)
WHERE t.id BETWEEN :first AND :last AND t.dispatched_at IS NOT NULL
"""


def seed(engine: Engine, tickets: int, now: dt.datetime, chunk: int = 200_000) -> float:
    """Write the tickets, their assignments and the open ones' watched deadlines: on
    PostgreSQL in SQL (generate_series), with the secondary indexes dropped meanwhile and
    built again after; elsewhere generated in Python."""
    places = _places(engine)
    postgres = engine.dialect.name == "postgresql"
    started = time.perf_counter()
    with engine.connect() as conn:
        have = conn.scalar(select(func.coalesce(func.max(Ticket.id), 0))) or 0
    secondary = [i for table in (Ticket.__table__, Assignment.__table__)
                 for i in table.indexes]  # type: ignore[attr-defined]
    if postgres:
        chunk = 1_000_000
        with engine.begin() as conn:
            for index in secondary:
                conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
    for start in range(0, tickets, chunk):
        size = min(chunk, tickets - start)
        first, last = have + start + 1, have + start + size
        if postgres:
            with engine.begin() as conn:
                conn.execute(text("SELECT setseed(:s)"), {"s": (first % 1000) / 1000})
                conn.execute(text(PG_TICKETS), {
                    "now": now, "first": first, "last": last, "n": tickets, "base": have + 1,
                    "regions": [p[0] for p in places], "cities": [p[2] for p in places],
                    "places": len(places), "categories": list(CATEGORIES),
                    "ncat": len(CATEGORIES)})
                conn.execute(text(PG_ASSIGNMENTS), {
                    "first": first, "last": last, "regions": [p[0] for p in places],
                    "counties": [p[1] for p in places], "classes": list(OFFICE_OF),
                    "departments": list(OFFICE_OF.values())})
        else:
            rows = list(_rows(size, first, now, places))
            with engine.begin() as conn:
                conn.execute(insert(Ticket.__table__), [
                    {**dict(zip(TICKET_COLUMNS, r, strict=True)), **JSON_EMPTY}
                    for r, _ in rows])
                assignments = [a for _, a in rows if a is not None]
                if assignments:
                    conn.execute(insert(Assignment.__table__), [
                        dict(zip(ASSIGNMENT_COLUMNS, a, strict=True)) for a in assignments])
        print(f"  seeded {start + size} / {tickets} tickets "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    with engine.begin() as conn:
        if postgres:
            for index in secondary:
                index.create(conn, checkfirst=True)
            conn.execute(text("SELECT setval(pg_get_serial_sequence('hotline_tickets', 'id'), "
                              "(SELECT max(id) FROM hotline_tickets))"))
            conn.execute(text("SELECT setval(pg_get_serial_sequence('hotline_assignments', "
                              "'id'), (SELECT max(id) FROM hotline_assignments))"))
            print(f"  indexes built ({time.perf_counter() - started:.0f} s)", flush=True)
        _watch_open(conn, now)
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("hotline_tickets", "hotline_assignments", "watched_deadlines"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
        print(f"  vacuumed ({time.perf_counter() - started:.0f} s)", flush=True)
    return time.perf_counter() - started


def _copy(engine: Engine, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(  # type: ignore[attr-defined]
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _watch_open(conn: Any, now: dt.datetime) -> None:
    """The watched 签收 and 答复 deadlines of the open dispatched tickets, as dispatch
    starts them (what the sweep reads)."""
    open_rows = conn.execute(select(
        Ticket.id, Ticket.number, Ticket.status, Ticket.dispatched_at, Ticket.sign_due_at,
        Ticket.reply_due_at, Assignment.department_code, Assignment.region_code).join(
        Assignment, Assignment.ticket_id == Ticket.id).where(
        Ticket.status.in_(("dispatched", "handling")))).all()
    conn.execute(text("DELETE FROM watched_deadlines WHERE subject IN "
                      "('ticket_sign', 'ticket_reply')"))
    rows = []
    for tid, number, status, dispatched, sign_due, reply_due, dep, region in open_rows:
        opened = dispatched.astimezone(CHINA).date()
        dues = [("ticket_reply", reply_due, "答复")]
        if status == "dispatched":
            dues.append(("ticket_sign", sign_due, "签收"))
        for subject, due, what in dues:
            rows.append({"subject": subject, "subject_id": tid, "opened_on": opened,
                         "due_on": due.astimezone(CHINA).date(),
                         "title": f"12345 工单{what}（{number}）", "region_code": region,
                         "department_code": dep, "window": False,
                         "next_check_on": dt.date(2000, 1, 1)})
    for start in range(0, len(rows), 10_000):
        conn.execute(insert(WatchedDeadline.__table__), rows[start:start + 10_000])


# --- measuring at scale --------------------------------------------------------------------


def _user(session: Any, name: str, role: Role, region: str,
          department: str | None = None) -> User:
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        user = identity.create_user(session, username=name, password=PASSWORD, role=role,
                                    region=region, department=department)
        session.flush()
    return user  # type: ignore[no-any-return]


def _ctx(session: Any, who: User, now: dt.datetime) -> Ctx:
    return Ctx(session=session, catalog=current_catalog(session),
               calendar=current_calendar(session), now=now, actor=identity.principal_of(who))


def scale(engine: Engine, server: Served, args: argparse.Namespace) -> dict[str, Any]:
    sessions, writers = session_factory(engine), session_factory(writer(engine))
    now = dt.datetime.now(dt.UTC)
    out: dict[str, Any] = {"database": engine.dialect.name, "when": time.strftime("%F %T")}
    if args.reseed:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM watched_deadlines WHERE subject IN "
                              "('ticket_sign', 'ticket_reply')"))
            tables = ("open311_requests", "hotline_assignments", "hotline_tickets")
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)}"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Ticket)) or 0
    if stored < args.tickets:
        out["seed_seconds"] = round(seed(engine, args.tickets - stored, now), 1)
    with unit_of_work(sessions) as session:
        out["tickets"] = session.scalar(select(func.count()).select_from(Ticket))
        out["open_tickets"] = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.status.in_(("dispatched", "handling", "replied", "accepted"))))
        dep, region, open_count = session.execute(
            select(Assignment.department_code, Assignment.region_code, func.count()).join(
                Ticket, Ticket.id == Assignment.ticket_id).where(
                Assignment.active.is_(True), Ticket.status.in_(("dispatched", "handling")))
            .group_by(Assignment.department_code, Assignment.region_code)
            .order_by(func.count().desc()).limit(1)).one()
        out["inbox_office"] = {"department": dep, "region": region, "open": open_count}
        print(f"  {out['tickets']} tickets, {out['open_tickets']} open; the busiest office: "
              f"{out['inbox_office']}", flush=True)
        city = session.scalar(select(Ticket.centre_region).group_by(Ticket.centre_region)
                              .order_by(func.count().desc()).limit(1))
        office = _user(session, "bench_office", Role.approver, region, dep)
        province = _user(session, "bench_sup_province", Role.supervisor, "430000")
        town = _user(session, "bench_sup_city", Role.supervisor, str(city))
        tokens = {u.username: identity.open_session(session, u, "api")[0]
                  for u in (office, province, town)}
    repeat = args.repeat
    with sessions() as session:
        inbox = _ctx(session, office, now)

        def page() -> None:
            list(session.scalars(listing(inbox, status="open").limit(20)))

        out["in_process"] = {"inbox_page": _time(page, repeat, "in process: inbox page")}
        for who, name in ((province, "province"), (town, "city")):
            ctx = _ctx(session, who, now)
            for label, period in (("this_week", this_week(now)), ("last_week", last_week(now))):
                out["in_process"][f"figures_{name}_{label}"] = _time(
                    lambda ctx=ctx, period=period: stats.week_figures(
                        ctx, stats.scope(ctx, None), period), max(3, repeat // 20),
                    f"in process: figures {name} {label}")
        out["explain"] = _explain(session, inbox, ctx, now)
        for name, plan in out["explain"].items():
            print(f"  plan of {name}:\n{plan}", flush=True)
    with server as running:
        http: dict[str, Any] = {}
        with httpx.Client(base_url=running.url, timeout=120) as client:
            def get(path: str, who: str) -> Callable[[], Any]:
                headers = {"Authorization": f"Bearer {tokens[who]}"}
                return lambda: client.get(path, headers=headers).raise_for_status()

            http["inbox_page"] = _time(get("/api/v1/tickets?status=open&limit=20",
                                           "bench_office"), repeat, "http: inbox page")
            for who, name in (("bench_sup_province", "province"), ("bench_sup_city", "city")):
                for label in ("this_week", "last_week"):
                    http[f"figures_{name}_{label}"] = _time(get(
                        f"/api/v1/tickets/figures?period={label}", who), max(3, repeat // 20),
                        f"http: figures {name} {label}")
            http["trivial"] = _time(lambda: client.get("/healthz").raise_for_status(), repeat)
        out["http"] = http
    catalog = None
    with sessions() as session:
        catalog = current_catalog(session)
        out["watched"] = session.scalar(select(func.count()).select_from(WatchedDeadline).where(
            WatchedDeadline.subject.in_(("ticket_sign", "ticket_reply"))))
    sweeps = {}
    for label, at in (("first_run", now), ("steady_state", now),
                      ("next_day", now + dt.timedelta(days=1))):
        started = time.perf_counter()
        report = sweep(writers, catalog, at, batch=1000)
        sweeps[label] = {"seconds": round(time.perf_counter() - started, 2),
                         "checked": dict(report.checked), "raised": dict(report.raised)}
        print(f"  sweep {label}: {sweeps[label]}", flush=True)
    out["sweep"] = sweeps
    return out


def _explain(session: Any, inbox: Ctx, ctx: Ctx, now: dt.datetime) -> dict[str, str]:
    """The plans of the inbox page and of the figures' queries (EXPLAIN ANALYZE on
    PostgreSQL, EXPLAIN QUERY PLAN on SQLite)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    out = {}
    query = listing(inbox, status="open").limit(20)
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    out["inbox_page"] = "\n".join(str(r[-1] if not postgres else r[0]) for r in
                                  session.execute(text(prefix + str(compiled))))
    captured: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        import psycopg

        captured.append(psycopg.ClientCursor(cursor.connection).mogrify(statement, parameters))

    from sqlalchemy import event

    engine = session.get_bind()
    if postgres:
        event.listen(engine, "before_cursor_execute", capture)
        try:
            stats.counts(ctx, None, this_week(now))
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        for i, statement in enumerate(captured):
            out[f"figures_{i}"] = "\n".join(r[0] for r in session.execute(
                text(prefix + statement.replace(":", r"\:"))))
    return out


def main(argv: list[str] | None = None) -> int:
    wiring.load()
    parser = argparse.ArgumentParser(prog="bench.hotline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    a = sub.add_parser("intake")
    a.add_argument("--postgres", action="store_true")
    a.add_argument("--clients", type=int, default=8)
    a.add_argument("--seconds", type=float, default=20)
    a.add_argument("--workers", type=int, default=2)
    a.add_argument("--driver", choices=("httpx", "wrk"), default="httpx",
                   help="the load generator: Python threads, or wrk (C) when installed")
    b = sub.add_parser("scale")
    b.add_argument("--tickets", type=int, default=20_000)
    b.add_argument("--pg-dir", type=Path, help="PostgreSQL kept in this directory")
    b.add_argument("--database-url", default="")
    b.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench-hotline")
    b.add_argument("--repeat", type=int, default=200)
    b.add_argument("--reseed", action="store_true", help="drop the seeded tickets first")
    b.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    if args.what == "intake":
        if args.postgres:
            from bench.lifecycle import postgres

            with postgres() as url:
                result = intake(url, args.clients, args.seconds, args.workers, args.driver)
        else:
            result = intake("", args.clients, args.seconds, args.workers, args.driver)
        name = "postgresql" if args.postgres else "sqlite"
        result.update(database=name, clients=args.clients, workers=args.workers)
        out = RESULTS / f"hotline-intake-{name}-{args.driver}.json"
    else:
        if args.pg_dir:
            with kept_postgres(args.pg_dir) as url:
                args.database_url = url
                result = _scale(args)
        else:
            result = _scale(args)
        out = RESULTS / f"hotline-scale-{result['database']}.json"
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    print(f"\nwritten: {out}")
    return 0


def _scale(args: argparse.Namespace) -> dict[str, Any]:
    args.data_dir.mkdir(parents=True, exist_ok=True)
    server = Served(args.data_dir, args.database_url, workers=args.workers)
    url = args.database_url or f"sqlite:///{args.data_dir / 'onething.db'}"
    with server:  # migrates, loads the demo catalog and its people
        pass
    engine = make_engine(url)
    upgrade(engine)
    try:
        return scale(engine, server, args)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
