"""The Open311 GeoReport v2 door at /open311/v2/ (outside /api/v1 and its OpenAPI
document), with its Service Discovery at /open311/discovery: services, service
definitions, POST and GET requests, tokens; every answer in
the format the path ends with (`.json` or `.xml`), every refusal the spec's error list
`[{code, description}]` with HTTP 400, 403 or 404 (never problem+json)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from onething.catalog.context import Ctx
from onething.catalog.service import NoCatalog
from onething.hotline import reference as hotline_data
from onething.http.deps import SessionDep, public_base, request_ctx
from onething.kernel.errors import DomainError, Forbidden, Invalid, NotFound, Unauthenticated
from onething.kernel.principal import SYSTEM
from onething.open311 import reference as open311_data
from onething.open311 import rules
from onething.open311 import service as open311

PREFIX = "/open311/v2"
router = APIRouter(prefix=PREFIX, tags=["open311"], include_in_schema=False)
discovery_router = APIRouter(prefix="/open311", tags=["open311"], include_in_schema=False)

Body = Sequence[Mapping[str, Any]] | Mapping[str, Any]


def _json(data: Any) -> bytes:
    import json

    return json.dumps(data, ensure_ascii=False).encode()


def answer(fmt: str, root: str, body: Body, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(rules.xml(root, body), status, media_type=rules.XML_TYPE)
    return Response(_json(body), status, media_type=rules.JSON_TYPE)


def errors(fmt: str, status: int, found: list[dict[str, Any]]) -> Response:
    return answer(fmt if fmt in rules.FORMATS else "json", "errors", found, status)


def refusal(fmt: str, exc: DomainError) -> Response:
    """A domain refusal as the spec's errors: 403 for the key, 404 for what does not exist,
    400 for the rest, one error per field named."""
    status = 403 if isinstance(exc, Forbidden | Unauthenticated) else (
        404 if isinstance(exc, NotFound) else 400)
    if isinstance(exc, Invalid) and exc.problems:
        found = [rules.error(status, f"{p.field}：{p.message}") for p in exc.problems]
    else:
        found = [rules.error(status, exc.detail)]
    return errors(fmt, status, found)


def _ctx(request: Request, session: Any) -> Ctx:
    state = request.app.state
    catalog = state.catalogs.recent(state.sessions, state.settings.catalog_refresh_seconds)
    return request_ctx(request, session, catalog, SYSTEM)


def door(fmt: str, request: Request, session: Any, act: Callable[[Ctx], Response],
         form: Mapping[str, list[str]] | None = None) -> Response:
    """Checks the format and the jurisdiction (in the query, or in a POST's form), then
    answers `act`, or its refusal."""
    if fmt not in rules.FORMATS:
        return errors("json", 404, [rules.error(404, f"不支持的格式 {fmt}：请用 .json 或 .xml")])
    jurisdiction = ((form or {}).get("jurisdiction_id") or [""])[0] or \
        request.query_params.get("jurisdiction_id")
    if jurisdiction and jurisdiction != hotline_data.in_force().province:
        return errors(fmt, 404, [rules.error(404, f"jurisdiction_id：没有辖区 {jurisdiction}")])
    try:
        return act(_ctx(request, session))
    except NoCatalog:
        return errors(fmt, 503, [rules.error(503, "事项目录尚未加载，请稍后再试")])
    except DomainError as exc:
        return refusal(fmt, exc)


async def form_of(request: Request) -> dict[str, list[str]]:
    """A POST's form fields (application/x-www-form-urlencoded), each with all its values."""
    try:
        form: FormData = await request.form()
    except Exception:  # a body that is no form: treated as an empty one
        return {}
    found: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            found.setdefault(key, []).append(value)
    return found


FormDep = Annotated[dict[str, list[str]], Depends(form_of)]


@router.get("/services.{fmt}")
def service_list(fmt: str, request: Request, session: SessionDep) -> Response:
    return door(fmt, request, session, lambda ctx: answer(
        fmt, "services", [rules.service_entry(s) for s in open311.offered(ctx).values()]))


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, request: Request,
                       session: SessionDep) -> Response:
    return door(fmt, request, session, lambda ctx: answer(
        fmt, "service_definition", rules.definition(open311.service(ctx, service_code))))


@router.post("/requests.{fmt}")
def create_request(fmt: str, request: Request, session: SessionDep,
                   form: FormDep) -> Response:
    def act(ctx: Ctx) -> Response:
        api_key = (form.get("api_key") or [""])[0] or request.query_params.get("api_key")
        with ctx.work():
            created = open311.submit(ctx, api_key, form)
        return answer(fmt, "service_requests", [{
            "service_request_id": created.ticket.number, "service_notice": created.notice,
            "account_id": created.account_id}])

    return door(fmt, request, session, act, form)


@router.get("/requests.{fmt}")
def request_list(fmt: str, request: Request, session: SessionDep) -> Response:
    q = request.query_params

    def act(ctx: Ctx) -> Response:
        found = open311.find(ctx, ids=q.get("service_request_id"), codes=q.get("service_code"),
                             start=q.get("start_date"), end=q.get("end_date"),
                             status=q.get("status"), page=q.get("page"),
                             page_size=q.get("page_size"))
        return answer(fmt, "service_requests", [rules.record(v) for v in found])

    return door(fmt, request, session, act)


@router.get("/requests/{service_request_id}.{fmt}")
def one_request(service_request_id: str, fmt: str, request: Request,
                session: SessionDep) -> Response:
    return door(fmt, request, session, lambda ctx: answer(
        fmt, "service_requests", [rules.record(open311.one(ctx, service_request_id))]))


@router.get("/tokens/{token}.{fmt}")
def token(token: str, fmt: str, request: Request, session: SessionDep) -> Response:
    """Ids are given at once (never deferred), so a token is the request's own id."""
    def act(ctx: Ctx) -> Response:
        view = open311.one(ctx, token)
        return answer(fmt, "service_requests", [{"service_request_id": view.number,
                                                 "token": token}])

    return door(fmt, request, session, act)


@discovery_router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request) -> Response:
    """Service Discovery (required of a GeoReport v2 door): at /open311/discovery, where
    the v2 endpoint is and what it speaks; no key, no jurisdiction."""
    if fmt not in rules.FORMATS:
        return errors("json", 404, [rules.error(404, f"不支持的格式 {fmt}：请用 .json 或 .xml")])
    settings = request.app.state.settings
    return answer(fmt, "discovery", rules.discovery(
        public_base(request) + PREFIX, open311_data.changed_at(), settings.open311_contact,
        settings.open311_key_service))


@router.api_route("/{rest:path}", methods=["GET", "POST"])
def nothing(rest: str) -> Response:
    """Anything else under the door: the spec's 404, in the format asked for if any."""
    fmt = rest.rsplit(".", 1)[-1] if "." in rest else "json"
    return errors(fmt, 404, [rules.error(404, f"没有这个 Open311 资源：{PREFIX}/{rest}")])
