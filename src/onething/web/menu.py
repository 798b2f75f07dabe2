"""The site's menu: the pages each role's menu lists, in order and in groups (`base.html`
draws it), and what else the frame of every page shows by role. Pure.

A person's daily page (their applications, the window's workbench, the department's inbox,
the hotline console, the supervisor's figures) is a link of its own in the bar; the rest
come in groups, each a `<details>` that opens without JavaScript. A group with a single
page for the role is drawn as that page's link."""

from __future__ import annotations

from dataclasses import dataclass

from onething.kernel.principal import Principal, Role

_PEOPLE = frozenset({Role.applicant, Role.proxy})  # who apply (for themselves or others)
_WATCH = frozenset({Role.supervisor, Role.admin})  # who watch a region (or all)

DIRECT = ""  # the group of a page linked in the bar itself

# (address, label, who sees it, group)
MENU: tuple[tuple[str, str, frozenset[Role], str], ...] = (
    ("/my/applications", "我的办件", _PEOPLE, DIRECT),
    ("/workbench", "工作台", frozenset({Role.clerk, *_WATCH}), DIRECT),
    ("/inbox", "部门待办", frozenset({Role.approver}), DIRECT),
    ("/hotline", "12345 受理", frozenset({Role.operator}), DIRECT),
    ("/dashboard", "监察统计", _WATCH, DIRECT),
    ("/wallet", "证照夹", _PEOPLE, "办事"),
    ("/consents", "代办授权", frozenset({*_PEOPLE, Role.clerk}), "办事"),
    ("/help", "帮代办", _PEOPLE, "办事"),
    ("/stuck", "办不成事", _PEOPLE, "办事"),
    ("/help-requests", "帮代办·办不成事", frozenset({Role.clerk, *_WATCH}), "办事"),
    ("/checks", "承诺核查", frozenset({Role.approver, *_WATCH}), "办事"),
    ("/rectifications", "差评整改", frozenset({Role.clerk, Role.approver, *_WATCH}), "办事"),
    ("/policy-payouts", "政策兑现", frozenset({Role.approver, Role.admin}), "办事"),
    ("/profile", "我的档案", _PEOPLE, "档案与信用"),
    ("/companies", "企业档案", frozenset({*_PEOPLE, Role.clerk, Role.approver, *_WATCH}),
     "档案与信用"),
    ("/people", "办事人档案", frozenset({Role.clerk, Role.approver, *_WATCH}), "档案与信用"),
    ("/credit", "信用", frozenset({Role.applicant, Role.clerk, Role.approver, *_WATCH}),
     "档案与信用"),
    ("/policies", "政策计算器", _PEOPLE, "政策"),
    ("/my/policies", "我的政策待遇", _PEOPLE, "政策"),
    ("/cards", "红黄牌", frozenset({Role.approver, *_WATCH}), "监管"),
    ("/inspections", "双随机抽查", frozenset({Role.approver, *_WATCH}), "监管"),
    ("/hotline/figures", "热线统计", frozenset({Role.operator, *_WATCH}), "12345"),
    ("/tickets", "12345 工单", frozenset({Role.operator, Role.approver, *_WATCH}), "12345"),
    ("/hotline/new", "12345 诉求", _PEOPLE, "12345"),
    ("/knowledge", "知识库", frozenset({Role.approver, *_WATCH}), "12345"),
    ("/faq", "常见问题", frozenset({*_PEOPLE, Role.clerk}), "12345"),
    ("/market", "中介服务超市", frozenset({Role.applicant, Role.approver, *_WATCH}), "中介超市"),
    ("/market/join", "中介入驻", frozenset({Role.applicant}), "中介超市"),
    ("/market/reviews", "中介审核", frozenset({Role.admin}), "中介超市"),
    ("/library", "文件库", frozenset(Role) - {Role.system}, "政务公开"),
    ("/disclosure", "依申请公开",
     frozenset({Role.applicant, Role.clerk, Role.approver, *_WATCH}), "政务公开"),
    ("/admin", "管理首页", frozenset({Role.admin}), "系统管理"),
    ("/admin/staff", "工作人员名录", frozenset({Role.admin}), "系统管理"),
    ("/admin/catalog", "事项目录发布", frozenset({Role.admin}), "系统管理"),
    ("/admin/calendar", "工作日历", frozenset({Role.admin}), "系统管理"),
    ("/admin/settings", "系统设置", frozenset({Role.admin}), "系统管理"),
)


@dataclass(frozen=True)
class Entry:
    """One thing in the bar: a link (`path`), or a group of links (`links`) under `label`."""

    label: str
    path: str | None = None
    links: tuple[tuple[str, str], ...] = ()


def menu(me: Principal | None) -> list[Entry]:
    """What the signed-in person's bar shows: their daily pages, then the groups in the
    order of their first page, a group of one page drawn as its link."""
    if me is None:
        return []
    seen = [(path, label, group) for path, label, roles, group in MENU if me.role in roles]
    entries = [Entry(label, path) for path, label, group in seen if group == DIRECT]
    groups: dict[str, list[tuple[str, str]]] = {}
    for path, label, group in seen:
        if group != DIRECT:
            groups.setdefault(group, []).append((path, label))
    for group, links in groups.items():
        entries.append(Entry(links[0][1], links[0][0]) if len(links) == 1
                       else Entry(group, links=tuple(links)))
    return entries


def shows_catalog_version(me: Principal | None) -> bool:
    """The footer names the catalog's version to whoever administers it."""
    return me is not None and me.role == Role.admin
