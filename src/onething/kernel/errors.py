"""Domain errors raised by services; every door (API, pages, CLI) turns them into a refusal.

Each carries a stable `code`, a Chinese `title` and `detail`, and where it can the field
that is wrong. The API answers them as problem+json with `status`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = "请求无效"

    def __init__(self, detail: str, *, code: str | None = None,
                 problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.problems = problems or []


class NotFound(DomainError):
    status, code, title = 404, "not_found", "找不到请求的资源"


class Unauthenticated(DomainError):
    status, code, title = 401, "unauthenticated", "请先登录"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "无权操作"


class Conflict(DomainError):
    """The state changed underneath (stale version, wrong state for this step)."""

    status, code, title = 409, "conflict", "与当前状态冲突"


class TooLarge(DomainError):
    status, code, title = 413, "payload_too_large", "请求内容过大"


class Invalid(DomainError):
    """Input that breaks a rule; `problems` names every field at once."""

    status, code, title = 422, "invalid", "提交内容有误"


class TooManyRequests(DomainError):
    """Too many attempts (failed logins): try again after `retry_after` seconds."""

    status, code, title = 429, "too_many_requests", "请求过于频繁"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after
