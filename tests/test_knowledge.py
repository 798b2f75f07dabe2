"""The knowledge base (知识库) through the API and the pages, on both databases: a
department writes, publishes, edits (a new version) and withdraws articles; anyone searches
the published ones by words (营业执照 is not 营业时间); owners see what is due for review
and are told once; bad input is refused naming the field, with nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from onething.kernel.principal import Role
from onething.knowledge.models import PG_VECTOR, Article
from onething.knowledge.rules import TRANSITIONS, ArticleStatus, Move, next_status
from onething.knowledge.service import tell_due_for_review
from onething.outbox.models import Notification
from onething.text.segment import query_words
from world import Api, Clock, World

PEOPLE = [("zhang", Role.applicant, None, None),
          ("clerk_furong", Role.clerk, "430102", None),
          ("supervisor_cs", Role.supervisor, "430100", None),
          ("scjg_cs", Role.approver, "430100", "SCJG"),
          ("scjg_zhuzhou", Role.approver, "430200", "SCJG"),
          ("ga_cs", Role.approver, "430100", "GA"),
          ("admin", Role.admin, "430000", None)]
LICENCE = {"question": "办理营业执照需要什么材料？",
           "answer": "个体工商户办理营业执照，需提交经营者身份证明和经营场所证明。",
           "department": "SCJG", "region": "430100", "category": "0104",
           "source_title": "市场主体登记管理条例", "source_number": "国务院令第746号",
           "source_date": "2021-07-27", "source_url": "https://www.gov.cn/zhengce/",
           "review_on": "2026-12-31"}
HOURS = {"question": "政务服务大厅的营业时间是几点？",
         "answer": "大厅工作日上午九点开门，下午五点停止取号。",
         "department": "SCJG", "region": "430100"}
ARTICLES = "/api/v1/knowledge/articles"


@pytest.fixture
def world(demo_world: World) -> World:
    return demo_world


def errors(answer: Any) -> dict[str, str]:
    return {e["field"].removeprefix("body."): e["message"] for e in answer.json()["errors"]}


def published(api: Api, body: dict[str, Any], who: str = "scjg_cs") -> dict[str, Any]:
    made = api.post(who, ARTICLES, body)
    assert made.status_code == 201, made.text
    sent = api.post(who, f"{ARTICLES}/{made.json()['id']}/publication")
    assert sent.status_code == 200, sent.text
    return sent.json()  # type: ignore[no-any-return]


def put(api: Api, who: str, path: str, body: Any) -> Any:
    return api.client.put(path, json=body, headers=api.login(who))


def test_search_by_words_finds_the_licence_not_the_opening_hours(api: Api) -> None:
    licence, hours = published(api, LICENCE), published(api, HOURS)
    found = api.client.get(ARTICLES, params={"q": "营业执照"}).json()  # anyone, no token
    assert [a["id"] for a in found["items"]] == [licence["id"]]
    assert found["total"] == 1 and found["words"] == ["营业执照"]
    both = api.client.get(ARTICLES, params={"q": "营业"}).json()
    assert {a["id"] for a in both["items"]} == {licence["id"], hours["id"]}
    asked = api.client.get(ARTICLES, params={"q": "怎么办营业执照需要哪些材料"}).json()
    assert [a["id"] for a in asked["items"]] == [licence["id"]]
    assert api.client.get(ARTICLES, params={"q": "结婚登记"}).json()["total"] == 0
    paged = api.client.get(ARTICLES, params={"q": "营业", "limit": 1, "offset": 1}).json()
    assert paged["total"] == 2 and len(paged["items"]) == 1
    one = api.client.get(f"{ARTICLES}/{licence['id']}").json()
    assert (one["department_name"], one["status_name"], one["actions"]) == (
        "市场监督管理局", "已发布", [])


def test_ranked_the_question_above_the_answer(api: Api) -> None:
    in_answer = published(api, {**HOURS, "question": "个体户需要带什么？",
                                "answer": "请带上营业执照原件。"})
    in_question = published(api, LICENCE)
    found = api.client.get(ARTICLES, params={"q": "营业执照"}).json()["items"]
    assert [a["id"] for a in found] == [in_question["id"], in_answer["id"]]


def test_drafts_and_withdrawn_only_for_their_owners(api: Api, clock: Clock) -> None:
    draft = api.post("scjg_cs", ARTICLES, LICENCE).json()
    assert draft["status"] == "draft" and draft["actions"] == ["edit", "publish", "withdraw"]
    assert api.client.get(ARTICLES, params={"q": "营业执照"}).json()["total"] == 0
    assert api.client.get(f"{ARTICLES}/{draft['id']}").status_code == 404
    assert api.get("scjg_cs", ARTICLES, params={"q": "营业执照"}).json()["total"] == 1
    assert api.get("supervisor_cs", f"{ARTICLES}/{draft['id']}").json()["actions"] == []
    assert api.get("ga_cs", f"{ARTICLES}/{draft['id']}").status_code == 404
    assert api.get("zhang", ARTICLES, params={"mine": "true"}).status_code == 403
    gone = published(api, {**HOURS, "valid_until": "2026-11-22"})  # the day before MONDAY
    assert api.client.get(f"{ARTICLES}/{gone['id']}").status_code == 404  # out of force
    assert api.get("scjg_cs", f"{ARTICLES}/{gone['id']}").status_code == 200


def test_edit_of_a_published_article_is_a_new_version(api: Api, world: World) -> None:
    article = published(api, LICENCE)
    changed = put(api, "scjg_cs", f"{ARTICLES}/{article['id']}",
                  {**LICENCE, "answer": "需提交身份证明、经营场所证明和登记申请书。", "version": 1})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["version"], changed.json()["status"]) == (2, "published")
    stale = put(api, "scjg_cs", f"{ARTICLES}/{article['id']}", {**LICENCE, "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    history = api.client.get(f"{ARTICLES}/{article['id']}/history").json()
    assert [v["version"] for v in history] == [2, 1]
    assert history[1]["content"]["answer"] == LICENCE["answer"]
    assert "登记申请书" in api.client.get(ARTICLES, params={"q": "申请书"}).json()[
        "items"][0]["answer"]  # the new version is what is searched
    no_reason = api.post("scjg_cs", f"{ARTICLES}/{article['id']}/withdrawal", {"reason": " "})
    assert no_reason.status_code == 422 and "reason" in errors(no_reason)
    withdrawn = api.post("scjg_cs", f"{ARTICLES}/{article['id']}/withdrawal",
                         {"reason": "政策已调整"}).json()
    assert (withdrawn["status"], withdrawn["withdrawn_reason"]) == ("withdrawn", "政策已调整")
    assert api.client.get(ARTICLES, params={"q": "营业执照"}).json()["total"] == 0
    again = api.post("scjg_cs", f"{ARTICLES}/{article['id']}/withdrawal", {"reason": "再撤"})
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_who_may_write(api: Api) -> None:
    article = published(api, LICENCE)
    for who in ("scjg_zhuzhou", "ga_cs", "supervisor_cs"):  # other city, department, role
        refused = api.post(who, f"{ARTICLES}/{article['id']}/withdrawal", {"reason": "过时"})
        assert refused.status_code in (403, 404), (who, refused.text)
    assert api.post("supervisor_cs", ARTICLES, LICENCE).status_code == 403
    assert api.post("clerk_furong", ARTICLES, LICENCE).status_code == 403
    theirs = api.post("ga_cs", ARTICLES, LICENCE)  # another department's article
    assert theirs.status_code == 403 and "department" in errors(theirs)
    assert api.post("admin", f"{ARTICLES}/{article['id']}/withdrawal",
                    {"reason": "过时"}).status_code == 200
    assert api.client.post(ARTICLES, json=LICENCE).status_code == 401


def test_bad_input_is_refused_naming_the_field(api: Api, world: World) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"question": ""}, "question"), ({"question": "问" * 201}, "question"),
        ({"answer": ""}, "answer"), ({"answer": "答" * 5001}, "answer"),
        ({"department": "NOPE"}, "department"), ({"region": "999999"}, "region"),
        ({"category": "分类"}, "category"),
        ({"category": "7777"}, "category"),  # not a 12345 诉求分类 code
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"valid_from": "2026-12-01", "valid_until": "2026-11-30"}, "valid_until"),
        ({"review_on": "not a date"}, "review_on")]
    for change, field in cases:
        refused = api.post("scjg_cs", ARTICLES, {**LICENCE, **change})
        assert refused.status_code == 422, (change, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert field in errors(refused), (change, refused.json())
    refused = api.post("scjg_cs", ARTICLES, {**LICENCE, "question": "  "})
    assert refused.status_code == 422 and "question" in errors(refused)
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 0
    assert api.client.get(ARTICLES, params={"q": "x" * 101}).status_code == 422


def test_due_for_review_listed_and_told_once(api: Api, world: World, clock: Clock) -> None:
    article = published(api, {**LICENCE, "review_on": "2026-11-25"})
    published(api, {**HOURS, "review_on": "2027-06-30"})
    due = "/api/v1/knowledge/articles?due_for_review=true"
    assert api.get("scjg_cs", due).json()["total"] == 0
    assert api.client.get(due).status_code == 403  # the public: not theirs to see
    clock.now = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    api.tokens.clear()  # signed in again, days later
    listed = api.get("scjg_cs", due).json()
    assert "items" in listed, listed
    assert [a["id"] for a in listed["items"]] == [article["id"]]
    assert listed["items"][0]["due_for_review"] is True
    assert api.get("supervisor_cs", due).json()["total"] == 1
    assert api.get("scjg_zhuzhou", due).json()["total"] == 0
    assert tell_due_for_review(world.sessions, clock.now) == 1
    assert tell_due_for_review(world.sessions, clock.now) == 0  # once
    with world.sessions() as session:
        told = list(session.scalars(select(Notification).where(
            Notification.subject.contains("待复核"))))
    assert [n.recipient_id for n in told] == [world.users["scjg_cs"].user_id]
    put(api, "scjg_cs", f"{ARTICLES}/{article['id']}",
        {**LICENCE, "review_on": "2026-11-26"})  # reviewed: a new date
    clock.now = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    assert tell_due_for_review(world.sessions, clock.now) == 1


def test_the_pages(api: Api, world: World) -> None:
    client = api.client
    published(api, LICENCE)
    faq = client.get("/faq", params={"q": "营业执照"})
    assert faq.status_code == 200 and "办理营业执照需要什么材料" in faq.text
    assert "<script" not in faq.text
    assert "没有找到" in client.get("/faq", params={"q": "结婚登记"}).text
    csrf = world.sign_in(client, "scjg_cs")
    listing = client.get("/knowledge")
    assert listing.status_code == 200 and "办理营业执照需要什么材料" in listing.text
    assert "知识库" in listing.text  # the menu lists it
    refused = client.post("/knowledge/new", data={**HOURS, "question": "", "csrf_token": csrf})
    assert refused.status_code == 422 and "请填写问题" in refused.text
    assert HOURS["answer"] in refused.text  # what was typed is kept
    bad_day = client.post("/knowledge/new", data={**HOURS, "review_on": "明天",
                                                  "csrf_token": csrf})
    assert bad_day.status_code == 422 and "复核日期应为日期" in bad_day.text
    made = client.post("/knowledge/new", data={**HOURS, "csrf_token": csrf},
                       follow_redirects=False)
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "草稿" in page.text and "历史版本" in page.text
    article_id = int(made.headers["location"].split("/")[2].split("?")[0])
    client.post(f"/knowledge/{article_id}/publish", data={"csrf_token": csrf})
    assert "营业时间" in client.get("/faq", params={"q": "营业时间"}).text
    again = client.post(f"/knowledge/{article_id}/publish", data={"csrf_token": csrf})
    assert again.status_code == 409 and "已发布" in again.text
    client.cookies.clear()
    assert client.get("/knowledge", follow_redirects=False).status_code in (303, 307)


def test_the_state_table() -> None:
    assert next_status(ArticleStatus.published, Move.publish) is None
    assert next_status(ArticleStatus.withdrawn, Move.withdraw) is None
    assert next_status(ArticleStatus.withdrawn, Move.edit) == ArticleStatus.draft
    assert len(TRANSITIONS) == 7


def test_query_words_drop_the_filler() -> None:
    assert query_words("请问怎么办理营业执照？") == ["办理", "营业执照"]
    assert query_words("   ") == []


def test_the_search_uses_the_full_text_index(api: Api, world: World, engine: Engine) -> None:
    """PostgreSQL answers a search from the GIN index over the words (the expression the
    service queries is the index's); SQLite from its FTS5 table."""
    published(api, LICENCE)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(connection.execute(text(
                f"EXPLAIN SELECT id FROM knowledge_articles WHERE ({PG_VECTOR}) @@ "
                "to_tsquery('simple', '营业执照')")).scalars())
            assert "ix_knowledge_articles_search" in plan, plan
        else:
            hits = connection.execute(text(
                "SELECT rowid FROM knowledge_search WHERE knowledge_search MATCH "
                "'\"营业执照\"'")).scalars().all()
            assert len(hits) == 1
