"""跨省通办 on the case page: the window's form 转外省（市）办理 (thin: the rules are the
exchange's)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from onething.exchange import service as exchange
from onething.web.cases import act
from onething.web.deps import FormPageDep

router = APIRouter(include_in_schema=False)


@router.post("/applications/{application_id:id}/forwarding")
def forwarding(application_id: int, page: FormPageDep) -> Response:
    root = page.request.app.state.settings.data_dir
    return act(page, application_id,
               lambda ctx: exchange.forward(ctx, root, application_id,
                                            partner=page.text("partner") or "",
                                            reason=page.text("reason") or ""),
               which="forward")
