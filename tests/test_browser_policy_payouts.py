"""政策兑现 in headless Chromium, against `onething serve` with the demo catalog and its people:
zhangsan's shop, matched for 稳岗返还 from loaded 社保 and 用工 data, confirms its account on
我的政策待遇 and goes into 公示; 芙蓉区民政局 approves a 高龄津贴 found in loaded 户籍 data and
pays it in a batch. Screenshots of every page of payouts at desktop and phone width. The
months are today's (the served process runs on the real clock)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onething.catalog.linked import Catalog
from onething.kernel.clock import CHINA
from served import Served
from test_browser import _as, _shots, launch_chromium
from test_browser_profiles import _look, _open_shop

pytestmark = pytest.mark.browser

ELDERS = ("430102193001010019", "430102192801010012")  # 王五 and 赵六, aged 90 and more


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch_chromium()


def _month(today: dt.date, back: int) -> str:
    index = today.year * 12 + today.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _data(served: Served, tmp: Path, uscc: str) -> None:
    """社保 for the 12 months before this one and all of last year, 用工, and an elder's 户籍;
    then the day's matching run."""
    today = dt.datetime.now(CHINA).date()
    months = sorted({_month(today, back) for back in range(1, 13)}
                    | {f"{today.year - 1}-{m:02d}" for m in range(1, 13)})
    shebao = tmp / "shebao.jsonl"
    shebao.write_text("\n".join(json.dumps({"uscc": uscc, "month": m, "paid": 1000,
                                            "insured": 18}) for m in months), encoding="utf-8")
    staff = tmp / "staff.csv"
    staff.write_text(f"uscc,staff_at_start,laid_off\n{uscc},20,2\n", encoding="utf-8")
    huji = tmp / "huji.csv"
    huji.write_text("id_number,name,birth_date,household_region\n"
                    f"{ELDERS[0]},王五,1930-01-01,430102\n{ELDERS[1]},赵六,1928-01-01,430102\n",
                    encoding="utf-8")
    for source, path in (("SHEBAO", shebao), ("STAFF", staff), ("HUJI", huji)):
        served.cli("data", "load", source, str(path), check=True)
    for policy in ("JOB_RETENTION_REFUND", "ELDERLY_ALLOWANCE"):
        served.cli("policies", "match", policy, check=True)


def test_a_holder_confirms_and_the_department_approves_and_pays(
        browser: object, demo: Catalog, demo_dir: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    served = Served(tmp_path_factory.mktemp("payouts"), catalog=demo_dir)
    served.cli("catalog", "load", str(demo_dir), check=True, timeout=300)
    shots = _shots(tmp_path_factory.mktemp("shots"))
    with served:
        server = served.url
        _data(served, served.data, _open_shop(server, demo))
        page: Any = _as(browser, server, "zhangsan")
        page.goto(f"{server}/my/policies")
        assert "失业保险稳岗返还" in page.inner_text("main")
        for width, suffix in ((1280, "desktop"), (390, "phone")):  # the confirmation form
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(shots / f"policy-confirm-{suffix}.png"), full_page=True)
        page.fill("[name=account_name]", "芙蓉区张三百货便利店")
        page.fill("[name=account_bank]", "中国工商银行长沙芙蓉支行")
        page.fill("[name=account_number]", "1901000000001234567")
        page.click("form.confirm button[type=submit]")
        mine = _look(browser, server, "zhangsan", "/my/policies", shots, "policy-mine")
        assert "公示中" in mine and "**** 4567" in mine and "1901000000001234567" not in mine
        shown = _look(browser, server, "lisi", "/policy-publicity", shots, "policy-publicity")
        assert "芙蓉区张三百货便利店" in shown and "7200.00" in shown
        _look(browser, server, "zhangsan", "/policies", shots, "policy-calculator")
        rs = _look(browser, server, "rs_430102", "/policy-payouts", shots, "policy-payouts-rs")
        assert "公示期至" in rs  # not to be approved before 公示 ends

        staff: Any = _as(browser, server, "mz_430102")
        staff.goto(f"{server}/policy-payouts")
        assert "王*" in staff.inner_text("#matches")
        staff.click("#matches form.inline:not([action$=approve-ready]) button")
        assert "已审核，待发放" in staff.inner_text("#matches")
        staff.click("form[action$='/batch'] button")
        batches = staff.inner_text("#batches")
        assert "50.00" in batches and "下载 CSV" in batches
        _look(browser, server, "mz_430102", "/policy-payouts", shots, "policy-payouts-mz")
        staff.click("form[action$=approve-ready] button")  # the other one, then the CLI pays
        bank = served.data / "bank.csv"
        paid = served.cli("policies", "pay", "ELDERLY_ALLOWANCE", "--csv", str(bank))
        assert paid.returncode == 0, paid.stderr
        assert "1 笔，合计 50.00 元" in paid.stdout
        lines = bank.read_text(encoding="utf-8-sig").splitlines()
        assert lines[1].startswith("1,王五,") and lines[-1].startswith("合计,1 笔,")
        again = served.cli("policies", "pay", "ELDERLY_ALLOWANCE")
        assert again.returncode != 0 and "没有已审核、待发放的待遇" in again.stderr
