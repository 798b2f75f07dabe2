"""Request body limits, enforced before anything parses the body.

A declared `Content-Length` over the limit is refused before a byte is read; a chunked
body (no length) is counted as it arrives and refused as soon as it passes the limit.
Either way the refusal is the usual 413: problem+json on the API, a Chinese page elsewhere.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPART = b"multipart/form-data"
# The API's forms (a token request, one upload) need few fields; pages read theirs with
# `web.cases.read_form`.
FORM_LIMITS: Any = {"max_fields": 20, "max_files": 2, "max_part_size": 64 * 1024}
# JSON bodies that carry files (跨省通办 packages: their materials, base64): the upload limit
LARGE_JSON = frozenset({"/api/v1/exchange/packages"})


def _size(limit: int) -> str:
    return f"{limit // 1024} KB" if limit < 1024 * 1024 else f"{limit / 1024 / 1024:g} MB"


class BodyLimit:
    """ASGI middleware: at most `max_body` bytes for JSON and plain forms, `max_upload` for
    multipart uploads (several materials at once)."""

    def __init__(self, app: ASGIApp, max_body: int, max_upload: int) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        limit = (self.max_upload if headers.get(b"content-type", b"").startswith(MULTIPART)
                 or scope.get("path") in LARGE_JSON else self.max_body)
        declared = headers.get(b"content-length", b"")
        too_large = declared.isdigit() and int(declared) > limit
        await self.app(scope, _counted(receive, limit, too_large), send)


def _counted(receive: Receive, limit: int, too_large: bool) -> Receive:
    received = 0

    async def counted() -> Message:
        nonlocal received
        if too_large:
            raise _refusal(limit)
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _refusal(limit)
        return message

    return counted


def _refusal(limit: int) -> HTTPException:
    return HTTPException(413, f"请求内容不能超过 {_size(limit)}")
