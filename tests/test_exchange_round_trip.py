"""跨省通办 between two running platforms (two `onething serve`, two databases, two ports,
each with its own key pair and a partners file naming the other): HN's window forwards a
case, HN's job sends it, JX imports it and answers its receipt, HN records JX's case
number; JX's offices decide, and the result comes back to HN's case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from onething.demo.people import DEMO_PASSWORD
from onething.exchange import signing
from samples import FORM, PDF
from samples import OWNED_WITH_SIGN as ANSWERS
from served import Served
from test_browser import launch_chromium

CLIENT, CLERK = "zhangsan", "chuangkou"
APPROVERS = ("scjg_430102", "cg_430102")  # REG, then SIGN
NAMES = {"HN": "湖南省一件事一次办平台", "JX": "江西省一件事一次办平台"}


def partners_file(path: Path, code: str, url: str, key: str) -> None:
    path.write_text(f"partners:\n  - code: {code}\n    name: {NAMES[code]}\n"
                    f"    url: {url}\n    public_key: {key}\n", encoding="utf-8")


class Platform:
    def __init__(self, root: Path, code: str, catalog: Path) -> None:
        self.code, root = code, root / code
        root.mkdir(parents=True)
        self.private, self.public = signing.keygen(root / "keys")
        self.partners = root / "partners.yaml"
        self.served = Served(root / "data", catalog=catalog)
        self.served.env.update({
            "ONETHING_EXCHANGE_PLATFORM": code, "ONETHING_EXCHANGE_PLATFORM_NAME": NAMES[code],
            "ONETHING_EXCHANGE_KEY": str(self.private),
            "ONETHING_EXCHANGE_PARTNERS": str(self.partners)})
        (root / "data").mkdir()
        self.tokens: dict[str, dict[str, str]] = {}

    def login(self, who: str) -> dict[str, str]:
        if who not in self.tokens:
            r = httpx.post(f"{self.served.url}/api/v1/auth/token",
                           data={"username": who, "password": DEMO_PASSWORD})
            r.raise_for_status()
            self.tokens[who] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self.tokens[who]

    def get(self, who: str, path: str) -> Any:
        r = httpx.get(self.served.url + path, headers=self.login(who), timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, who: str, path: str, body: Any) -> Any:
        r = httpx.post(self.served.url + path, json=body, headers=self.login(who), timeout=30)
        assert r.status_code < 300, r.text
        return r.json()

    def upload(self, who: str, name: str) -> str:
        r = httpx.post(f"{self.served.url}/api/v1/files", headers=self.login(who),
                       files={"file": (name, PDF + name.encode())}, timeout=30)
        r.raise_for_status()
        return str(r.json()["id"])

    def run_jobs(self) -> str:
        done = self.served.cli("worker", "--once")
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout


def steps(case: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [e for e in case["timeline"] if e["action"] == action]


@contextmanager
def two_platforms(root: Path, catalog: Path) -> Iterator[tuple[Platform, Platform]]:
    """HN and JX, served, each naming the other as its partner."""
    hn, jx = Platform(root, "HN", catalog), Platform(root, "JX", catalog)
    # each names the other (the addresses are known once both listen: written again below)
    partners_file(hn.partners, "JX", "http://127.0.0.1:9", jx.public)
    partners_file(jx.partners, "HN", "http://127.0.0.1:9", hn.public)
    with hn.served, jx.served:
        partners_file(hn.partners, "JX", jx.served.url, jx.public)
        partners_file(jx.partners, "HN", hn.served.url, hn.public)
        yield hn, jx


def applied(hn: Platform) -> dict[str, Any]:
    """zhangsan applies online at HN (营业执照, then the sign's permit), every material a
    file."""
    materials = {"ID_CARD": {"file": hn.upload(CLIENT, "身份证.pdf")},
                 "FLOOR_PLAN": {"file": hn.upload(CLIENT, "平面图.pdf")}}
    return dict(hn.post(CLIENT, "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": ANSWERS, "form": FORM,
        "materials": materials}))


def test_a_case_goes_to_the_partner_and_its_result_comes_back(tmp_path: Path,
                                                              basic_dir: Path) -> None:
    with two_platforms(tmp_path, basic_dir) as (hn, jx):
        # HN: the 芙蓉区 window forwards zhangsan's application to JX
        app = applied(hn)
        assert "forward" in hn.get(CLERK, f"/api/v1/applications/{app['id']}")["actions"]
        forwarded = hn.post(CLERK, f"/api/v1/applications/{app['id']}/forwarding",
                            {"partner": "JX", "reason": "申请人要求由合作平台办理"})
        assert forwarded["status"] == "forwarded"
        # HN's job sends it; JX imports it and answers its signed receipt
        assert "跨省通办交换包已送达 1" in hn.run_jobs()
        case = hn.get(CLERK, f"/api/v1/applications/{app['id']}")
        [receipt] = steps(case, "partner_receipt")
        their_number = receipt["data"]["partner_number"]
        assert receipt["data"]["partner_name"] == NAMES["JX"]
        # JX: the case received elsewhere, at its competent offices, naming HN's window
        found = [a for a in jx.get(CLERK, "/api/v1/applications")
                 if a["number"] == their_number]
        assert len(found) == 1
        imported = jx.get(CLERK, f"/api/v1/applications/{found[0]['id']}")
        assert imported["status"] == "accepted"
        [received] = steps(imported, "receive")
        assert received["data"]["partner_name"] == NAMES["HN"]
        assert received["data"]["partner_number"] == app["number"]
        assert "政务服务综合窗口" in received["data"]["office"]
        # JX's offices decide, stage by stage; the result goes back to HN
        for who in APPROVERS:
            case_there = jx.get(who, f"/api/v1/applications/{found[0]['id']}")
            task = next(t for t in case_there["tasks"] if "approve" in t["actions"])
            jx.post(who, f"/api/v1/tasks/{task['id']}/decision",
                    {"action": "approve", "version": task["version"]})
        assert jx.get(CLERK, f"/api/v1/applications/{found[0]['id']}")["status"] == "completed"
        assert "跨省通办交换包已送达 1" in jx.run_jobs()
        case = hn.get(CLERK, f"/api/v1/applications/{app['id']}")
        [result] = steps(case, "partner_result")
        assert result["data"]["status"] == "completed"
        assert result["data"]["partner_number"] == their_number
        assert {i["decision"] for i in result["data"]["items"]} == {"approved"}
        assert result["data"]["licences"], result["data"]
        # JX's case says the result went back
        assert steps(jx.get(CLERK, f"/api/v1/applications/{found[0]['id']}"), "result_sent")


@pytest.mark.browser
def test_the_window_forwards_on_the_case_page(tmp_path: Path, basic_dir: Path) -> None:
    """In Chromium: HN's window forwards with the form on the case page; JX's window reads
    the case received from HN. A screenshot of each page."""
    browser_of = launch_chromium()
    browser = next(browser_of)
    try:
        with two_platforms(tmp_path, basic_dir) as (hn, jx):
            app = applied(hn)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            signed_in(page, hn.served.url, CLERK)
            page.goto(f"{hn.served.url}/applications/{app['id']}")
            page.click("#forward summary")
            page.select_option("#forward select[name=partner]", "JX")
            page.fill("#forward input[name=reason]", "经营场所在江西，由当地主管部门办理")
            page.click("#forward button[type=submit]")
            page.wait_for_url(f"**/applications/{app['id']}")
            assert "已转外省（市）办理" in page.content()
            hn.run_jobs()
            page.reload()
            text = page.inner_text("body")
            assert "转往江西省一件事一次办平台" in text and "对方平台已接收" in text
            page.screenshot(path=str(tmp_path / "forwarded-hn.png"), full_page=True)
            number = steps(hn.get(CLERK, f"/api/v1/applications/{app['id']}"),
                           "partner_receipt")[0]["data"]["partner_number"]
            there = next(a for a in jx.get(CLERK, "/api/v1/applications")
                         if a["number"] == number)
            other = browser.new_page(viewport={"width": 390, "height": 844})
            signed_in(other, jx.served.url, CLERK)
            other.goto(f"{jx.served.url}/applications/{there['id']}")
            text = other.inner_text("body")
            assert "收自湖南省一件事一次办平台" in text and app["number"] in text
            assert "外省（市）平台转来（跨省通办）" in text
            other.screenshot(path=str(tmp_path / "received-jx-phone.png"), full_page=True)
    finally:
        next(browser_of, None)


def signed_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.stack button[type=submit]")
