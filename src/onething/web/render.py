"""How every page is drawn: the templates and what they all may use, `render` (and
`render_public` for a page anyone may see), the error page, and `mount`: the static files,
the large-text switch and the redirect of a page not for its caller.

Each domain's pages live in `web/<domain>.py` (a `router` of their own) and render with
these; none imports another's page module.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from onething.cases.actions import WINDOW_DECISIONS
from onething.cases.routing import CROSS_REGION_NAMES
from onething.cases.states import APP_STATUS_NAMES, TASK_STATUS_NAMES
from onething.catalog.spec import LEVEL_NAMES
from onething.guide.engine import MaterialStatus
from onething.kernel.clock import CHINA
from onething.kernel.principal import ROLE_NAMES
from onething.web.menu import menu, shows_catalog_version
from onething.web.session import SeeOther, set_cookie, signed_in
from onething.web.words import CHECK_BADGES, FILTERS, auto_facts, field_hints, form_value

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")

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
                 "api": "接口提交", "partner": "外省（市）平台转来（跨省通办）"}
DELIVERY_NAMES = {"window": "窗口领取", "post": "邮寄", "electronic": "电子送达"}


def percent_saved(before: int, after: int) -> int:
    return round(100 * (before - after) / before) if before > 0 else 0


templates.env.filters.update(FILTERS)
templates.env.globals.update(
    AUDIENCES=AUDIENCES, STATUS_LABELS=STATUS_LABELS, FIELD_TYPES=FIELD_TYPES,
    LEVEL_NAMES={level.value: name for level, name in LEVEL_NAMES.items()},
    percent_saved=percent_saved, CHINA=CHINA, ROLE_NAMES=ROLE_NAMES,
    APP_STATUS_NAMES=APP_STATUS_NAMES, TASK_STATUS_NAMES=TASK_STATUS_NAMES,
    CHANNEL_NAMES=CHANNEL_NAMES, DELIVERY_NAMES=DELIVERY_NAMES,
    WINDOW_DECISIONS=WINDOW_DECISIONS, CHECK_BADGES=CHECK_BADGES, form_value=form_value,
    auto_facts=auto_facts,
    CROSS_REGION_NAMES=CROSS_REGION_NAMES,
    menu=menu, shows_catalog_version=shows_catalog_version, field_hints=field_hints)


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



def large_text(request: Request, on: int = 1,
               next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    """适老化: switch the large-text mode on or off (a cookie), then go back."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, "large_text", "1" if on else "0", max_age=365 * 86400)
    return response


def mount(app: FastAPI) -> None:
    """The static files, the large-text switch, and the redirects of a page not for its
    caller (`SeeOther`)."""
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.add_api_route("/prefs/large-text", large_text, methods=["GET"],
                      include_in_schema=False)

    @app.exception_handler(SeeOther)
    def see_other(request: Request, exc: SeeOther) -> Response:
        return exc.answer(request)
