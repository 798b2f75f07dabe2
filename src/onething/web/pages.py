"""Pages for people: server-rendered, Simplified Chinese, no JavaScript needed.

Routes only gather input and render; the catalog search and the guide are the
same functions the API calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from onething.cases.actions import WINDOW_DECISIONS
from onething.cases.states import APP_STATUS_NAMES, TASK_STATUS_NAMES
from onething.catalog import browse
from onething.catalog.linked import Bundle, Catalog
from onething.catalog.spec import LEVEL_NAMES, Level
from onething.credit import service as credit
from onething.guide.engine import Guide, GuideError, MaterialStatus, compute_guide
from onething.guide.forms import answers_from_form, form_values
from onething.http.deps import CatalogDep
from onething.kernel.clock import CHINA
from onething.kernel.principal import ROLE_NAMES, Principal
from onething.web.menu import menu, shows_catalog_version
from onething.web.session import SeeOther, set_cookie, signed_in
from onething.web.words import CHECK_BADGES, FILTERS, field_hints, form_value

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")
router = APIRouter(include_in_schema=False)

AUDIENCES = {"person": "个人办事", "company": "法人办事"}
STATUS_LABELS = {
    MaterialStatus.submit: "需提交",
    MaterialStatus.licence: "已持有电子证照",
    MaterialStatus.produced: "前序事项自动生成",
    MaterialStatus.commitment: "可告知承诺代替",
}
FIELD_TYPES = {
    "text": "文字", "textarea": "多行文字", "number": "数字", "integer": "整数", "date": "日期",
    "bool": "是/否", "choice": "选择", "id_number": "身份证号", "uscc": "统一社会信用代码",
    "phone": "电话号码", "email": "电子邮箱", "region": "行政区划",
}


CHANNEL_NAMES = {"web": "网上办理", "mobile": "移动端", "window": "窗口办理", "kiosk": "自助终端",
                 "api": "接口提交"}
DELIVERY_NAMES = {"window": "窗口领取", "post": "邮寄", "electronic": "电子送达"}


def percent_saved(before: int, after: int) -> int:
    return round(100 * (before - after) / before) if before > 0 else 0


templates.env.globals.update(
    AUDIENCES=AUDIENCES, STATUS_LABELS=STATUS_LABELS, FIELD_TYPES=FIELD_TYPES,
    LEVEL_NAMES={level.value: name for level, name in LEVEL_NAMES.items()},
)
templates.env.filters.update(FILTERS)
templates.env.globals["percent_saved"] = percent_saved
templates.env.globals.update(CHINA=CHINA, ROLE_NAMES=ROLE_NAMES,
                             APP_STATUS_NAMES=APP_STATUS_NAMES,
                             TASK_STATUS_NAMES=TASK_STATUS_NAMES,
                             CHANNEL_NAMES=CHANNEL_NAMES, DELIVERY_NAMES=DELIVERY_NAMES,
                             WINDOW_DECISIONS=WINDOW_DECISIONS, CHECK_BADGES=CHECK_BADGES,
                             form_value=form_value, menu=menu,
                             shows_catalog_version=shows_catalog_version,
                             field_hints=field_hints)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("large_text", request.cookies.get("large_text") == "1")
    context.setdefault("me", None)  # nobody signed in (an error page): the menu lists nothing
    return templates.TemplateResponse(request, template, context, status_code=status)


def render_public(request: Request, template: str, status: int = 200,
                  **context: Any) -> HTMLResponse:
    """A page anyone may see; shows who is signed in, if anyone."""
    user, _ = signed_in(request)
    return render(request, template, status, me=user.principal if user else None,
                  csrf=user.csrf if user else "", **context)


@router.get("/", response_class=HTMLResponse)
@router.get("/bundles", response_class=HTMLResponse)
def bundle_list(request: Request, catalog: CatalogDep,
                q: Annotated[str | None, Query(max_length=100)] = None,
                audience: Annotated[str | None, Query(max_length=16)] = None) -> HTMLResponse:
    chosen = audience if audience in AUDIENCES else None
    found = browse.search_bundles(catalog, q, chosen)
    return render_public(request, "bundles.html", bundles=found, q=q or "",
                         audience=chosen, catalog=catalog)


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


@router.get("/items/{code}", response_class=HTMLResponse)
def item_page(request: Request, code: str, catalog: CatalogDep) -> HTMLResponse:
    item = catalog.items.get(code)
    if item is None:
        raise HTTPException(404, f"没有代码为 {code} 的事项")
    return render_public(request, "item.html", item=item,
                         bundles=browse.bundles_using(catalog, code),
                         level_name=LEVEL_NAMES[Level(item.level)], fields=catalog.fields)


@router.get("/prefs/large-text")
def large_text(request: Request, on: int = 1,
               next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    """适老化: switch the large-text mode on or off (a cookie), then go back."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, "large_text", "1" if on else "0", max_age=365 * 86400)
    return response


_ERROR_TITLES = {404: "找不到页面", 405: "不支持该操作", 422: "请求有误", 503: "服务暂不可用"}
_ERROR_DETAILS = {404: "您访问的页面不存在，可能已调整或下线。",
                  405: "请从页面上的按钮或链接进入。"}


def error_page(request: Request, status: int, exc: Exception) -> HTMLResponse:
    """The page for a refused or failed request; English defaults never reach people."""
    title = _ERROR_TITLES.get(status, "请求有误" if status < 500 else "系统繁忙")
    detail = getattr(exc, "detail", None)
    generic = not isinstance(detail, str) or detail == HTTPStatus(status).phrase
    if generic or (status >= 500 and status != 503):
        detail = _ERROR_DETAILS.get(status, "请稍后重试；如问题持续，请联系政务服务中心。")
    if status < 500:  # a refusal: the page still shows who is signed in
        try:
            return render_public(request, "error.html", status=status, title=title,
                                 detail=detail)
        except Exception:  # whatever went wrong, the refusal is still shown
            pass
    return render(request, "error.html", status=status, title=title, detail=detail)


def mount(app: FastAPI) -> None:
    """The static files, these pages, and the redirects of a page not for its caller."""
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(router)

    @app.exception_handler(SeeOther)
    def see_other(request: Request, exc: SeeOther) -> Response:
        return exc.answer(request)
