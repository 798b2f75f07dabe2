"""跨省通办 through HTTP: a window forwards an application; partners post signed packages
(no login: the signature authenticates the partner). Thin: the rules are exchange's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from sqlalchemy.exc import IntegrityError

from onething.api.cases import _out
from onething.cases.schemas import ApplicationOut
from onething.exchange import service as exchange
from onething.exchange.schemas import ForwardingIn
from onething.http.deps import CatalogDep, CtxDep, SessionDep, request_ctx
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.kernel.principal import SYSTEM

router = APIRouter(prefix="/api/v1", tags=["exchange"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})


@router.post("/applications/{application_id}/forwarding", response_model=ApplicationOut,
             summary="转外省（市）办理（跨省通办：签名打包，提交后由后台发送给合作平台）")
def forwarding(application_id: Id, body: ForwardingIn, request: Request,
               ctx: CtxDep) -> ApplicationOut:
    with ctx.work():
        exchange.forward(ctx, request.app.state.settings.data_dir, application_id,
                         partner=body.partner, reason=body.reason, region=body.region)
    return _out(ctx, application_id)


PackageBody = Annotated[Any, Body(description="onething-exchange/1 交换包，见 docs/EXCHANGE.md")]


@router.post("/exchange/packages",
             summary="接收合作平台的交换包（以签名认证，无需登录），返回签名回执",
             responses={200: {"description": "本平台签名的回执（同一个包再次发送时返回同一回执）"}})
def packages(request: Request, session: SessionDep, catalog: CatalogDep,
             package: PackageBody) -> dict[str, Any]:
    ctx = request_ctx(request, session, catalog, SYSTEM)
    root = request.app.state.settings.data_dir
    try:
        with ctx.work():
            return exchange.receive(ctx, root, package)
    except IntegrityError:  # the same package at the same moment: answer the first receipt
        with ctx.work():
            found = exchange.earlier_receipt(ctx.session, package)
        if found is None:
            raise
        return found
