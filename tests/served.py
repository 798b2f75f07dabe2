"""A real `onething serve`, started one way for every test and benchmark that needs one
(crash, backup, logs, uploads, the browser, bench/), the traffic that drives it, and the
invariants its database must keep whatever happens to the process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onething.cases.models import Application, Event, Task
from onething.demo.people import DEMO_PASSWORD
from onething.kernel.db import make_engine, session_factory
from samples import FORM, PDF
from samples import OWNED_WITH_SIGN as ANSWERS
from schema import sqlite_schema

CLIENT, CLERK = "zhangsan", "chuangkou"
APPROVERS = {"REG": "scjg_430102", "SIGN": "cg_430102"}  # STORE below: REG, then SIGN
ACCEPTED = {"accepted", "accepted_with_deficiency", "in_progress", "completed",
            "partly_denied", "denied", "delivered"}


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """`onething serve` on its own data dir (and database: the data dir's SQLite file when
    `database_url` is empty), with `--demo` (the demo's people, and the demo catalog unless
    `catalog` names one) unless `demo` is false, in `workers` worker processes.

    It runs in its own process group, so that a SIGKILL takes its workers down with it, as
    a power cut or the OOM killer would. What it prints goes to `log` (server.log in the data
    dir). Started again after a stop or a kill, it serves the same data on another port."""

    def __init__(self, data: Path, database_url: str = "", catalog: Path | None = None,
                 workers: int = 1, demo: bool = True, log: Path | None = None) -> None:
        self.data, self.catalog, self.workers, self.demo = data, catalog, workers, demo
        self.log_path = log or data / "server.log"
        self.env = {**os.environ, "ONETHING_DATA_DIR": str(data),
                    "ONETHING_DATABASE_URL": database_url, "ONETHING_SWEEP_SECONDS": "0"}
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self, timeout: float = 120) -> Served:
        database = self.data / "onething.db"
        if not self.env["ONETHING_DATABASE_URL"] and not database.exists():
            # the schema the migrations make, copied (serve finds it at the head)
            self.data.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sqlite_schema(), database)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log: IO[str] = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "onething.cli", "serve",
             *(["--demo", "--demo-applications", "0"] if self.demo else []),
             *(["--catalog", str(self.catalog)] if self.catalog else []),
             "--port", str(port), "--workers", str(self.workers)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not start: {self.log()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler runs."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def __enter__(self) -> Served:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def cli(self, *args: str, check: bool = False, timeout: float | None = 120,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
        """`onething *args` on the same data (the server need not run)."""
        return subprocess.run([sys.executable, "-m", "onething.cli", *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout, input=input,
                              check=check)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- traffic ---------------------------------------------------------------------------


@dataclass
class Journal:
    """What the server answered with a 2xx, and what was sent without a known outcome."""

    submitted: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → application
    accepted: set[int] = field(default_factory=set)
    # task id → (approver, version sent, version answered)
    decided: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    keys_sent: list[str] = field(default_factory=list)

    @property
    def acknowledged(self) -> int:
        return len(self.submitted) + len(self.accepted) + len(self.decided)


class Traffic:
    """Concurrent clients taking applications from submission to their last decision."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.tokens: dict[str, dict[str, str]] = {}
        self.body: dict[str, Any] = {}
        self.journal = Journal()

    async def prepare(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            for who in (CLIENT, CLERK, *APPROVERS.values()):
                r = await client.post("/api/v1/auth/token",
                                      data={"username": who, "password": DEMO_PASSWORD})
                r.raise_for_status()
                self.tokens[who] = {"Authorization": f"Bearer {r.json()['access_token']}"}
            upload = await client.post("/api/v1/files", files={"file": ("身份证.pdf", PDF)},
                                       headers=self.tokens[CLIENT])
            upload.raise_for_status()
        self.body = {"bundle": "STORE", "region": "430102", "answers": ANSWERS,
                     "form": FORM, "channel": "api",
                     "materials": {"ID_CARD": {"file": upload.json()["id"]},
                                   "FLOOR_PLAN": {"commitment": True}}}

    async def run(self, clients: int, prefix: str, stop: asyncio.Event) -> None:
        """Lifecycles until `stop` is set or the server goes away."""
        limits = httpx.Limits(max_connections=clients * 2)
        async with httpx.AsyncClient(base_url=self.base, timeout=30, limits=limits) as c:
            await asyncio.gather(*(self._client(c, f"{prefix}-{n}", stop)
                                   for n in range(clients)))

    async def _client(self, client: httpx.AsyncClient, name: str, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                await self.lifecycle(client, f"{name}-{n}")
            except httpx.TransportError:
                return  # the server is gone

    async def lifecycle(self, client: httpx.AsyncClient, key: str) -> None:
        self.journal.keys_sent.append(key)
        r = await self._post(client, CLIENT, "/api/v1/applications", self.body,
                             {"Idempotency-Key": key})
        app = r.json()
        self.journal.submitted[key] = {"id": app["id"], "number": app["number"]}
        r = await self._post(client, CLERK, f"/api/v1/applications/{app['id']}/acceptance",
                             {"decision": "accept"})
        self.journal.accepted.add(app["id"])
        for task in sorted(r.json()["tasks"], key=lambda t: t["stage"]):
            await self.decide(client, app["id"], task["item"])

    async def decide(self, client: httpx.AsyncClient, app_id: int, item: str) -> None:
        who = APPROVERS[item]
        r = await client.get(f"/api/v1/applications/{app_id}", headers=self.tokens[who])
        _ok(r)
        task = next(t for t in r.json()["tasks"] if t["item"] == item)
        r = await self._post(client, who, f"/api/v1/tasks/{task['id']}/decision",
                             {"action": "approve", "version": task["version"]})
        self.journal.decided[task["id"]] = (who, task["version"], r.json()["version"])

    async def _post(self, client: httpx.AsyncClient, who: str, path: str, body: Any,
                    headers: dict[str, str] | None = None) -> httpx.Response:
        r = await client.post(path, json=body, headers={**self.tokens[who], **(headers or {})})
        return _ok(r)


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise AssertionError(f"{response.request.method} {response.request.url.path}: "
                             f"{response.status_code} {response.text[:300]}")
    return response


# --- invariants ------------------------------------------------------------------------


def problems(database_url: str) -> list[str]:
    """Everything half-done or duplicated in the database (empty when all is well)."""
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            return [*_application_problems(session), *_task_problems(session)]
    finally:
        engine.dispose()


def tasks(database_url: str) -> dict[int, tuple[str, int]]:
    """Every task's status and version."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Task.id, Task.status, Task.version))
            return {row.id: (row.status, row.version) for row in rows}
    finally:
        engine.dispose()


def _application_problems(session: Session) -> list[str]:
    found = []
    numbers = Counter(session.scalars(select(Application.number)))
    found += [f"办件编号 {n} used {c} times" for n, c in numbers.items() if c > 1]
    keys = Counter((row.submitted_by_id, row.idempotency_key) for row in session.execute(
        select(Application.submitted_by_id, Application.idempotency_key)))
    found += [f"idempotency key {k} gave {c} applications"
              for k, c in keys.items() if k[1] is not None and c > 1]
    tasks = {row.application_id: row.count for row in session.execute(
        select(Task.application_id, func.count().label("count")).group_by(Task.application_id))}
    submits = Counter(session.scalars(select(Event.application_id)
                                      .where(Event.action == "submit")))
    for app in session.scalars(select(Application)):
        expected = len(app.guide["items"]) if app.status in ACCEPTED else 0
        if tasks.get(app.id, 0) != expected:
            found.append(f"application {app.id} ({app.status}) has {tasks.get(app.id, 0)} "
                         f"tasks, not {expected}")
        if submits[app.id] != 1:
            found.append(f"application {app.id} has {submits[app.id]} submit events")
    return found


def _task_problems(session: Session) -> list[str]:
    found = []
    decisions = Counter(session.scalars(select(Event.task_id).where(
        Event.action.in_(("approve", "deny")))))
    by_app: dict[int, list[Task]] = {}
    for task in session.scalars(select(Task)):
        by_app.setdefault(task.application_id, []).append(task)
        expected = 1 if task.status in ("approved", "denied") else 0
        if decisions[task.id] != expected:
            found.append(f"task {task.id} ({task.status}) has {decisions[task.id]} "
                         "decision events")
    for app_id, tasks in by_app.items():
        app = session.get_one(Application, app_id)
        first_open = min((t.stage for t in tasks if t.status != "approved"), default=None)
        for t in tasks:
            if first_open is not None and t.stage > first_open and t.status != "waiting":
                found.append(f"task {t.id} of stage {t.stage} is {t.status} before stage "
                             f"{first_open} is decided")
        complete = all(t.status == "approved" for t in tasks)
        if complete != (app.status == "completed"):
            found.append(f"application {app_id} is {app.status} with tasks "
                         f"{[t.status for t in tasks]}")
    return found


def dump(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: a database's whole state."""
    from onething.wiring import metadata

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns))]
                    for table in metadata.sorted_tables}
    finally:
        engine.dispose()


def idempotency_keys(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return {key for key in connection.scalars(select(Application.idempotency_key))
                    if key is not None}
    finally:
        engine.dispose()
