"""Uploads: checked by content (not by name), limited in size, stored content-addressed.

An upload is read in chunks, never whole: its type is judged by its first bytes, its hash
computed as it is copied to disk, so a burst of large uploads leaves no memory behind.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import BinaryIO

import filetype
from sqlalchemy.orm import Session

from onething.files.models import StoredFile
from onething.kernel.errors import DomainError, FieldProblem, Invalid, NotFound, TooLarge
from onething.kernel.principal import Principal, Role

MAX_BYTES = 20 * 1024 * 1024
ALLOWED = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
ID_PATTERN = r"^[0-9a-f]{32}$"
_RESERVED = re.compile(r'[:*?"<>|]')
# Characters that are not seen, or that change how the rest is seen: controls (Cc: NUL, CR,
# LF …), formats (Cf: the bidi overrides and isolates U+202A–202E and U+2066–2069 that make
# "exe.pdf" of "fdp.exe", zero-width spaces and joiners, the BOM), lone surrogates (Cs), and
# the line and paragraph separators (Zl, Zp).
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


HEAD = 8192  # the first bytes, by which the type is judged
CHUNK = 64 * 1024  # read and written at a time (small: no large buffers left behind)


def _sniff(head: bytes) -> str | None:
    kind = filetype.guess(head[:HEAD])
    return kind.mime if kind is not None and kind.mime in ALLOWED else None


def blob_path(root: Path, sha256: str) -> Path:
    return root / "files" / sha256[:2] / sha256[2:4] / sha256


def write_blob(root: Path, sha256: str, data: bytes) -> Path:
    """Put a blob in place whole or not at all (a temporary file, fsynced, then renamed)."""
    temporary = _incoming(root)
    with temporary.open("wb") as f:
        f.write(data)
        _sync(f)
    return _place(root, temporary, sha256)


def _incoming(root: Path) -> Path:
    """A new temporary file beside the blobs (so that it is renamed into place, not copied)."""
    folder = root / "files" / ".incoming"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / secrets.token_hex(16)


def _sync(f: BinaryIO) -> None:
    f.flush()
    os.fsync(f.fileno())


def _place(root: Path, temporary: Path, sha256: str) -> Path:
    """The temporary file as the blob `sha256` (dropped if that blob is already there)."""
    path = blob_path(root, sha256)
    if path.exists():
        temporary.unlink()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.replace(path)
    return path


def display_name(given: str) -> str:
    """The name shown and offered on download: the last part of what the client sent, without
    invisible characters (removed), reserved ones (replaced by "_") and leading dots; never
    used as a path."""
    visible = "".join(c for c in given if unicodedata.category(c) not in _INVISIBLE)
    name = _RESERVED.sub("_", re.split(r"[/\\]", visible)[-1]).strip(" .")
    return name[:200] or "upload"


def _refuse(error: type[DomainError], message: str, code: str) -> DomainError:
    return error(message, code=code, problems=[FieldProblem("file", message)])


def store(session: Session, root: Path, owner: Principal, filename: str,
          content: bytes | BinaryIO) -> StoredFile:
    """Keep an uploaded material (bytes, or a file read from where it stands); refuse what is
    empty, too big or not a PDF/JPEG/PNG by content."""
    source = io.BytesIO(content) if isinstance(content, bytes) else content
    head = source.read(HEAD)
    if not head:
        raise _refuse(Invalid, "文件为空", "file_empty")
    if _longer_than(source, MAX_BYTES):
        raise _too_large()
    content_type = _sniff(head)
    if content_type is None:
        raise _refuse(Invalid, "只接受 PDF、JPEG 或 PNG 文件（按文件内容判断，而非文件名）",
                      "file_type_not_allowed")
    digest, size = _receive(root, head, source)
    row = StoredFile(id=secrets.token_hex(16), sha256=digest, size=size,
                     content_type=content_type, filename=display_name(filename),
                     owner_id=owner.user_id)
    session.add(row)
    session.flush()
    return row


def _too_large() -> DomainError:
    return _refuse(TooLarge, f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB", "file_too_large")


def _longer_than(source: BinaryIO, limit: int) -> bool:
    """Whether a file that can tell its length is longer than `limit` (False when it cannot:
    then the copy counts)."""
    try:
        here = source.tell()
        end = source.seek(0, os.SEEK_END)
        source.seek(here)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    return end > limit


def _receive(root: Path, head: bytes, source: BinaryIO) -> tuple[str, int]:
    """Copy the upload to disk chunk by chunk, hashing as it goes; its SHA-256 and size.
    Past MAX_BYTES the copy is dropped and the upload refused."""
    temporary = _incoming(root)
    sha256, size = hashlib.sha256(), 0
    try:
        with temporary.open("wb") as f:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > MAX_BYTES:
                    raise _too_large()
                sha256.update(chunk)
                f.write(chunk)
                chunk = source.read(CHUNK)
            _sync(f)
        digest = sha256.hexdigest()
        _place(root, temporary, digest)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return digest, size


def usable_by(session: Session, file_id: str, user_ids: set[int]) -> StoredFile | None:
    row = session.get(StoredFile, file_id)
    return row if row is not None and row.owner_id in user_ids else None


def get_for(session: Session, principal: Principal, file_id: str) -> StoredFile:
    """A file for its owner (staff read materials through the application they handle);
    anyone else hears that there is no such file, as for an application they may not see."""
    row = session.get(StoredFile, file_id)
    if row is None or (row.owner_id != principal.user_id and principal.role != Role.admin):
        raise NotFound("没有该文件，或您无权查看", code="file_not_found")
    return row
