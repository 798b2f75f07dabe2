"""Full lifecycles per second through HTTP: apply → accept → every approval → deliver.

`python -m bench.lifecycle [--postgres] [--clients 16] [--seconds 20]`: runs
`onething serve --demo --workers N` (on SQLite, or on a throwaway PostgreSQL server), then
drives it with concurrent async clients, each doing whole lifecycles, and reports
lifecycles/s and requests/s. Writes bench/results/lifecycle-<database>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.run import RESULTS
from onething.catalog.linked import build_catalog
from onething.catalog.validate import read_catalog
from onething.demo.people import DEMO_PASSWORD, demo_users
from onething.guide.engine import MaterialStatus, compute_guide
from onething.kernel.config import demo_catalog_dir
from samples import PDF
from served import Served, free_port

BUNDLE = "NEWBORN_BIRTH"
REGION = "430102"


@contextmanager
def postgres(options: str = "") -> Iterator[str]:
    """A throwaway PostgreSQL server (as the `postgres` user when run as root), with
    `options` (`-c name=value …`) added to its settings."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    bin_dir = Path(shutil.which("initdb") or binaries[0]).parent
    base = Path(tempfile.mkdtemp(prefix="onething-bench-pg-"))
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    subprocess.run([*as_pg, str(bin_dir / "initdb"), "-D", str(base / "data"), "-A", "trust",
                    "-U", "postgres", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(base / "data"), "-l",
                    str(base / "log"), "-o",
                    f"-p {port} -k {base} -c max_connections=200 {options}",
                    "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(base / "data"), "-m",
                        "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


class Driver:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.tokens: dict[str, dict[str, str]] = {}
        self.requests = 0
        self.data = _result_data()  # item → what its office enters on approval

    async def login(self, username: str) -> None:
        r = await self.client.post("/api/v1/auth/token",
                                   data={"username": username, "password": DEMO_PASSWORD})
        r.raise_for_status()
        self.tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def call(self, method: str, path: str, who: str, **kw: Any) -> Any:
        self.requests += 1
        r = await self.client.request(method, path, headers=self.tokens[who], **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path} as {who}: {r.status_code} {r.text[:200]}")
        return r.json()

    async def lifecycle(self, body: dict[str, Any]) -> None:
        app = await self.call("POST", "/api/v1/applications", "zhangsan", json=body)
        app = await self.call("POST", f"/api/v1/applications/{app['id']}/acceptance",
                              "chuangkou", json={"decision": "accept"})
        while app["status"] not in ("completed", "partly_denied", "denied"):
            pending = [t for t in app["tasks"] if t["status"] == "pending"]
            await asyncio.gather(*(self.call(
                "POST", f"/api/v1/tasks/{t['id']}/decision",
                f"{t['department'].lower()}_{t['region']}",
                json={"action": "approve", "version": t["version"],
                      "data": self.data.get(t["item"], {})}) for t in pending))
            app = await self.call("GET", f"/api/v1/applications/{app['id']}", "chuangkou")
        await self.call("POST", f"/api/v1/applications/{app['id']}/delivery", "chuangkou",
                        json={"method": "window"})


def _result_data() -> dict[str, dict[str, Any]]:
    """The values each item's office enters on approval (银行账号, 公民身份号码 …)."""
    import random

    from onething.demo.data import result_data

    catalog = build_catalog(read_catalog(demo_catalog_dir()))
    rng = random.Random(1)
    return {code: result_data(catalog, code, rng) for code in catalog.items}


def _body(file_id: str) -> dict[str, Any]:
    import random

    from onething.demo.data import _form

    catalog = build_catalog(read_catalog(demo_catalog_dir()))
    answers = {q.code: (q.default if q.default is not None else
                        {"bool": True, "number": 100.0, "integer": 1, "text": "示例",
                         "choice": next(iter(q.options or {"x": ""})),
                         "multichoice": []}[q.type.value])
               for q in catalog.bundles[BUNDLE].questions}
    guide = compute_guide(catalog, BUNDLE, answers)
    materials = {m.code: {"commitment": True} if m.status == MaterialStatus.commitment
                 else {"file": file_id} for m in guide.materials
                 if m.status in (MaterialStatus.submit, MaterialStatus.commitment)}
    return {"bundle": BUNDLE, "region": REGION, "answers": answers, "channel": "api",
            "form": _form(catalog, guide.fields, random.Random(1)), "materials": materials}


async def drive(base: str, clients: int, seconds: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        driver = Driver(client)
        catalog = build_catalog(read_catalog(demo_catalog_dir()))
        for person in demo_users(catalog):
            await driver.login(person.username)
        upload = await client.post("/api/v1/files", files={"file": ("a.pdf", PDF)},
                                   headers=driver.tokens["zhangsan"])
        body = _body(upload.json()["id"])
        await driver.lifecycle(body)  # warm up every path once
        done, driver.requests = 0, 0
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await driver.lifecycle(body)
                done += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"lifecycles": done, "seconds": round(elapsed, 1),
            "lifecycles_per_s": round(done / elapsed, 1),
            "requests_per_s": round(driver.requests / elapsed, 1),
            "requests_per_lifecycle": round(driver.requests / max(done, 1), 1)}


def run(database_url: str, clients: int, seconds: float, workers: int,
        statements: bool = False) -> dict[str, Any]:
    RESULTS.mkdir(exist_ok=True)
    log = RESULTS / "lifecycle-server.log"  # for when something fails
    log.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="onething-lifecycle-") as data, \
            Served(Path(data), database_url, workers=workers, log=log) as server:
        if statements:
            _statements(database_url, reset=True)
        result = asyncio.run(drive(server.url, clients, seconds))
        if statements:
            result["statements"] = _statements(database_url, per=result["lifecycles"] + 1)
        return result


# PostgreSQL's own account of the statements (pg_stat_statements): how many a lifecycle
# sends, and where the time inside the server goes, waits for row locks included
STATEMENTS = "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"


def _statements(url: str, reset: bool = False, per: int = 1) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            if reset:
                c.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
                c.execute(text("SELECT pg_stat_statements_reset()"))
                return {}
            rows = c.execute(text(
                "SELECT calls, total_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 120)"
                " FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'"
                " ORDER BY total_exec_time DESC")).all()
    finally:
        engine.dispose()
    return {"per_lifecycle": round(sum(r[0] for r in rows) / per, 1),
            "slowest": [{"calls_per_lifecycle": round(calls / per, 1),
                         "total_ms": round(total, 1), "mean_ms": round(total / calls, 3),
                         "statement": query} for calls, total, query in rows[:12]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.lifecycle", description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--statements", action="store_true",
                        help="with --postgres: statements per lifecycle and where the "
                             "server's time goes (pg_stat_statements)")
    args = parser.parse_args(argv)
    if args.postgres:
        with postgres(STATEMENTS if args.statements else "") as url:
            result = run(url, args.clients, args.seconds, args.workers, args.statements)
    else:
        result = run("", args.clients, args.seconds, args.workers)
    name = "postgresql" if args.postgres else "sqlite"
    result.update(database=name, bundle=BUNDLE, clients=args.clients, workers=args.workers)
    print(json.dumps(result, ensure_ascii=False))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"lifecycle-{name}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
