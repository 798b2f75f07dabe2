"""The bar of every page: each role's daily page is a link of its own, the rest come in
groups that open without JavaScript, and no role's bar is longer than a line of groups."""

from __future__ import annotations

import pytest

from onething.kernel.principal import Principal, Role
from onething.web.menu import MENU, menu

DAILY = {Role.applicant: "/my/applications", Role.proxy: "/my/applications",
         Role.clerk: "/workbench", Role.approver: "/inbox", Role.operator: "/hotline",
         Role.supervisor: "/dashboard", Role.admin: "/dashboard"}


@pytest.mark.parametrize("role", list(DAILY))
def test_each_role_sees_its_daily_page_first_and_the_rest_in_groups(role: Role) -> None:
    bar = menu(Principal(1, "u", "某人", role))
    assert bar[0].path == DAILY[role] or DAILY[role] in [e.path for e in bar[:2]]
    assert len(bar) <= 9  # one line on a desktop (an administrator's: the ninth)
    listed = [e.path for e in bar if e.path] + [p for e in bar for p, _ in e.links]
    assert sorted(listed) == sorted(p for p, _, roles, _ in MENU if role in roles)
    assert all(len(e.links) != 1 for e in bar)  # a group of one is its link


def test_nobody_signed_in_has_no_menu() -> None:
    assert menu(None) == []
