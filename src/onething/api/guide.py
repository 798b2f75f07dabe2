"""POST /api/v1/bundles/{code}/guide."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from onething.api.catalog import bundle_not_found
from onething.commitments.notice import notices_for
from onething.guide.engine import GuideError, MaterialStatus, compute_guide
from onething.guide.schemas import GuideOut, GuideRequest
from onething.http.deps import CatalogDep, GuideCallerDep
from onething.http.problems import ApiProblem, FieldError, ProblemOut

router = APIRouter(prefix="/api/v1", tags=["guide"])


def guide_problem(exc: GuideError, code: str) -> ApiProblem:
    """The API's answer to bad guide input; each bad answer is named as `answers.<question>`."""
    if exc.code == "unknown_bundle":
        return bundle_not_found(code)
    errors = [FieldError(field=f"answers.{p.question}", message=p.message) for p in exc.problems]
    title = "情形回答有误" if exc.code == "invalid_answers" else "无法计算办事指南"
    return ApiProblem(422, exc.code, title, str(exc), errors)


@router.post("/bundles/{code}/guide", response_model=GuideOut, summary="计算办事指南（智能导办）",
             responses={404: {"model": ProblemOut}, 422: {"model": ProblemOut}})
def guide(code: str, body: GuideRequest, catalog: CatalogDep,
          caller: GuideCallerDep) -> Response:
    """Anyone may ask; with a bearer token, the caller's own licences count as held, and a
    caller with a current bad-credit record is not offered 告知承诺 or 容缺 (`bad_credit`
    says why)."""
    try:
        result = compute_guide(catalog, code, body.answers, caller.held | set(body.licences),
                               commitments=caller.barred is None)
    except GuideError as exc:
        raise guide_problem(exc, code) from exc
    data = result.as_dict()
    for material, entry in zip(result.materials, data["materials"], strict=True):
        if material.status == MaterialStatus.commitment:  # the notice, read before choosing
            entry["commitment_notices"] = [n.as_dict() for n in notices_for(
                catalog.items, material.material, material.items)]
    return Response(orjson.dumps({**data, "bad_credit": caller.barred}),
                    media_type="application/json")
