"""The intermediary market (中介服务超市) through the API, on both databases: companies'
legal representatives apply for 入驻 (checked by administrators, carded when late), buyers
post projects, and an intermediary is chosen by each method — 直接选取, 随机抽取 (its record
verified by `onething draw verify`), 竞价 (a tie broken by the draw) and 择优 — then the
contract, delivery, rating and complaints move its credit score; bad input is refused
naming its field, with nothing written."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from onething.cases.models import Application
from onething.catalog.models import CatalogVersion
from onething.cli import main
from onething.draw import record as draw_record
from onething.intermediaries import rules
from onething.intermediaries.models import AgencyBid, AgencyProject
from onething.kernel.db import session_factory
from onething.kernel.identifiers import id_number_check_digit, new_uscc
from onething.kernel.principal import Role
from onething.profiles import service as profiles
from world import MONDAY, Api, Clock, World

PROJECT = {"title": "某办公楼消防设施检测", "description": "对办公楼消防设施进行年度检测并出具报告",
           "service": "testing", "budget": "50000", "funding": "public", "method": "random",
           "deadline": "2026-11-27"}


def _application(world: World) -> int:
    """An application row for the companies' 营业执照 to point at."""
    with world.as_("admin") as ctx:
        version = ctx.session.scalar(select(CatalogVersion.id))
        who = world.users["zhang"].user_id
        return int(ctx.session.execute(insert(Application).returning(Application.id), [{
            "number": "TEST-AGENCY-1", "bundle_code": next(iter(world.catalog.bundles)),
            "catalog_version_id": version, "catalog_version": "test", "applicant_id": who,
            "submitted_by_id": who, "channel": "web", "region_code": "430102",
            "status": "completed", "answers": {}, "form": {}, "materials": [], "guide": {},
            "promised_days": 1, "deficient": False, "submitted_at": MONDAY,
            "version": 1}]).scalar_one())


def companies(world: World, n: int) -> list[str]:
    """n companies of 芙蓉区, company i represented by the applicant `rep{i}`; their USCCs."""
    app_id = _application(world)
    world.add_people([(f"rep{i}", Role.applicant, None, None) for i in range(n)])
    found = []
    with world.as_("admin") as ctx:
        for i in range(n):
            first = f"43010219800101{i:03d}"
            number = first + id_number_check_digit(first)
            user = ctx.session.get_one(profiles.User, world.users[f"rep{i}"].user_id)
            user.id_number = number
            found.append(profiles.record_company(
                ctx.session, uscc=new_uscc("430102"), name=f"湖南检测{i}号有限公司",
                kind="企业", legal_rep_name=f"代表{i}", legal_rep_id_number=number,
                region_code="430102", licence_number=f"L{i}", application_id=app_id,
                now=MONDAY).uscc)
    return found


def joined(api: Api, who: str, uscc: str, services: list[str] | None = None,
           regions: list[str] | None = None) -> dict[str, Any]:
    sent = api.post(who, "/api/v1/intermediaries", {
        "uscc": uscc, "services": services or ["testing"], "regions": regions or ["430100"],
        "qualifications": "检验检测机构资质认定证书 CMA 2026001", "phone": "13812345678"})
    assert sent.status_code == 201, sent.text
    return dict(sent.json())


def market(api: Api, world: World, n: int, **kw: Any) -> list[str]:
    """n approved intermediaries (testing, serving 长沙市 unless told otherwise)."""
    usccs = companies(world, n)
    for i, uscc in enumerate(usccs):
        agency = joined(api, f"rep{i}", uscc, **kw)
        done = api.post("admin", f"/api/v1/intermediaries/{agency['id']}/review",
                        {"approve": True})
        assert done.status_code == 200 and done.json()["status"] == "approved", done.text
    return usccs


def posted(api: Api, who: str = "scjg_furong", **changes: Any) -> dict[str, Any]:
    sent = api.post(who, "/api/v1/agency-projects", {**PROJECT, **changes})
    assert sent.status_code == 201, sent.text
    return dict(sent.json())


def bid(api: Api, i: int, project: int, uscc: str, price: str) -> Any:
    return api.post(f"rep{i}", f"/api/v1/agency-projects/{project}/bids",
                    {"agency": uscc, "price": price, "proposal": "三名工程师五个工作日完成"})


def fields(answer: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


# --- pure rules --------------------------------------------------------------------------


def test_the_pure_rules() -> None:
    assert rules.credit_score([], 0) == rules.CREDIT_BASE == 100
    assert rules.credit_score([5, 1, 4], 1) == 100 + 4 - 4 + 2 - 10
    assert rules.credit_score([1] * 40, 5) == 0  # never below 0
    assert rules.lowest({"b": Decimal("10"), "a": Decimal("10"), "c": Decimal("9.99")}) == ["c"]
    assert rules.lowest({"b": Decimal("10"), "a": Decimal("10")}) == ["a", "b"]
    assert rules.best_scored({"a": 80, "b": 91, "c": 91}) == ["b", "c"]
    public, own = rules.Funding.public, rules.Funding.own
    assert "至少 3 家" in (rules.too_few(public, rules.Method.random, 2) or "")
    assert rules.too_few(public, rules.Method.random, 3) is None
    assert rules.too_few(own, rules.Method.bidding, 1) is None
    assert "有效报价" in (rules.too_few(public, rules.Method.merit, 2) or "")


# --- 入驻 --------------------------------------------------------------------------------


def test_joining_is_checked_by_administrators_and_carded_when_late(
        api: Api, world: World, engine: Engine, tmp_path: Path) -> None:
    [uscc] = companies(world, 1)
    # only the company's legal representative applies, for a company in the files
    other = api.post("zhang", "/api/v1/intermediaries", {
        "uscc": uscc, "services": ["testing"], "regions": ["430100"],
        "qualifications": "CMA", "phone": "13812345678"})
    assert other.status_code == 422 and "uscc" in fields(other)
    bad = api.post("rep0", "/api/v1/intermediaries", {
        "uscc": uscc, "services": ["painting"], "regions": ["999999"],
        "qualifications": " ", "phone": "1"})
    assert bad.status_code == 422
    assert set(fields(bad)) == {"services", "regions", "qualifications", "phone"}
    agency = joined(api, "rep0", uscc)
    assert (agency["status"], agency["due_on"]) == ("pending", "2026-11-25")  # 2 working days
    assert api.post("rep0", "/api/v1/intermediaries", {
        "uscc": uscc, "services": ["testing"], "regions": ["430100"], "qualifications": "CMA",
        "phone": "13812345678"}).status_code == 409
    assert api.client.get("/api/v1/intermediaries").json() == []  # public: the approved
    pending = api.get("admin", "/api/v1/intermediary-applications").json()
    assert [a["uscc"] for a in pending] == [uscc]
    assert api.get("zhang", "/api/v1/intermediary-applications").status_code == 403
    # not checked by Wednesday: a profile with a row for the check cards it on Thursday
    from onething.catalog.service import current_catalog
    from onething.supervision.profile import load_profile
    from onething.supervision.sweep import sweep

    own = tmp_path / "market.yaml"
    own.write_text("code: m\nname: 入驻审核亮牌\nchecks:\n  agency_review:\n"
                   "    yellow: {after: 0}\n", encoding="utf-8")
    sessions = session_factory(engine)
    with sessions() as session:
        catalog = current_catalog(session)
    late = dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC)
    assert sweep(sessions, catalog, late, load_profile(str(own))).raised == {"yellow": 1}
    cards = api.get("admin", "/api/v1/cards", params={"check": "agency_review"}).json()
    [card] = cards["items"]
    assert card["check_name"] == "中介机构入驻审核" and card["closed_at"] is None
    refused = api.post("admin", f"/api/v1/intermediaries/{agency['id']}/review",
                       {"approve": False, "note": ""})
    assert refused.status_code == 422 and "note" in fields(refused)
    done = api.post("admin", f"/api/v1/intermediaries/{agency['id']}/review", {"approve": True})
    assert done.status_code == 200 and done.json()["credit_score"] == 100
    [card] = api.get("admin", "/api/v1/cards", params={"check": "agency_review"}).json()["items"]
    assert card["closed_at"] is not None  # checked: the card closes
    public = api.get("zhang", "/api/v1/intermediaries").json()
    assert [a["uscc"] for a in public] == [uscc] and public[0]["phone"] == "138****5678"


# --- the four methods ----------------------------------------------------------------------


def test_direct_selection_contract_delivery_rating_and_complaint(api: Api, world: World
                                                                  ) -> None:
    usccs = market(api, world, 2, regions=["430102"])
    project = posted(api, method="direct", funding="own", budget="8000")
    pid = project["id"]
    assert project["actions"] == ["select"] and project["buyer"] == "芙蓉区市场监督管理局"
    # an intermediary not qualified for the service: refused, naming it
    wrong = api.post("zhang", "/api/v1/agency-projects", {**PROJECT, "region": "430102"})
    assert wrong.status_code == 422 and "funding" in fields(wrong)  # a person pays own money
    for budget in ("-1e30", "1e30", "12.345"):  # beyond any decimal's precision: refused
        huge = api.post("scjg_furong", "/api/v1/agency-projects", {**PROJECT, "budget": budget})
        assert huge.status_code == 422 and "budget" in fields(huge), budget
    assert api.post("rep0", f"/api/v1/agency-projects/{pid}/selection",
                    {"agency": usccs[0]}).status_code == 403
    chosen = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/selection",
                      {"agency": usccs[1]})
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["status"], chosen.json()["selected"]) == ("selected", usccs[1])
    assert chosen.json()["draw"] is None
    signed = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/contract",
                      {"number": "HT-2026-01", "price": "7800"})
    assert signed.status_code == 200 and signed.json()["status"] == "contracted"
    assert api.post("rep0", f"/api/v1/agency-projects/{pid}/delivery",
                    {"note": "报告"}).status_code == 403  # not the selected intermediary
    assert api.get("rep1", f"/api/v1/agency-projects/{pid}").json()["actions"] == ["deliver"]
    delivered = api.post("rep1", f"/api/v1/agency-projects/{pid}/delivery",
                         {"note": "检测报告 JC-2026-001"})
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    rated = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/rating", {"score": 5})
    assert rated.status_code == 200 and rated.json()["status"] == "closed"
    scores = {a["uscc"]: a["credit_score"] for a in api.get(
        "zhang", "/api/v1/intermediaries").json()}
    assert scores == {usccs[1]: 104, usccs[0]: 100}  # (5 − 3) × 2
    complaint = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/complaints",
                         {"reason": "报告数据与现场不符"})
    assert complaint.status_code == 201, complaint.text
    cid = complaint.json()["id"]
    assert api.post("scjg_furong", f"/api/v1/agency-complaints/{cid}/decision",
                    {"upheld": True, "answer": "成立"}).status_code == 403
    upheld = api.post("admin", f"/api/v1/agency-complaints/{cid}/decision",
                      {"upheld": True, "answer": "经核查投诉属实"})
    assert upheld.status_code == 200 and upheld.json()["upheld"] is True
    listed = api.get("zhang", "/api/v1/intermediaries").json()
    assert [(a["uscc"], a["credit_score"]) for a in listed] == [(usccs[0], 100),
                                                                (usccs[1], 94)]


def test_direct_selection_of_an_unqualified_intermediary_is_refused(api: Api, world: World
                                                                    ) -> None:
    usccs = market(api, world, 1, services=["assessment"])
    pid = posted(api, method="direct")["id"]
    refused = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/selection",
                       {"agency": usccs[0]})
    assert refused.status_code == 422 and "检测" in fields(refused)["agency"]
    assert api.get("zhang", f"/api/v1/agency-projects/{pid}").json()["status"] == "open"


def test_random_selection_publishes_a_record_the_cli_verifies(
        api: Api, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    usccs = market(api, world, 4)
    pid = posted(api)["id"]
    assert api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/selection",
                    {}).status_code == 409  # the pool is frozen first
    frozen = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/closing")
    assert frozen.status_code == 200, frozen.text
    shown = frozen.json()["draw"]
    assert frozen.json()["status"] == "frozen" and "seed" not in shown
    assert shown["pool"] == sorted(usccs, key=str.encode) and len(shown["commitment"]) == 64
    drawn = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/selection", {})
    assert drawn.status_code == 200, drawn.text
    record = drawn.json()["draw"]
    assert record["commitment"] == shown["commitment"]
    assert record["draws"][0]["label"] == "agencies" and record["draws"][0]["k"] == 1
    assert drawn.json()["selected"] == record["draws"][0]["result"][0]
    assert draw_record.verify(record) == []
    # the record downloaded from the project's page, as anybody gets it, verifies
    got = api.client.get(f"/api/v1/agency-projects/{pid}/draw.json")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    path = tmp_path / "draw.json"
    path.write_bytes(got.content)
    assert main(["draw", "verify", str(path)]) == 0
    assert "验证通过" in capsys.readouterr().out
    assert json.loads(got.content) == record


def test_random_selection_with_public_money_needs_three_candidates(api: Api, world: World
                                                                   ) -> None:
    market(api, world, 2)
    pid = posted(api)["id"]
    failed = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/closing")
    assert failed.status_code == 200, failed.text
    assert failed.json()["status"] == "failed"
    assert "至少 3 家" in failed.json()["failure"] and "现有 2 家" in failed.json()["failure"]
    assert failed.json()["draw"] is None


def test_bidding_the_lowest_wins_a_tie_is_drawn_late_and_unqualified_bids_refused(
        api: Api, world: World, clock: Clock) -> None:
    usccs = market(api, world, 4)
    with world.as_("admin") as ctx:  # the fourth serves only 株洲市 from now on
        from onething.intermediaries.models import Intermediary
        far = ctx.session.scalar(select(Intermediary).where(Intermediary.uscc == usccs[3]))
        assert far is not None
        far.service_regions = ["430200"]
    pid = posted(api, method="bidding")["id"]
    assert bid(api, 0, pid, usccs[0], "30000").status_code == 201
    assert bid(api, 1, pid, usccs[1], "28000").status_code == 201
    assert bid(api, 2, pid, usccs[2], "28000.00").status_code == 201
    unqualified = bid(api, 3, pid, usccs[3], "20000")
    assert unqualified.status_code == 422 and "服务区域" in fields(unqualified)["agency"]
    assert bid(api, 0, pid, usccs[1], "1").status_code == 422  # not theirs to bid for
    over = api.post("rep0", f"/api/v1/agency-projects/{pid}/bids",
                    {"agency": usccs[0], "price": "60000", "proposal": "x"})
    assert over.status_code == 422 and "预算" in fields(over)["price"]
    assert bid(api, 0, pid, usccs[0], "100").status_code == 409  # one bid each
    assert api.get("zhang", f"/api/v1/agency-projects/{pid}").json()["bids"] == []  # sealed
    assert api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/selection",
                    {}).status_code == 409  # before the deadline
    clock.advance(days=5)  # Saturday: past Friday's deadline
    api.tokens.clear()
    late = bid(api, 3, pid, usccs[3], "10000")
    assert late.status_code == 409 and "deadline" in fields(late)
    chosen = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/selection", {})
    assert chosen.status_code == 200, chosen.text
    result = chosen.json()
    record = result["draw"]
    assert record["draws"][0]["label"] == "agencies:tie"
    assert record["draws"][0]["pool"] == sorted(usccs[1:3], key=str.encode)
    assert result["selected"] == record["draws"][0]["result"][0] and result["price"] == "28000.00"
    assert draw_record.verify(record) == []
    assert [b["price"] for b in result["bids"]] == ["28000.00", "28000.00", "30000.00"]


def test_bidding_with_public_money_needs_three_valid_bids(api: Api, world: World,
                                                          clock: Clock) -> None:
    usccs = market(api, world, 2)
    pid = posted(api, method="bidding")["id"]
    for i, uscc in enumerate(usccs):
        assert bid(api, i, pid, uscc, "20000").status_code == 201
    clock.advance(days=5)
    api.tokens.clear()
    failed = api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/selection", {}).json()
    assert failed["status"] == "failed" and "至少 3 家有效报价" in failed["failure"]


def test_merit_the_best_score_wins(api: Api, world: World, clock: Clock) -> None:
    usccs = market(api, world, 2)
    pid = posted(api, "zhang", method="merit", funding="own", region="430102")["id"]
    assert bid(api, 0, pid, usccs[0], "40000").status_code == 201
    assert bid(api, 1, pid, usccs[1], "45000").status_code == 201
    clock.advance(days=5)
    api.tokens.clear()
    assert api.post("scjg_furong", f"/api/v1/agency-projects/{pid}/selection",
                    {}).status_code == 403  # only the buyer selects
    unscored = api.post("zhang", f"/api/v1/agency-projects/{pid}/selection",
                        {"scores": {usccs[0]: 70}})
    assert unscored.status_code == 422 and set(fields(unscored)) == {f"scores.{usccs[1]}"}
    with world.sessions() as session:  # nothing half-written
        assert session.scalar(select(func.count()).select_from(AgencyBid).where(
            AgencyBid.score.is_not(None))) == 0
    chosen = api.post("zhang", f"/api/v1/agency-projects/{pid}/selection",
                      {"scores": {usccs[0]: 70, usccs[1]: 88}})
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["selected"], chosen.json()["price"]) == (usccs[1], "45000.00")
    assert chosen.json()["draw"] is None
    with world.sessions() as session:
        project = session.get_one(AgencyProject, pid)
        assert project.buyer_department is None and project.region_code == "430102"


def test_the_pages_join_post_bid_score_and_review(api: Api, world: World, clock: Clock
                                                  ) -> None:
    usccs = market(api, world, 2)
    [fresh] = companies_more(world)
    client = api.client
    csrf = world.sign_in(client, "rep9")
    refused = client.post("/market/join", data={"uscc": fresh, "regions": "430100",
                                                "qualifications": "CMA", "phone": "13812345678",
                                                "csrf_token": csrf})
    assert refused.status_code == 422 and "请选择中介服务类别" in refused.text
    sent = client.post("/market/join", data={
        "uscc": fresh, "services": ["testing", "consulting"], "regions": "430100",
        "qualifications": "CMA", "phone": "13812345678", "csrf_token": csrf},
        follow_redirects=False)
    assert sent.status_code == 303 and "待审核" in client.get("/market/join").text
    csrf = world.sign_in(client, "admin")
    page = client.get("/market/reviews")
    assert "湖南检测9号有限公司" in page.text and "中介审核" in page.text  # (the menu)
    agency_id = api.get("admin", "/api/v1/intermediary-applications").json()[0]["id"]
    client.post(f"/market/reviews/{agency_id}", data={"decision": "approve", "csrf_token": csrf})
    csrf = world.sign_in(client, "zhang")
    made = client.post("/market/new", data={
        "title": "门店消防检测", "description": "检测", "service": "testing", "region": "430102",
        "budget": "3000", "funding": "own", "method": "merit", "deadline": "2026-11-24",
        "csrf_token": csrf}, follow_redirects=False)
    assert made.status_code == 303, made.text
    where = made.headers["location"]
    for i, uscc in ((0, usccs[0]), (9, fresh)):
        csrf = world.sign_in(client, f"rep{i}")
        assert "提交报价" in client.get(where).text
        client.post(f"{where}/bid", data={"agency": uscc, "price": "2000",
                                          "proposal": f"方案{i}", "csrf_token": csrf})
    clock.advance(days=2)
    csrf = signed_in_now(world, client, "zhang", clock.now)
    scoring = client.get(where)
    assert "方案9" in scoring.text and f"score.{fresh}" in scoring.text
    done = client.post(f"{where}/select", data={f"score.{usccs[0]}": "60",
                                                f"score.{fresh}": "95", "csrf_token": csrf},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    public = client.get("/market?service=testing").text
    assert "湖南检测9号有限公司" in public and "门店消防检测" in public
    assert "z****（个人）" in public  # a person buying: the name masked


def companies_more(world: World) -> list[str]:
    """One more company, of rep9 (after `market` made rep0 … repN)."""
    with world.as_("admin") as ctx:
        app_id = ctx.session.scalar(select(Application.id).limit(1))
    world.add_people([("rep9", Role.applicant, None, None)])
    with world.as_("admin") as ctx:
        first = "43010219800101999"
        number = first + id_number_check_digit(first)
        ctx.session.get_one(profiles.User, world.users["rep9"].user_id).id_number = number
        return [profiles.record_company(
            ctx.session, uscc=new_uscc("430102"), name="湖南检测9号有限公司", kind="企业",
            legal_rep_name="代表9", legal_rep_id_number=number, region_code="430102",
            licence_number="L9", application_id=int(app_id or 0), now=MONDAY).uscc]


def signed_in_now(world: World, client: Any, username: str, now: dt.datetime) -> str:
    """The client signed in as `username` with a web session opened `now`; its CSRF."""
    from onething.identity import service as identity
    from onething.kernel.db import unit_of_work
    from onething.web.session import COOKIE

    with unit_of_work(world.sessions) as session:
        user = identity.find_user(session, username)
        secret, row = identity.open_session(session, user, "web", now)
        csrf = row.csrf_token
    client.cookies.clear()
    client.cookies.set(COOKIE, secret)
    return csrf


def test_a_material_made_by_an_intermediary_links_to_the_market(
        sqlite_engine: Engine, demo_dir: Path, tmp_path: Path) -> None:
    """The demo catalog's 消防设施维护保养检测报告 (`intermediary_service: testing`): the item's
    API names the service, its page and the guide link to the market filtered by it."""
    from world import build_world, client_for

    build_world(session_factory(sqlite_engine), demo_dir, tmp_path / "files", [])
    with client_for(sqlite_engine, tmp_path) as client:
        item = client.get("/api/v1/items/XF_FIRE_CHECK").json()
        [report] = [m for m in item["materials"] if m["code"] == "FIRE_FACILITY_REPORT"]
        assert report["intermediary_service"] == "testing"
        assert all(m["intermediary_service"] is None for m in item["materials"]
                   if m["code"] != "FIRE_FACILITY_REPORT")
        link = "/market?service=testing&amp;material=FIRE_FACILITY_REPORT"
        page = client.get("/items/XF_FIRE_CHECK").text
        assert "到中介服务超市选择中介机构" in page and link in page
        market = client.get("/market?service=testing&material=FIRE_FACILITY_REPORT")
        assert market.status_code == 200 and 'aria-current="page">检测' in market.text
