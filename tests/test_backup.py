"""`onething backup` while the service writes, `onething restore` after it stopped, and the
refusals an operator meets: a missing, damaged or foreign backup, a database in use,
PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import io
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from onething.demo.people import DEMO_PASSWORD
from samples import PDF
from served import CLIENT, Served, Traffic, dump, idempotency_keys, problems
from world import client_for

BACKUPS_DURING_TRAFFIC = 2


def _url(data: Path) -> str:
    return f"sqlite:///{data / 'onething.db'}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def served(tmp_path: Path, basic_dir: Path) -> Iterator[Served]:
    (tmp_path / "live").mkdir()
    server = Served(tmp_path / "live", _url(tmp_path / "live"), basic_dir, workers=1)
    try:
        yield server
    finally:
        server.stop()


async def _backups_during_traffic(served: Served, traffic: Traffic,
                                  backups: Path) -> list[tuple[Path, set[str]]]:
    """Backups taken while clients submit and decide; with each, the submissions
    acknowledged before it began."""
    stop = asyncio.Event()
    clients = asyncio.create_task(traffic.run(4, "during", stop))
    taken = []
    for n in range(BACKUPS_DURING_TRAFFIC):
        while len(traffic.journal.submitted) < 3 * (n + 1):
            await asyncio.sleep(0.02)
        before = set(traffic.journal.submitted)
        target = backups / f"during-{n}.tar"
        done = await asyncio.to_thread(served.cli, "backup", str(target))
        assert done.returncode == 0, done.stderr
        assert "完整性检查通过" in done.stdout
        taken.append((target, before))
    stop.set()
    await clients
    return taken


def test_backup_under_load_is_consistent_and_restore_brings_back_that_state(
        served: Served, tmp_path: Path, basic_dir: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    traffic = Traffic(served.start().url)
    asyncio.run(traffic.prepare())
    taken = asyncio.run(_backups_during_traffic(served, traffic, backups))
    quiet, backed_up = backups / "quiet.tar", _quiet_backup(served, backups / "quiet.tar")
    asyncio.run(_one_lifecycle(traffic))  # more happens after the backup

    refused = served.cli("restore", str(quiet))  # the service still runs
    assert refused.returncode == 2 and "正在使用" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    served.stop()

    for n, (backup, acknowledged) in enumerate(taken):
        fresh = tmp_path / f"restored-{n}"
        done = Served(fresh, _url(fresh), basic_dir).cli("restore", str(backup))
        assert done.returncode == 0, done.stderr
        assert problems(_url(fresh)) == []
        assert acknowledged <= idempotency_keys(_url(fresh))
    _restore_undoes_what_came_after(served, quiet, backed_up)
    _serves_the_upload(served.data)


def _quiet_backup(served: Served, target: Path) -> dict[str, list[tuple[object, ...]]]:
    """A backup with no request running (the service is up), and the state it holds."""
    state = dump(served.env["ONETHING_DATABASE_URL"])
    assert served.cli("backup", str(target)).returncode == 0
    return state


def _restore_undoes_what_came_after(served: Served, backup: Path,
                                    backed_up: dict[str, list[tuple[object, ...]]]) -> None:
    url = served.env["ONETHING_DATABASE_URL"]
    later = dump(url)
    assert later != backed_up
    done = served.cli("restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert dump(url) == backed_up
    kept = next(served.data.glob("onething.db.before-restore-*"))
    assert str(kept) in done.stdout
    assert dump(f"sqlite:///{kept}") == later


def _serves_the_upload(data: Path) -> None:
    """The restored data directory serves the applicant's upload, byte for byte."""
    with client_for(None, data, None, raise_server_exceptions=True) as client:
        token = client.post("/api/v1/auth/token",
                            data={"username": CLIENT, "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        mine = client.get("/api/v1/applications", headers=headers, params={"limit": 1})
        app = client.get(f"/api/v1/applications/{mine.json()[0]['id']}", headers=headers)
        file_id = next(m["file"] for m in app.json()["materials"] if m.get("file"))
        served_file = client.get(f"/api/v1/files/{file_id}", headers=headers)
        assert served_file.status_code == 200 and served_file.content == PDF


async def _one_lifecycle(traffic: Traffic) -> None:
    async with httpx.AsyncClient(base_url=traffic.base, timeout=30) as client:
        await traffic.lifecycle(client, "after-backup")


# --- refusals --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory, basic_dir: Path) -> Served:
    """A data directory with a database and a good backup of it (`good.tar` beside it),
    no server running. The refusals below leave it as it is."""
    base = tmp_path_factory.mktemp("quiet")
    server = Served(base / "data", _url(base / "data"), basic_dir)
    assert server.cli("catalog", "load", str(basic_dir)).returncode == 0
    assert server.cli("backup", str(base / "good.tar")).returncode == 0
    return server


def _refused(server: Served, command: str, path: Path, words: str,
             named: Path | None = None) -> None:
    """Exit 2 with one line naming the problem and the path, and nothing changed."""
    database = server.data / "onething.db"
    before = _digest(database)
    done = server.cli(command, str(path))
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and str(named or path) in lines[0], lines
    assert _digest(database) == before
    assert not list(server.data.glob("onething.db.before-restore-*"))


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_restore_refuses_what_is_not_a_good_backup(quiet: Served, tmp_path: Path) -> None:
    good = quiet.data.parent / "good.tar"
    _refused(quiet, "restore", tmp_path / "missing.tar", "不存在")
    text = tmp_path / "notes.txt"
    text.write_text("不是备份")
    _refused(quiet, "restore", text, "不是 onething 备份")
    _refused(quiet, "restore", quiet.data / "onething.db", "不是 onething 备份")
    _refused(quiet, "restore", _tar(tmp_path / "bare.tar", {"onething.db": b"x"}),
             "不是 onething 备份")
    with tarfile.open(good) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]
    _refused(quiet, "restore", _tar(tmp_path / "evil.tar", {**members, "../escape": b"x"}),
             "意外的条目")

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _refused(quiet, "restore", truncated, "已损坏")
    with tarfile.open(good) as tar:
        offset = tar.getmember("onething.db").offset_data
    damaged = bytearray(good.read_bytes())
    damaged[offset + 5000] ^= 0xFF
    (tmp_path / "damaged.tar").write_bytes(damaged)
    _refused(quiet, "restore", tmp_path / "damaged.tar", "已损坏")


HOLD_OPEN = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")
db.execute("SELECT count(*) FROM applications").fetchall()
print("open", flush=True)
sys.stdin.read()
"""


def test_restore_refuses_a_database_in_use(quiet: Served) -> None:
    """Another process (a `worker`, a script) has the database open."""
    with subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(quiet.data / "onething.db")],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as other:
        assert other.stdout is not None and other.stdout.readline() == "open\n"
        _refused(quiet, "restore", quiet.data.parent / "good.tar", "正在使用",
                 named=quiet.data / "onething.db")
        other.communicate("")


def test_backup_refuses_to_overwrite(quiet: Served) -> None:
    good = quiet.data.parent / "good.tar"
    before = _digest(good)
    _refused(quiet, "backup", good, "已存在")
    assert _digest(good) == before


def test_postgresql_is_pointed_at_its_own_tools(tmp_path: Path, basic_dir: Path) -> None:
    server = Served(tmp_path, "postgresql+psycopg://onething@127.0.0.1:1/onething", basic_dir)
    for command in ("backup", "restore"):
        done = server.cli(command, str(tmp_path / "x.tar"))
        assert done.returncode == 2
        assert "pg_dump" in done.stderr and "pg_basebackup" in done.stderr
        assert "Traceback" not in done.stderr
