"""Uploads: checked by content (not by name), limited in size, stored content-addressed."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from pathlib import Path

import filetype
from sqlalchemy.orm import Session

from onething.errors import DomainError, FieldProblem, Invalid, NotFound, TooLarge
from onething.files.models import StoredFile
from onething.identity.roles import Principal, Role

MAX_BYTES = 20 * 1024 * 1024
ALLOWED = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
ID_PATTERN = r"^[0-9a-f]{32}$"
_RESERVED = re.compile(r'[:*?"<>|]')
# Characters that are not seen, or that change how the rest is seen: controls (Cc: NUL, CR,
# LF …), formats (Cf: the bidi overrides and isolates U+202A–202E and U+2066–2069 that make
# "exe.pdf" of "fdp.exe", zero-width spaces and joiners, the BOM), lone surrogates (Cs), and
# the line and paragraph separators (Zl, Zp).
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _sniff(data: bytes) -> str | None:
    kind = filetype.guess(data[:8192])
    return kind.mime if kind is not None and kind.mime in ALLOWED else None


def blob_path(root: Path, sha256: str) -> Path:
    return root / "files" / sha256[:2] / sha256[2:4] / sha256


def write_blob(root: Path, sha256: str, data: bytes) -> Path:
    """Put a blob in place whole or not at all (a temporary file, fsynced, then renamed)."""
    path = blob_path(root, sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{sha256}.{secrets.token_hex(4)}")
    with temporary.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
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
          data: bytes) -> StoredFile:
    """Keep an uploaded material; refuse what is too big or not a PDF/JPEG/PNG by content."""
    if not data:
        raise _refuse(Invalid, "文件为空", "file_empty")
    if len(data) > MAX_BYTES:
        raise _refuse(TooLarge, f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB", "file_too_large")
    content_type = _sniff(data)
    if content_type is None:
        raise _refuse(Invalid, "只接受 PDF、JPEG 或 PNG 文件（按文件内容判断，而非文件名）",
                      "file_type_not_allowed")
    digest = hashlib.sha256(data).hexdigest()
    if not blob_path(root, digest).exists():
        write_blob(root, digest, data)
    row = StoredFile(id=secrets.token_hex(16), sha256=digest, size=len(data),
                     content_type=content_type, filename=display_name(filename),
                     owner_id=owner.user_id)
    session.add(row)
    session.flush()
    return row


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
