"""RFC 9457 problem details: every API refusal names its rule and, where it can, the field."""

from __future__ import annotations

import logging
import re
import sqlite3
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from onething.kernel.errors import DomainError, TooManyRequests
from onething.kernel.messages import reason

log = logging.getLogger("onething")

PROBLEM_JSON = "application/problem+json"

_STATUS_TITLES = {
    400: ("bad_request", "请求无效"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "无权操作"),
    404: ("not_found", "找不到请求的资源"),
    405: ("method_not_allowed", "不支持该请求方法"),
    406: ("not_acceptable", "无法提供所要求的格式"),
    409: ("conflict", "与当前状态冲突"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("invalid_request", "请求内容无效"),
    429: ("too_many_requests", "请求过于频繁"),
}


class FieldError(BaseModel):
    field: str
    message: str


class ProblemOut(BaseModel):
    """The body of every error answer (application/problem+json)."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = []


class ApiProblem(Exception):
    """Raised by routes and services' callers to refuse a request."""

    def __init__(self, status: int, code: str, title: str, detail: str | None = None,
                 errors: list[FieldError] | None = None) -> None:
        super().__init__(detail or title)
        self.status, self.code, self.title, self.detail = status, code, title, detail
        self.errors = errors or []


def problem_response(request: Request, problem: ApiProblem,
                     headers: dict[str, str] | None = None) -> Response:
    body = ProblemOut(
        type=f"/problems/{problem.code}", title=problem.title, status=problem.status,
        code=problem.code, detail=problem.detail, instance=request.url.path,
        errors=problem.errors,
    )
    return JSONResponse(body.model_dump(exclude_none=True), status_code=problem.status,
                        media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "body"


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(field=_field(tuple(e["loc"])), message=reason(e))
              for e in exc.errors()]
    detail = "；".join(f"{e.field}: {e.message}" for e in errors)
    return problem_response(request, ApiProblem(422, "invalid_request", "请求内容无效", detail,
                                                errors))


# The framework's refusals of a body it could not read, said in Chinese.
_BODY_REFUSALS = [
    (re.compile(r"There was an error parsing the body"),
     "请求体无法解析：应为 UTF-8 编码的 JSON，且嵌套不能过深"),
    (re.compile(r"Too many files\. Maximum number of files is (\d+)"), "文件过多（最多 {} 个）"),
    (re.compile(r"Too many fields\. Maximum number of fields is (\d+)"),
     "表单字段过多（最多 {} 个）"),
    (re.compile(r"(?:Field|Part) exceeded maximum size of (\d+)KB"), "表单字段过长（最多 {} KB）"),
    (re.compile(r"Missing boundary|Invalid multipart|Content-Disposition"), "表单格式无效"),
]


def _body_refusal(exc: StarletteHTTPException) -> str | None:
    """Chinese for the framework's body refusals (also shown on pages); None if not one."""
    for pattern, said in _BODY_REFUSALS:
        match = pattern.search(str(exc.detail))
        if match:
            exc.detail = said.format(*match.groups())
            return exc.detail
    return None


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _STATUS_TITLES.get(exc.status_code, ("error", "请求失败"))
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    errors = []
    if detail in (HTTPStatus(exc.status_code).phrase, title):
        detail = None
    elif exc.status_code == 413 or _body_refusal(exc):
        detail = str(exc.detail)
        errors = [FieldError(field="body", message=detail)]
    return problem_response(request, ApiProblem(exc.status_code, code, title, detail, errors),
                            headers=getattr(exc, "headers", None))


def _api_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return problem_response(request, exc)


def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    errors = [FieldError(field=p.field, message=p.message) for p in exc.problems]
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    return problem_response(request, ApiProblem(exc.status, exc.code, exc.title, exc.detail,
                                                errors), headers=headers)


def _stale(request: Request, exc: Exception) -> Response:
    return problem_response(request, ApiProblem(409, "stale_version", "与当前状态冲突",
                                                "数据已被他人更新，请刷新后重试"))


# SQLite errors that mean the database file cannot be used (not a mistake in a statement).
_SQLITE_DOWN = ("unable to open database", "disk i/o error", "readonly database",
                "file is not a database", "database disk image is malformed",
                "database or disk is full")
# PostgreSQL: no SQLSTATE (the connection failed or broke), connection exceptions (08),
# insufficient resources (53), operator intervention (57P01-57P03: shutdown, starting up),
# system errors (58).
_PG_DOWN = ("08", "53", "57P", "58")
# Waiting that ran out: locks, deadlocks, serialization failures, a statement timeout.
_PG_BUSY = ("40001", "40P01", "55P03", "57014")
RETRY_BUSY, RETRY_DOWN = 1, 10  # seconds, for Retry-After


def database_problem(exc: Exception) -> ApiProblem | None:
    """A database that is busy or cannot be reached, as a 503 to retry; None for any other
    error (a mistake of ours, answered 500 and logged with its traceback)."""
    if isinstance(exc, SATimeout):  # no free connection in the pool in time
        return _BUSY
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        text = str(orig).lower()
        if "locked" in text or "busy" in text:
            return _BUSY
        return _DOWN if any(s in text for s in _SQLITE_DOWN) else None
    state = getattr(orig, "sqlstate", "") or ""
    if state.startswith(_PG_BUSY):
        return _BUSY
    if exc.connection_invalidated or (type(orig).__module__.startswith("psycopg") and (
            not state or state.startswith(_PG_DOWN))):
        return _DOWN
    return None


_BUSY = ApiProblem(503, "busy", "系统繁忙", "请稍后重试（数据库繁忙）")
_DOWN = ApiProblem(503, "database_unavailable", "服务暂不可用",
                   "数据库暂时无法访问，请稍后重试；如问题持续，请联系管理员")


def retry_after(problem: ApiProblem) -> dict[str, str]:
    return {"Retry-After": str(RETRY_BUSY if problem is _BUSY else RETRY_DOWN)}


def _database(request: Request, exc: Exception) -> Response:
    """The database is busy or cannot be reached: ask the client to retry, never a 500."""
    problem = database_problem(exc)
    if problem is None:
        return _unexpected(request, exc)
    _log_database(request, exc, problem)
    return problem_response(request, problem, headers=retry_after(problem))


def _log_database(request: Request, exc: Exception, problem: ApiProblem) -> None:
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    log.warning("database %s on %s %s: %s", "busy" if problem is _BUSY else "unavailable",
                request.method, request.url.path, cause[0] if cause else type(exc).__name__)


def _unstorable(request: Request, exc: Exception) -> Response:
    """A value the database cannot store (PostgreSQL refuses NUL characters in text)."""
    return problem_response(request, ApiProblem(422, "invalid_characters", "输入包含无法保存的字符",
                                                "请删除输入中的控制字符（如 NUL）后重试"))


def _unexpected(request: Request, exc: Exception) -> Response:
    _log_unexpected(request, exc)
    return problem_response(request, ApiProblem(500, "internal_error", "服务器内部错误",
                                                "请稍后重试；如问题持续，请联系管理员"))


def _log_unexpected(request: Request, exc: Exception) -> None:
    """With the traceback of `exc` itself: a handler may run in another thread, outside the
    `except` that caught it, where `log.exception` would find no exception."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)


# Refusals any /api/v1 operation can give, whatever its route declares.
_ANY_OPERATION = {400: "请求无法解析（如 JSON 嵌套过深、表单字段过多）", 413: "请求内容过大",
                  422: "请求内容无效", 503: "系统繁忙或事项目录尚未加载，请稍后重试"}


def _refusals(operation: dict[str, Any]) -> dict[int, str]:
    """Refusals an operation can give: the ones of any operation, 401/403 when it needs a
    bearer token (its `security`), 404 when its path names a resource."""
    found = dict(_ANY_OPERATION)
    if operation.get("security"):
        found |= {401: "请先登录（Bearer 令牌）", 403: "无权操作"}
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        found[404] = "找不到请求的资源"
    return found


def _document_problems(app: FastAPI) -> None:
    """The published OpenAPI says what is sent: every 4xx/5xx as application/problem+json
    (ProblemOut), including the refusals the framework and the limits give on any route."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (FieldError, ProblemOut):
            components[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}")
            components[model.__name__].pop("$defs", None)
        problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values() if path.startswith("/api/") else ():
                responses = operation.setdefault("responses", {})
                for status, description in _refusals(operation).items():
                    responses.setdefault(str(status), {"description": description})
                for status, response in responses.items():
                    if status[0] in "45":
                        response["content"] = problem
                        if response.get("description") in ("Validation Error",
                                                            HTTPStatus(int(status)).phrase):
                            response["description"] = _STATUS_TITLES.get(
                                int(status), ("", "请求失败"))[1]
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI, html: Any = None) -> None:
    """Problem handlers for the API; `html(request, status, title, detail)` renders pages."""

    def wrap(handler: Any) -> Any:
        def choose(request: Request, exc: Exception) -> Response:
            if html is not None and not request.url.path.startswith("/api/"):
                if (unavailable := database_problem(exc)) is not None:
                    _log_database(request, exc, unavailable)
                    page: Response = html(request, 503, unavailable)
                    page.headers.update(retry_after(unavailable))
                    return page
                status = getattr(exc, "status", getattr(exc, "status_code", 500))
                if isinstance(exc, RequestValidationError | DataError):
                    status = 422
                if isinstance(exc, StarletteHTTPException):
                    _body_refusal(exc)
                if status >= 500:
                    _log_unexpected(request, exc)
                return html(request, status, exc)  # type: ignore[no-any-return]
            return handler(request, exc)  # type: ignore[no-any-return]

        return choose

    app.add_exception_handler(RequestValidationError, wrap(_validation))
    app.add_exception_handler(StarletteHTTPException, wrap(_http))
    app.add_exception_handler(ApiProblem, wrap(_api_problem))
    app.add_exception_handler(DomainError, wrap(_domain))
    app.add_exception_handler(StaleDataError, wrap(_stale))
    app.add_exception_handler(DBAPIError, wrap(_database))
    app.add_exception_handler(DataError, wrap(_unstorable))
    app.add_exception_handler(SATimeout, wrap(_database))  # no free connection in time
    app.add_exception_handler(Exception, wrap(_unexpected))
    _document_problems(app)
