"""Idempotency-Key (the IETF HTTPAPI draft "The Idempotency-Key HTTP Header Field").

A submission sent again with the same key and the same content answers the application the
first one made (a retry after a lost answer, a double click). The same key with different
content is refused (422 `idempotency_key_reused`): answering it with the first application
would tell the client that this, different, request succeeded. The content is compared by a
fingerprint kept with the application: a SHA-256 of the submission without its key, with
each uploaded file named by the SHA-256 of its bytes (a page sent twice uploads its files
twice, under new ids).
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.cases.models import Application
from onething.catalog.context import Ctx
from onething.files.models import StoredFile
from onething.kernel.errors import FieldProblem, Invalid

if TYPE_CHECKING:
    from onething.cases.service import Submission

HEADER = "Idempotency-Key"


def fingerprint(session: Session, sub: Submission) -> str | None:
    """The submission's fingerprint; None when it carries no key (nothing to compare)."""
    if not sub.idempotency_key:
        return None
    content = dataclasses.asdict(sub)
    del content["idempotency_key"]
    content["materials"] = _by_content(session, sub.materials)
    canonical = orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
                             default=str)
    return hashlib.sha256(canonical).hexdigest()


def _by_content(session: Session, materials: dict[str, dict[str, Any]]
                ) -> dict[str, dict[str, Any]]:
    ids = sorted({str(m["file"]) for m in materials.values() if m.get("file")})
    if not ids:
        return materials
    digests = {row.id: row.sha256 for row in session.execute(
        select(StoredFile.id, StoredFile.sha256).where(StoredFile.id.in_(ids)))}
    return {code: {**m, "file": digests.get(str(m["file"]), m["file"])} if m.get("file") else m
            for code, m in materials.items()}


def replayed(ctx: Ctx, sub: Submission, given: str | None) -> Application | None:
    """The application this key already made, if the content is the same; None if the key
    is new; refused if the key was used for different content."""
    if not sub.idempotency_key:
        return None
    earlier = ctx.session.scalar(select(Application).where(
        Application.submitted_by_id == ctx.actor.user_id,
        Application.idempotency_key == sub.idempotency_key))
    if earlier is None or earlier.idempotency_fingerprint in (None, given):
        return earlier  # None: made before fingerprints were kept
    message = (f"该 {HEADER} 已用于另一份内容不同的申请（办件编号 {earlier.number}）；"
               f"如要再提交一份申请，请使用新的 {HEADER}")
    raise Invalid(message, code="idempotency_key_reused",
                  problems=[FieldProblem(HEADER, message)])
