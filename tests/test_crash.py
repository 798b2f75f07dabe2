"""SIGKILL a real `onething serve` in the middle of a burst of submissions and decisions,
start it again, and check that every acknowledged request is there exactly once and that
nothing is half-done."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from served import CLIENT, Served, Traffic, problems, tasks

ACKNOWLEDGED_BEFORE_KILL = 40  # 2xx answers to wait for before pulling the plug
CLIENTS = 8


@pytest.fixture
def served(tmp_path: Path, database_url: str, basic_dir: Path) -> Iterator[Served]:
    # two processes writing one SQLite file queue across processes (db._WriterQueue)
    workers = 2 if database_url.startswith("sqlite") else 1
    server = Served(tmp_path, database_url, basic_dir, workers=workers)
    try:
        yield server
    finally:
        server.stop()


async def _burst_then_kill(traffic: Traffic, server: Served) -> None:
    stop = asyncio.Event()
    clients = asyncio.create_task(traffic.run(CLIENTS, "before", stop))
    while traffic.journal.acknowledged < ACKNOWLEDGED_BEFORE_KILL and not clients.done():
        await asyncio.sleep(0.01)
    server.kill()  # requests are in flight: their outcome is unknown to the clients
    stop.set()
    await clients


async def _replay(traffic: Traffic, keys: list[str]) -> dict[str, dict[str, object]]:
    """Every submission sent before the kill, sent again with its key."""
    async with httpx.AsyncClient(base_url=traffic.base, timeout=30) as client:
        answers = await asyncio.gather(*(client.post(
            "/api/v1/applications", json=traffic.body,
            headers={**traffic.tokens[CLIENT], "Idempotency-Key": key}) for key in keys))
    return {key: r.json() for key, r in zip(keys, answers, strict=True)}


def test_a_killed_server_keeps_every_acknowledged_request_once(
        served: Served, database_url: str) -> None:
    served.start()
    traffic = Traffic(served.url)
    asyncio.run(traffic.prepare())
    asyncio.run(_burst_then_kill(traffic, served))
    journal = traffic.journal
    assert journal.acknowledged >= ACKNOWLEDGED_BEFORE_KILL, served.log()[-3000:]
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[1]
        with contextlib.closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []

    traffic.base = served.start().url  # the same data, after the crash
    assert problems(database_url) == []
    replayed = _check_replays(traffic)
    _check_decisions(traffic, database_url)

    asyncio.run(_one_more_lifecycle(traffic))  # numbering and queues carry on
    assert problems(database_url) == []
    assert len({a["number"] for a in replayed.values()}) == len(replayed)


def _check_replays(traffic: Traffic) -> dict[str, dict[str, object]]:
    journal = traffic.journal
    replayed = asyncio.run(_replay(traffic, journal.keys_sent))
    for key, before in journal.submitted.items():
        again = replayed[key]
        assert (again["id"], again["number"]) == (before["id"], before["number"]), key
    for app_id in journal.accepted:
        answer = next(a for a in replayed.values() if a["id"] == app_id)
        assert answer["status"] != "submitted" and answer["tasks"], answer
    return replayed


def _check_decisions(traffic: Traffic, database_url: str) -> None:
    """Acknowledged decisions are there with the version answered; sent again, they are
    refused as stale instead of being applied twice."""
    now = tasks(database_url)
    with httpx.Client(base_url=traffic.base, timeout=30) as client:
        for task_id, (who, sent, answered) in traffic.journal.decided.items():
            assert now[task_id] == ("approved", answered), task_id
            again = client.post(f"/api/v1/tasks/{task_id}/decision",
                                json={"action": "approve", "version": sent},
                                headers=traffic.tokens[who])
            assert again.status_code == 409, again.text
    assert tasks(database_url) == now


async def _one_more_lifecycle(traffic: Traffic) -> None:
    async with httpx.AsyncClient(base_url=traffic.base, timeout=30) as client:
        await traffic.lifecycle(client, "after-restart")
