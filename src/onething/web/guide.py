"""The guide's pages, open to anyone: a bundle's questions, and the guide its answers give
(the items, materials and the time saved), with what a signed-in applicant already holds.

The same `compute_guide` the API calls; the guide's body is kept for the answers people
give most, the page around it (who is signed in) drawn per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from onething.catalog.linked import Bundle, Catalog
from onething.credit import service as credit
from onething.guide.engine import Guide, GuideError, MaterialStatus, compute_guide
from onething.guide.forms import answers_from_form, form_values
from onething.http.deps import CatalogDep
from onething.kernel.clock import CHINA
from onething.kernel.principal import Principal
from onething.web.render import render, render_public, templates
from onething.web.session import signed_in

router = APIRouter(include_in_schema=False)


def _bundle(catalog: Catalog, code: str) -> Bundle:
    bundle = catalog.bundles.get(code)
    if bundle is None:
        raise HTTPException(404, f"没有代码为 {code} 的一件事")
    return bundle


def _questions_page(request: Request, catalog: Catalog, bundle: Bundle,
                    answers: dict[str, Any], errors: dict[str, str]) -> HTMLResponse:
    return render_public(request, "bundle.html", status=422 if errors else 200, bundle=bundle,
                         values=form_values(bundle, answers), errors=errors, catalog=catalog)


@router.get("/bundles/{code}", response_class=HTMLResponse)
def bundle_page(request: Request, code: str, catalog: CatalogDep) -> HTMLResponse:
    bundle = _bundle(catalog, code)
    answers = answers_from_form(bundle, request.query_params)
    return _questions_page(request, catalog, bundle, answers, {})


@router.get("/bundles/{code}/guide", response_class=HTMLResponse)
def guide_page(request: Request, code: str, catalog: CatalogDep) -> HTMLResponse:
    bundle = _bundle(catalog, code)
    answers = answers_from_form(bundle, request.query_params)
    user, held = signed_in(request)
    barred = _barred(request, user.principal) if user else None
    licences = [v for v in request.query_params.getlist("licence") if v][:50]
    try:
        guide, body = _guide_and_body(_GuideKey(
            catalog.version, code, repr(sorted(answers.items())),
            frozenset(held | set(licences)), barred is None, catalog, answers))
    except GuideError as exc:
        errors = {p.question: p.message for p in exc.problems} or {"": str(exc)}
        return _questions_page(request, catalog, bundle, answers, errors)
    return render(request, "guide.html", guide=guide, body=body, barred=barred,
                  me=user.principal if user else None, csrf=user.csrf if user else "")


def _barred(request: Request, who: Principal) -> str | None:
    """Why a signed-in applicant is not offered 告知承诺 or 容缺 (bad credit), if so."""
    with request.app.state.sessions() as session:
        today = request.app.state.clock().astimezone(CHINA).date()
        return credit.barred(session, who, today)


@dataclass(frozen=True)
class _GuideKey:
    """What a guide page's body depends on (no one's identity: only licence types)."""

    version: str
    code: str
    answers_key: str  # the typed answers, sorted, as text
    licences: frozenset[str]
    commitments: bool  # 告知承诺 and 容缺 offered (not to an applicant with bad credit)
    catalog: Catalog = field(compare=False, hash=False)
    answers: dict[str, Any] = field(compare=False, hash=False)


@lru_cache(maxsize=256)  # ≈25 KB each
def _guide_and_body(key: _GuideKey) -> tuple[Guide, Markup]:
    """The guide and its rendered body, kept for the answers people give most (the page
    around it, with who is signed in, is rendered per request)."""
    catalog, bundle = key.catalog, key.catalog.bundles[key.code]
    guide = compute_guide(catalog, key.code, dict(key.answers), set(key.licences),
                          commitments=key.commitments)
    query = urlencode(_query(form_values(bundle, guide.answers)), doseq=True)
    body = templates.env.get_template("guide_body.html").render(
        guide=guide, bundle=bundle, questions={q.code: q for q in bundle.questions},
        change_link=f"/bundles/{key.code}?{query}",
        apply_link=f"/bundles/{key.code}/apply?{query}", Status=MaterialStatus,
        deferral=key.commitments)
    return guide, Markup(body)


def _query(values: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((key, v))
        if isinstance(value, list):
            pairs.append((f"{key}__present", "1"))
    return pairs

