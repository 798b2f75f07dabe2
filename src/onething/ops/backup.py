"""`onething backup` and `onething restore` for the embedded SQLite database.

A backup is one tar archive (uncompressed: uploads are PDF/JPEG/PNG, already compressed):

    onething-backup.json       the manifest: format, schema revision, database digest, counts
    onething.db                a consistent snapshot, taken online (SQLite's backup API) and
                               checked with PRAGMA integrity_check
    files/ab/cd/<sha256>       every uploaded file the snapshot refers to (content-addressed)

Uploads are written (fsynced) before the row naming them commits, and never deleted, so the
files a snapshot refers to are on disk when the snapshot is taken. Restoring adds the
backup's files to the data directory (files already there stay: they are what the previous
database refers to) and then swaps the database in with one rename, keeping the previous
one aside. PostgreSQL has its own tools (pg_dump, pg_basebackup; docs/OPERATIONS.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import make_url

from onething.files.service import blob_path, write_blob
from onething.kernel.clock import utcnow
from onething.kernel.db import BUSY_SECONDS

FORMAT, FORMAT_VERSION = "onething-backup", 1
MANIFEST, DATABASE = "onething-backup.json", "onething.db"
_BLOB = re.compile(r"files/([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{60})")
POSTGRES_WAY = ("PostgreSQL 数据库请用 PostgreSQL 自带的工具备份与恢复：pg_dump / pg_restore，"
                "或 pg_basebackup 加 WAL 归档（可恢复到任一时间点），上传文件目录另行复制；"
                "见 docs/OPERATIONS.md“备份与恢复”")


class BackupError(Exception):
    """A refusal, with a message for the person at the console (Simplified Chinese)."""


@dataclass(frozen=True)
class Manifest:
    schema: str  # Alembic revision of the database
    created_at: str
    database_sha256: str
    database_bytes: int
    files: int
    file_bytes: int

    def as_json(self) -> bytes:
        return json.dumps({"format": FORMAT, "version": FORMAT_VERSION, **asdict(self)},
                          ensure_ascii=False, indent=2).encode()


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    database: Path
    previous: Path | None  # the database that was replaced, kept aside
    added_files: int  # files that were not in the data directory yet


def sqlite_file(url: str) -> Path:
    """The database file behind `url`; PostgreSQL (or an in-memory database) is refused."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        raise BackupError(POSTGRES_WAY)
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError(f"内存数据库无法备份或恢复：{url}")
    return Path(parsed.database)


# --- backup --------------------------------------------------------------------------


def backup(url: str, data_dir: Path, target: Path) -> Manifest:
    """Write a verified backup to `target` (a new file) while the service keeps running."""
    database = sqlite_file(url)
    if not database.is_file():
        raise BackupError(f"没有可备份的数据库：{database}")
    if target.exists():
        raise BackupError(f"备份文件已存在，不会覆盖：{target}")
    if not target.parent.is_dir():
        raise BackupError(f"备份目标所在目录不存在：{target.parent}")
    with tempfile.TemporaryDirectory(prefix=".onething-backup-", dir=target.parent) as work:
        snapshot = Path(work) / DATABASE
        _snapshot(database, snapshot)
        archive = Path(work) / "backup.tar"
        _write_archive(archive, snapshot, data_dir)
        (Path(work) / "check").mkdir()
        manifest = verify(archive, unpack_to=Path(work) / "check")  # read back what was written
        try:
            os.link(archive, target)  # never replaces a file that appeared meanwhile
        except FileExistsError as exc:
            raise BackupError(f"备份文件已存在，不会覆盖：{target}") from exc
    _fsync_directory(target.parent)
    return manifest


def _snapshot(database: Path, copy: Path) -> None:
    """A consistent copy of a live database: one backup step, inside one read transaction."""
    with contextlib.closing(sqlite3.connect(database)) as source, \
            contextlib.closing(sqlite3.connect(copy)) as destination:
        source.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    problem = _integrity_problem(copy)
    if problem:
        raise BackupError(f"数据库副本未通过完整性检查（{problem}），未写入备份；"
                          f"请检查 {database}")


def _integrity_problem(database: Path) -> str | None:
    """None when PRAGMA integrity_check finds nothing, else its first finding."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            first = db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if first == "ok" else str(first)


def _read_snapshot(database: Path) -> tuple[str, list[str]]:
    """The schema revision and the uploaded files (sha256) a database refers to."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            schema = db.execute("SELECT version_num FROM alembic_version").fetchone()
            blobs = [row[0] for row in db.execute("SELECT DISTINCT sha256 FROM files")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"不是 onething 数据库（{exc}）") from exc
    if schema is None:
        raise BackupError("不是 onething 数据库（没有结构版本）")
    return str(schema[0]), sorted(blobs)


def _write_archive(archive: Path, snapshot: Path, data_dir: Path) -> None:
    schema, blobs = _read_snapshot(snapshot)
    digest, size = _file_digest(snapshot)
    with archive.open("wb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            file_bytes = sum(_add_blob(tar, data_dir, sha256) for sha256 in blobs)
            tar.add(snapshot, DATABASE)
            manifest = Manifest(schema=schema, created_at=utcnow().isoformat(),
                                database_sha256=digest, database_bytes=size,
                                files=len(blobs), file_bytes=file_bytes)
            _add_bytes(tar, tarfile.TarInfo(MANIFEST), manifest.as_json())  # counts known
        raw.flush()
        os.fsync(raw.fileno())


def _add_blob(tar: tarfile.TarFile, data_dir: Path, sha256: str) -> int:
    path = blob_path(data_dir, sha256)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BackupError(f"数据库引用的上传文件缺失，未写入备份：{path}") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BackupError(f"上传文件内容与其摘要不符（已损坏），未写入备份：{path}")
    _add_bytes(tar, tarfile.TarInfo(path.relative_to(data_dir).as_posix()), data)
    return len(data)


def _add_bytes(tar: tarfile.TarFile, info: tarfile.TarInfo, data: bytes) -> None:
    info.size, info.mode, info.mtime = len(data), 0o600, int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading a backup ----------------------------------------------------------------


def verify(archive: Path, unpack_to: Path | None = None) -> Manifest:
    """Check a backup through and through (optionally unpacking it); BackupError if not."""
    with tempfile.TemporaryDirectory(prefix=".onething-verify-") as scratch:
        into = unpack_to or Path(scratch)
        manifest, blobs = _unpack(archive, into)
        database = into / DATABASE
        if _file_digest(database) != (manifest.database_sha256, manifest.database_bytes):
            raise BackupError(f"备份已损坏：数据库与清单中的摘要不符（{archive}）")
        problem = _integrity_problem(database)
        if problem:
            raise BackupError(f"备份已损坏：数据库未通过完整性检查（{problem}）（{archive}）")
        _, referred = _read_snapshot(database)
        missing = sorted(set(referred) - blobs)
        if missing or len(blobs) != manifest.files:
            raise BackupError(f"备份不完整：缺少 {len(missing)} 个上传文件（{archive}）")
        _check_schema(manifest.schema, archive)
    return manifest


def _unpack(archive: Path, into: Path) -> tuple[Manifest, set[str]]:
    """The manifest and the files' digests; each member checked as it is read."""
    if not archive.is_file():
        raise BackupError(f"备份文件不存在：{archive}")
    manifest: Manifest | None = None
    blobs: set[str] = set()
    try:
        with tarfile.open(archive, mode="r:") as tar:
            for member in tar:
                stream = _member(tar, member, archive)
                if member.name == MANIFEST:
                    manifest = _manifest(stream.read(), archive)
                elif member.name == DATABASE:
                    with (into / DATABASE).open("wb") as copy:
                        shutil.copyfileobj(stream, copy, 1 << 20)
                else:
                    blobs.add(_unpack_blob(member.name, stream.read(), into, archive))
    except (tarfile.TarError, EOFError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BackupError(f"不是 onething 备份，或备份已损坏（{archive}：{reason}）") from exc
    if manifest is None or not (into / DATABASE).is_file():
        raise BackupError(f"不是 onething 备份：缺少清单或数据库（{archive}）")
    return manifest, blobs


def _member(tar: tarfile.TarFile, member: tarfile.TarInfo, archive: Path) -> IO[bytes]:
    """A regular file with one of the names a backup has (never a path to elsewhere)."""
    known = member.name in (MANIFEST, DATABASE) or _BLOB.fullmatch(member.name)
    stream = tar.extractfile(member) if member.isfile() else None
    if not known or stream is None:
        raise BackupError(f"不是 onething 备份：含有意外的条目 {member.name!r}（{archive}）")
    return stream


def _unpack_blob(name: str, data: bytes, into: Path, archive: Path) -> str:
    sha256 = name.rsplit("/", 1)[1]
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BackupError(f"备份已损坏：上传文件 {name} 的内容与摘要不符（{archive}）")
    path = into / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return sha256


def _manifest(data: bytes, archive: Path) -> Manifest:
    try:
        document: Any = json.loads(data)
        if document.pop("format") != FORMAT or document.pop("version") != FORMAT_VERSION:
            raise ValueError("format")
        return Manifest(**document)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise BackupError(f"不是 onething 备份，或备份格式不受支持（{archive}）") from exc


def _check_schema(schema: str, archive: Path) -> None:
    from alembic.script import ScriptDirectory

    from onething.kernel.config import migrations_dir

    known = {s.revision for s in ScriptDirectory(str(migrations_dir())).walk_revisions()}
    if schema not in known:
        raise BackupError(f"备份的数据库结构版本 {schema} 不为本程序所知"
                          f"（来自更新的 onething？）（{archive}）")


# --- restore -------------------------------------------------------------------------


def restore(url: str, data_dir: Path, archive: Path, now: datetime | None = None) -> Restored:
    """Replace the database (and add the files) with a backup's, when nothing uses it."""
    database = sqlite_file(url)
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".onething-restore-", dir=database.parent) as work:
        manifest = verify(archive, unpack_to=Path(work))
        with _unused(database):
            added = _install_files(Path(work), data_dir)
            previous = _swap_in(Path(work) / DATABASE, database, now or utcnow())
    return Restored(manifest=manifest, database=database, previous=previous,
                    added_files=added)


@contextlib.contextmanager
def _unused(database: Path) -> Iterator[None]:
    """Hold the writers' turn, and make sure no process has the database open.

    Switching a WAL database back to a rollback journal needs it to be the only
    connection, so it doubles as the test; it also checkpoints and removes the WAL, which
    must never be replayed onto the restored file.
    """
    in_use = BackupError(f"数据库正在使用（服务或其他 onething 命令仍在运行），未作任何更改；"
                         f"请先停止使用它的进程：{database}")
    fd = os.open(f"{database}.writers", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise in_use from exc
        if database.exists():
            try:
                with contextlib.closing(sqlite3.connect(database, timeout=0)) as db:
                    db.execute("PRAGMA journal_mode=DELETE").fetchall()
            except sqlite3.OperationalError as exc:
                raise in_use from exc
            except sqlite3.DatabaseError:
                pass  # a damaged database is what restoring is for
        yield
    finally:
        os.close(fd)  # releases the lock


def _install_files(unpacked: Path, data_dir: Path) -> int:
    added = 0
    for path in sorted((unpacked / "files").glob("*/*/*")):
        if not blob_path(data_dir, path.name).exists():
            write_blob(data_dir, path.name, path.read_bytes())
            added += 1
    return added


def _aside(database: Path, now: datetime) -> Path:
    stamp = f"{now:%Y%m%dT%H%M%SZ}"
    candidates = (database.with_name(f"{database.name}.before-restore-{stamp}{suffix}")
                  for suffix in ("", *(f"-{n}" for n in range(2, 1000))))
    return next(path for path in candidates if not path.exists())


def _swap_in(new: Path, database: Path, now: datetime) -> Path | None:
    """One rename puts the restored database in place; the previous one is kept aside."""
    with new.open("rb+") as f:
        os.fsync(f.fileno())
    previous = None
    if database.exists():
        previous = _aside(database, now)
        os.link(database, previous)
    for leftover in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(new, database)
    _fsync_directory(database.parent)
    return previous
