"""帮办 at the window, through the API and the pages, on both databases: a clerk files for a
walk-in applicant who has no account, named by their ID number, with the scan of the
consent they signed; the case says so, the applicant's later cases find the same person,
and what is missing or not the clerk's to give is refused, with nothing written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from onething.cases.models import Application
from onething.identity.models import User
from samples import FORM, OWNED
from world import Api, World

WALK_IN = {"name": "王秀英", "id_number": "430102195003150022", "phone": "13900001111"}


def body(api: Api, consent: str | None, **assisted: Any) -> dict[str, Any]:
    scan = api.upload("clerk_furong", "身份证.pdf").json()["id"]
    return {"bundle": "STORE", "region": "430102", "answers": OWNED, "channel": "window",
            "form": {**FORM, "applicant_name": WALK_IN["name"],
                     "id_number": WALK_IN["id_number"]},
            "materials": {"ID_CARD": {"file": scan}},
            "assisted": {**WALK_IN, "consent_file": consent, **assisted}}


def counts(world: World) -> tuple[int, int]:
    with world.sessions() as session:
        return (session.scalar(select(func.count()).select_from(Application)) or 0,
                session.scalar(select(func.count()).select_from(User)) or 0)


def errors(answer: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


def test_the_window_files_for_a_walk_in_with_their_signed_consent(api: Api,
                                                                  world: World) -> None:
    consent = api.upload("clerk_furong", "帮办授权书.pdf").json()["id"]
    sent = api.post("clerk_furong", "/api/v1/applications", body(api, consent))
    assert sent.status_code == 201, sent.text
    app = sent.json()
    assert app["applicant"] == "王秀英" and app["submitted_by"] == "clerk_furong"
    assert app["assisted_consent"] == {"file": consent, "filename": "帮办授权书.pdf",
                                       "by": "clerk_furong"}
    assert app["timeline"][0]["data"].get("assisted") is True
    assert "accept" in app["actions"]  # the window goes on as with any case it received
    # the same person next time: found by the ID number, not made twice
    again = api.post("clerk_furong", "/api/v1/applications",
                     body(api, api.upload("clerk_furong", "授权书2.pdf").json()["id"]))
    assert again.status_code == 201
    with world.sessions() as session:
        people = session.scalars(select(User).where(
            User.id_number == WALK_IN["id_number"])).all()
    assert len(people) == 1 and people[0].display_name == "王秀英"
    # the new account has no password anyone knows: it cannot sign in
    login = api.client.post("/api/v1/auth/token", data={"username": people[0].username,
                                                        "password": "!no-login"})
    assert login.status_code == 401


def test_what_is_missing_or_not_the_clerks_is_refused_with_nothing_written(
        api: Api, world: World) -> None:
    before = counts(world)
    no_consent = api.post("clerk_furong", "/api/v1/applications", body(api, "nothere"))
    assert no_consent.status_code == 422
    assert "帮办授权书" in errors(no_consent)["assisted.consent_file"]
    someone_elses = api.upload("zhang", "授权书.pdf").json()["id"]
    assert "assisted.consent_file" in errors(api.post(
        "clerk_furong", "/api/v1/applications", body(api, someone_elses)))
    consent = api.upload("clerk_furong", "帮办授权书.pdf").json()["id"]
    bad_id = api.post("clerk_furong", "/api/v1/applications",
                      body(api, consent, id_number="430102195003150023"))
    assert bad_id.status_code == 422 and "assisted.id_number" in errors(bad_id)
    both = api.post("clerk_furong", "/api/v1/applications",
                    {**body(api, consent), "applicant": "zhang"})
    assert both.status_code == 422 and "applicant" in errors(both)
    proxy = api.post("proxy1", "/api/v1/applications",
                     {**body(api, consent), "channel": "api"})
    assert proxy.status_code == 403 and "assisted" in errors(proxy)
    assert counts(world) == before


def test_the_window_page_files_a_walk_in(api: Api, world: World) -> None:
    client = api.client
    csrf = world.sign_in(client, "clerk_furong")
    page = client.get("/bundles/STORE/apply?premises=owned&sells_food=false&shop_area=10")
    assert page.status_code == 200 and "帮办" in page.text
    form = {"csrf_token": csrf, "region": "430102", "answer.premises": "owned",
            "answer.sells_food": "false", "answer.shop_area": "10",
            "field.applicant_name": "王秀英", "field.id_number": WALK_IN["id_number"],
            "assisted.name": "王秀英", "assisted.id_number": WALK_IN["id_number"]}
    scan = ("身份证.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x")
    missing = client.post("/bundles/STORE/apply", data=form,
                          files={"material.ID_CARD": scan})
    assert missing.status_code == 422 and "帮办授权书" in missing.text
    assert 'value="王秀英"' in missing.text  # what was typed is kept
    signed = ("授权书.pdf", scan[1] + b"signed")
    sent = client.post("/bundles/STORE/apply", data=form, files={
        "material.ID_CARD": scan, "assisted.consent": signed}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    case = client.get(sent.headers["location"])
    assert "帮办：由窗口人员 clerk_furong 代为填报" in case.text
    assert "授权书.pdf" in case.text and "申请人已签字确认" in case.text
    link = case.text.split('href="/applications/')[1].split('"')[0]
    assert "/files/" in link
    assert client.get(f"/applications/{link}").status_code == 200
    client.cookies.clear()
