"""The site's menu: the pages each role's menu lists, in order (`base.html` draws it), and
what else the frame of every page shows by role. Pure."""

from __future__ import annotations

from onething.kernel.principal import Principal, Role

_PEOPLE = frozenset({Role.applicant, Role.proxy})  # who apply (for themselves or others)
_WATCH = frozenset({Role.supervisor, Role.admin})  # who watch a region (or all)

MENU: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("/my/applications", "我的办件", _PEOPLE),
    ("/wallet", "证照夹", _PEOPLE),
    ("/profile", "我的档案", _PEOPLE),
    ("/policies", "政策计算器", _PEOPLE),
    ("/my/policies", "我的政策待遇", _PEOPLE),
    ("/credit", "信用", frozenset({Role.applicant, Role.clerk, Role.approver, *_WATCH})),
    ("/workbench", "工作台", frozenset({Role.clerk, *_WATCH})),
    ("/consents", "代办授权", frozenset({*_PEOPLE, Role.clerk})),
    ("/help", "帮代办", _PEOPLE),
    ("/stuck", "办不成事", _PEOPLE),
    ("/help-requests", "帮代办·办不成事", frozenset({Role.clerk, *_WATCH})),
    ("/inbox", "部门待办", frozenset({Role.approver})),
    ("/checks", "承诺核查", frozenset({Role.approver, *_WATCH})),
    ("/rectifications", "差评整改", frozenset({Role.clerk, Role.approver, *_WATCH})),
    ("/cards", "红黄牌", frozenset({Role.approver, *_WATCH})),
    ("/dashboard", "监察统计", _WATCH),
    ("/hotline/figures", "热线统计", frozenset({Role.operator, *_WATCH})),
    ("/companies", "企业档案", frozenset({*_PEOPLE, Role.clerk, Role.approver, *_WATCH})),
    ("/people", "办事人档案", frozenset({Role.clerk, Role.approver, *_WATCH})),
    ("/policy-payouts", "政策兑现", frozenset({Role.approver, Role.admin})),
    ("/inspections", "双随机抽查", frozenset({Role.approver, *_WATCH})),
    ("/knowledge", "知识库", frozenset({Role.approver, *_WATCH})),
    ("/faq", "常见问题", frozenset({*_PEOPLE, Role.clerk})),
    ("/hotline", "12345 受理", frozenset({Role.operator})),
    ("/tickets", "12345 工单", frozenset({Role.operator, Role.approver, *_WATCH})),
    ("/hotline/new", "12345 诉求", _PEOPLE),
    ("/market", "中介服务超市", frozenset({Role.applicant, Role.approver, *_WATCH})),
    ("/market/join", "中介入驻", frozenset({Role.applicant})),
    ("/market/reviews", "中介审核", frozenset({Role.admin})),
    ("/disclosure", "政府信息公开", frozenset({Role.applicant, Role.clerk, Role.approver,
                                          *_WATCH})),
)


def menu(me: Principal | None) -> list[tuple[str, str]]:
    """(address, label) of the pages the signed-in person's menu lists."""
    if me is None:
        return []
    return [(path, label) for path, label, roles in MENU if me.role in roles]


def shows_catalog_version(me: Principal | None) -> bool:
    """The footer names the catalog's version to whoever administers it."""
    return me is not None and me.role == Role.admin
