"""The mix a peer case-management system is measured on, against the trivial endpoint.

`python -m bench.mix --applications 100000 [--postgres | --pg-dir DIR] [--data-dir DIR]`

On a database of N generated applications (`demo generate --fast`, kept in `--data-dir`
or `--pg-dir` for the next run), `onething serve --workers 2` is driven by wrk (a C load
generator) with 16 and with 1 connections, each for `--seconds`, in turn:

- trivial: `GET /healthz`, the server's own ceiling;
- list: `GET /api/v1/applications?limit=100`, a page of 100 as a province's supervisor;
- retrieve: `GET /api/v1/applications/{id}`, one application with its tasks and
  timeline, ids drawn from the whole table;
- create: `POST /api/v1/applications`, an applicant's 新生儿出生一件事 with its form and
  materials (201, answered as a client sees it);
- create_minimal: the same with `Prefer: return=minimal` (answered with the summary);
- mix, mix_minimal: list, retrieve and create (or create_minimal) in turn.

Reports requests/s, p50/p95/p99 and each path's ratio to the trivial endpoint of the
same run (measured before and after the paths, the mean of the two); writes
bench/results/mix-<database>-<N>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.hotline import _user
from bench.lifecycle import BUNDLE, _body
from bench.run import RESULTS
from bench.run import _wrk as run_wrk
from bench.scale import _peak_rss
from onething import wiring
from onething.cases.models import Application
from onething.identity import service as identity
from onething.kernel.db import make_engine, session_factory, unit_of_work
from onething.kernel.principal import Role
from onething.ops.migrate import upgrade
from samples import PDF
from served import Served

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("trivial", "list", "retrieve", "create", "create_minimal", "mix", "mix_minimal")
MIXES = {"mix": ["list", "retrieve", "create"],
         "mix_minimal": ["list", "retrieve", "create_minimal"]}


@contextmanager
def _database(args: argparse.Namespace) -> Iterator[str]:
    if args.pg_dir:
        from bench.hotline import kept_postgres

        with kept_postgres(args.pg_dir) as url:
            yield url
    elif args.postgres:
        from bench.lifecycle import postgres

        with postgres() as url:
            yield url
    else:
        yield args.database_url


def prepare(server: Served, url: str, wanted: int) -> dict[str, Any]:
    """The data (generated up to `wanted` applications), a supervisor of the province and
    an applicant with their tokens, and a sample of application ids to retrieve."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    out: dict[str, Any] = {"database": engine.dialect.name}
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Application)) or 0
    if stored < wanted:
        server.cli("catalog", "load", str(ROOT / "catalog"), check=True, timeout=None)
        started = time.perf_counter()
        print(server.cli("demo", "generate", "--fast", "--applications",
                         str(wanted - stored), check=True, timeout=None).stdout.strip(),
              flush=True)
        out["generate_seconds"] = round(time.perf_counter() - started, 1)
    with unit_of_work(sessions) as session:
        out["applications"] = session.scalar(select(func.count()).select_from(Application))
        top = session.scalar(select(func.max(Application.id))) or 1
        rng = random.Random(1)
        out["sample"] = sorted({rng.randint(1, top) for _ in range(2000)})
        out["tokens"] = {}
        for name, role, region in (("bench_mix_supervisor", Role.supervisor, "430000"),
                                   ("bench_mix_applicant", Role.applicant, "430102")):
            user = _user(session, name, role, region)
            out["tokens"][name] = identity.open_session(session, user, "api")[0]
    engine.dispose()
    return out


def _lua(kinds: list[str], tokens: dict[str, str], body: str, ids: list[int]) -> str:
    """wrk's script: request i of a thread is kinds[i % len(kinds)]."""
    return f"""
local kinds = {{{", ".join(json.dumps(k) for k in kinds)}}}
local ids = {{{", ".join(str(i) for i in ids)}}}
local sup = {json.dumps("Bearer " + tokens["bench_mix_supervisor"])}
local app = {json.dumps("Bearer " + tokens["bench_mix_applicant"])}
local body = [==[{body}]==]
local n = 0
math.randomseed(os.time())
request = function()
  n = n + 1
  local kind = kinds[(n % #kinds) + 1]
  if kind == "trivial" then
    return wrk.format("GET", "/healthz")
  elseif kind == "list" then
    return wrk.format("GET", "/api/v1/applications?limit=100", {{["Authorization"] = sup}})
  elseif kind == "retrieve" then
    local id = ids[math.random(#ids)]
    return wrk.format("GET", "/api/v1/applications/" .. id, {{["Authorization"] = sup}})
  elseif kind == "create_minimal" then
    return wrk.format("POST", "/api/v1/applications",
      {{["Authorization"] = app, ["Content-Type"] = "application/json",
        ["Prefer"] = "return=minimal"}}, body)
  else
    return wrk.format("POST", "/api/v1/applications",
      {{["Authorization"] = app, ["Content-Type"] = "application/json"}}, body)
  end
end
"""


def _wrk(url: str, script: str, clients: int, seconds: float) -> dict[str, Any]:
    got = run_wrk(url, clients, seconds, None, script=script)
    return {"rps": got["rps"], "p50_ms": got["ms_p50"], "p95_ms": got["ms_p95"],
            "p99_ms": got["ms_p99"], "requests": got["requests"], "errors": got["errors"]}


def _create_body(base: str, token: str) -> str:
    upload = httpx.post(f"{base}/api/v1/files", files={"file": ("a.pdf", PDF)},
                        headers={"Authorization": f"Bearer {token}"}, timeout=60)
    upload.raise_for_status()
    body = json.dumps(_body(upload.json()["id"]), ensure_ascii=False)
    check = httpx.post(f"{base}/api/v1/applications", content=body.encode(), timeout=60,
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"})
    if check.status_code != 201:
        raise RuntimeError(f"create refused: {check.status_code} {check.text[:500]}")
    return body


def drive(base: str, data: dict[str, Any], seconds: float, clients: list[int]
          ) -> dict[str, Any]:
    body = _create_body(base, data["tokens"]["bench_mix_applicant"])
    scripts = {kind: _lua(MIXES.get(kind, [kind]), data["tokens"], body, data["sample"])
               for kind in PATHS}
    for kind in PATHS:  # warm every worker on every path
        _wrk(base, scripts[kind], 4, 1)
    out: dict[str, Any] = {}
    for n in clients:
        run: dict[str, Any] = {}
        for kind in (*PATHS, "trivial_after"):  # the ceiling before and after the paths
            run[kind] = _wrk(base, scripts[kind.removesuffix("_after")], n, seconds)
            print(f"  {n:>2} clients {kind:9} {run[kind]}", flush=True)
        first, last = run["trivial"], run.pop("trivial_after")
        run["trivial"] = {**first, "rps_after": last["rps"], "p50_ms_after": last["p50_ms"]}
        base_rps = (first["rps"] + last["rps"]) / 2  # a shared machine drifts within a run
        base_p50 = (first["p50_ms"] + last["p50_ms"]) / 2
        for kind in PATHS[1:]:
            run[kind]["ratio_rps"] = round(run[kind]["rps"] / base_rps, 3)
            run[kind]["ratio_p50"] = round(run[kind]["p50_ms"] / base_p50, 2)
        out[f"clients_{n}"] = run
    return out


def main(argv: list[str] | None = None) -> int:
    wiring.load()
    parser = argparse.ArgumentParser(prog="bench.mix", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="the server's data (and SQLite file), kept for the next run")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    parser.add_argument("--pg-dir", type=Path, default=None,
                        help="a PostgreSQL server whose data is kept in DIR")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", default="16,1")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    data_dir = args.data_dir or ROOT / "var" / f"bench-mix-{args.applications}"
    data_dir.mkdir(parents=True, exist_ok=True)
    with _database(args) as url:
        server = Served(data_dir, url, workers=args.workers, demo=False,
                        log=data_dir / "server.log")
        data = prepare(server, url or f"sqlite:///{data_dir / 'onething.db'}",
                       args.applications)
        result: dict[str, Any] = {k: v for k, v in data.items()
                                  if k not in ("tokens", "sample")}
        result.update(when=time.strftime("%F %T"), bundle=BUNDLE, workers=args.workers,
                      seconds=args.seconds)
        with server:
            result["runs"] = drive(server.url, data, args.seconds,
                                   [int(c) for c in args.clients.split(",")])
            assert server.process is not None
            result["server_peak_rss_mb"] = _peak_rss(server.process.pid)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"mix-{result['database']}-{args.applications}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False))
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
