"""Catalog publishing: a draft submitted by upload (validated like `onething catalog load`),
reviewed by another administrator, published at once or on a day by the job, rolled back;
the catalog in force is the published version; an application keeps the version it was
submitted under."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from onething.cases import service as cases
from onething.cases.models import Application, Task
from onething.catalog import publishing
from onething.catalog import service as catalog_service
from onething.catalog.models import CatalogVersion
from onething.catalog.upload import read_upload
from onething.kernel.db import unit_of_work
from onething.kernel.errors import Conflict, Forbidden, Invalid
from onething.kernel.jobs import Run
from onething.kernel.principal import Role
from world import MONDAY, Api, World, submitted

REG_DAYS = "legal_days: 15\n    promised_days: 1\n"


def catalog_zip(basic_dir: Path, replace: tuple[str, str] | None = None,
                broken: bool = False) -> bytes:
    """The basic catalog as a zip of its folder, REG's promised days changed (`replace`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(basic_dir.glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            if replace and path.name == "items.yaml":
                assert replace[0] in text
                text = text.replace(replace[0], replace[1], 1)
            if broken and path.name == "items.yaml":
                text = text.replace("department: SCJG", "department: NOWHERE", 1)
            archive.writestr(f"catalog/{path.name}", text)
    return out.getvalue()


FIVE_DAYS = (REG_DAYS, "legal_days: 15\n    promised_days: 5\n")


@pytest.fixture
def admins(world: World) -> World:
    world.add_people([("admin2", Role.admin, "430000", None)])
    return world


def draft(world: World, basic_dir: Path, who: str = "admin") -> int:
    document, problems = read_upload(catalog_zip(basic_dir, FIVE_DAYS), "catalog.zip")
    with world.as_(who) as ctx:
        return publishing.submit(ctx.session, ctx.actor, document, problems, "catalog.zip",
                                 ctx.now).id


def current(world: World) -> CatalogVersion:
    with world.sessions() as session:
        found = catalog_service.current_version(session)
        assert found is not None
        session.expunge(found)
        return found


def promised_days_in_force(world: World) -> int:
    with world.sessions() as session:
        return catalog_service.CatalogCache().get(session).items["REG"].promised_days


def test_a_draft_is_reviewed_by_another_then_published_on_its_day(
        admins: World, basic_dir: Path) -> None:
    world = admins
    loaded = current(world)
    assert (loaded.status, loaded.publisher) == ("published", "命令行")  # the CLI's load
    version_id = draft(world, basic_dir)
    assert current(world).id == loaded.id  # a draft is not in force
    assert promised_days_in_force(world) == 1
    with world.as_("admin") as ctx:
        compared = publishing.compared(ctx.session, publishing.version(
            ctx.session, ctx.actor, version_id))
        assert compared.base is not None and compared.base.id == loaded.id
        assert [list(c.lines) for c in compared.changes.items] == [
            ["承诺办结时限：1 个工作日 → 5 个工作日"]]
        with pytest.raises(Conflict, match="审核人不能是提交人") as refused:
            publishing.review(ctx.session, ctx.actor, version_id, True, "", ctx.now)
        assert refused.value.code == "reviewer_is_author"
        with pytest.raises(Conflict, match="只有审核通过的版本可以发布"):
            publishing.publish(ctx.session, ctx.actor, version_id, None, ctx.now, ctx.today)
    with world.as_("admin2") as ctx:
        with pytest.raises(Invalid, match="退回须写明原因"):
            publishing.review(ctx.session, ctx.actor, version_id, False, " ", ctx.now)
        publishing.review(ctx.session, ctx.actor, version_id, False, "时限须经局务会确认",
                          ctx.now)
    with world.as_("admin2") as ctx:
        row = publishing.version(ctx.session, ctx.actor, version_id)
        assert (row.status, row.comment) == ("draft", "时限须经局务会确认")
        publishing.review(ctx.session, ctx.actor, version_id, True, "已确认", ctx.now)
    tomorrow = MONDAY.date().replace(day=MONDAY.day + 1)
    with world.as_("admin") as ctx:  # the author may publish what another reviewed
        publishing.publish(ctx.session, ctx.actor, version_id, tomorrow, ctx.now, ctx.today)
    assert current(world).id == loaded.id and promised_days_in_force(world) == 1
    with unit_of_work(world.sessions) as session:
        assert publishing.publish_due(session, MONDAY.date(), MONDAY) == 0
        assert publishing.publish_due(session, tomorrow, MONDAY) == 1
    now = current(world)
    assert (now.id, now.publisher, now.supersedes_id) == (version_id, "系统（定时发布）",
                                                          loaded.id)
    assert promised_days_in_force(world) == 5  # the cache takes the published version
    with world.sessions() as session:
        assert session.get_one(CatalogVersion, loaded.id).status == "superseded"


def test_the_job_publishes_what_is_due(admins: World, basic_dir: Path, tmp_path: Path) -> None:
    from onething.catalog.jobs import publish_scheduled
    from onething.kernel.config import Settings

    version_id = draft(admins, basic_dir)
    with admins.as_("admin2") as ctx:
        publishing.review(ctx.session, ctx.actor, version_id, True, "", ctx.now)
        publishing.publish(ctx.session, ctx.actor, version_id, MONDAY.date().replace(day=30),
                           ctx.now, ctx.today)
    run = Run(admins.sessions, Settings(data_dir=tmp_path), MONDAY)
    assert publish_scheduled(run) == "定时发布目录版本 0"
    run.now = MONDAY.replace(day=30)
    assert publish_scheduled(run) == "定时发布目录版本 1"
    assert current(admins).id == version_id


def test_a_version_reviewed_before_another_was_published_is_reviewed_again(
        admins: World, basic_dir: Path) -> None:
    """What the reviewer saw is what is published: once another version came into force,
    a reviewed one is refused until reviewed again against it, and the job sends a
    scheduled one back to draft."""
    world = admins
    first, second = draft(world, basic_dir), draft(world, basic_dir)
    with world.as_("admin2") as ctx:
        for version_id in (first, second):
            publishing.review(ctx.session, ctx.actor, version_id, True, "", ctx.now)
        publishing.publish(ctx.session, ctx.actor, first, None, ctx.now, ctx.today)
    with world.as_("admin2") as ctx:
        row = publishing.version(ctx.session, ctx.actor, second)
        compared = publishing.compared(ctx.session, row)
        assert compared.stale and compared.base is not None and compared.base.id == first
        assert publishing.steps(row, ctx.actor, compared.stale) == ["review"]
        with pytest.raises(Conflict, match="重新审核") as refused:
            publishing.publish(ctx.session, ctx.actor, second, None, ctx.now, ctx.today)
        assert refused.value.code == "catalog_changed"
    with world.as_("admin2") as ctx:  # reviewed again against the version in force
        publishing.review(ctx.session, ctx.actor, second, True, "已对照现行版本", ctx.now)
        publishing.publish(ctx.session, ctx.actor, second, None, ctx.now, ctx.today)
    assert current(world).id == second

    third = draft(world, basic_dir)
    with world.as_("admin2") as ctx:
        publishing.review(ctx.session, ctx.actor, third, True, "", ctx.now)
        publishing.publish(ctx.session, ctx.actor, third, MONDAY.date().replace(day=30),
                           ctx.now, ctx.today)
    with world.as_("admin") as ctx:  # a rollback comes into force before the day
        publishing.rollback(ctx.session, ctx.actor, "发现错误", ctx.now)
    with unit_of_work(world.sessions) as session:
        assert publishing.publish_due(session, MONDAY.date().replace(day=30), MONDAY) == 0
    with world.as_("admin") as ctx:
        row = publishing.version(ctx.session, ctx.actor, third)
        assert row.status == "draft" and "已退回草稿" in (row.comment or "")


def test_rollback_publishes_the_previous_content_once(admins: World, basic_dir: Path) -> None:
    world = admins
    first = current(world)
    with world.as_("admin") as ctx, pytest.raises(Conflict, match="没有可以回退") as refused:
        publishing.rollback(ctx.session, ctx.actor, "误发布", ctx.now)
    assert refused.value.code == "no_previous_version"
    version_id = draft(world, basic_dir)
    with world.as_("admin2") as ctx:
        publishing.review(ctx.session, ctx.actor, version_id, True, "", ctx.now)
        publishing.publish(ctx.session, ctx.actor, version_id, None, ctx.now, ctx.today)
    assert promised_days_in_force(world) == 5
    with world.as_("admin") as ctx:
        with pytest.raises(Invalid, match="回退须写明原因"):
            publishing.rollback(ctx.session, ctx.actor, "", ctx.now)
        back = publishing.rollback(ctx.session, ctx.actor, "时限有误", ctx.now).id
    now = current(world)
    assert (now.id, now.digest, now.rollback_of) == (back, first.digest, version_id)
    assert promised_days_in_force(world) == 1
    with world.sessions() as session:
        assert session.get_one(CatalogVersion, version_id).status == "rolled_back"
    with world.as_("admin") as ctx, pytest.raises(Conflict, match="没有可以回退"):
        publishing.rollback(ctx.session, ctx.actor, "再退", ctx.now)


def test_only_administrators_manage_versions_and_an_invalid_draft_is_not_kept(
        world: World, basic_dir: Path) -> None:
    document, problems = read_upload(catalog_zip(basic_dir, broken=True), "catalog.zip")
    assert document is None
    assert any(p.file == "catalog/items.yaml" and p.line > 0 and "NOWHERE" in p.message
               for p in problems)
    with world.as_("admin") as ctx, pytest.raises(Invalid, match="草稿未保存") as refused:
        publishing.submit(ctx.session, ctx.actor, document, problems, "catalog.zip", ctx.now)
    assert refused.value.problems[0].field.startswith("catalog/items.yaml:")
    for who in ("clerk_furong", "supervisor_cs"):
        with world.as_(who) as ctx, pytest.raises(Forbidden):
            publishing.versions(ctx.session, ctx.actor)
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CatalogVersion)) == 1
    assert read_upload(b"not a catalog", "x.txt")[1][0].message.startswith("请上传")


def test_an_application_keeps_the_version_it_was_submitted_under(
        admins: World, basic_dir: Path) -> None:
    world = admins
    app_id = submitted(world)  # under the basic catalog: REG promised in 1 working day
    version_id = draft(world, basic_dir)
    with world.as_("admin2") as ctx:
        publishing.review(ctx.session, ctx.actor, version_id, True, "", ctx.now)
        publishing.publish(ctx.session, ctx.actor, version_id, None, ctx.now, ctx.today)
    with world.sessions() as session:
        in_force = catalog_service.CatalogCache().get(session)
    assert in_force.items["REG"].promised_days == 5
    world.catalog = in_force  # the window works under the new version
    with world.as_("clerk_furong") as ctx:
        cases.decide_at_window(ctx, app_id, cases.WindowDecision("accept"))
    with world.sessions() as session:
        app = session.get_one(Application, app_id)
        task = session.scalars(select(Task).where(Task.application_id == app_id)).one()
        assert app.catalog_version_id == current_version_before(session, version_id)
        assert (task.promised_days, task.legal_days) == (1, 15)  # the version it started with
        assert app.guide["promised_days"] == 1
    later = submitted(world)  # a new application: the version in force
    with world.sessions() as session:
        assert session.get_one(Application, later).catalog_version_id == version_id


def current_version_before(session: object, version_id: int) -> int:
    found = session.get_one(CatalogVersion, version_id).supersedes_id  # type: ignore[attr-defined]
    assert found is not None
    return int(found)


def test_the_api_submits_reviews_and_publishes(api: Api, world: World,
                                               basic_dir: Path) -> None:
    world.add_people([("admin2", Role.admin, "430000", None)])
    bad = api.client.post("/api/v1/catalog/versions", headers=api.login("admin"), files={
        "file": ("catalog.zip", catalog_zip(basic_dir, broken=True), "application/zip")})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json")
    assert any(p["field"].startswith("catalog/items.yaml:") and "NOWHERE" in p["message"]
               for p in bad.json()["errors"])
    refused = api.client.post("/api/v1/catalog/versions", headers=api.login("clerk_furong"),
                              files={"file": ("c.zip", b"x", "application/zip")})
    assert refused.status_code == 403
    made = api.client.post("/api/v1/catalog/versions", headers=api.login("admin"), files={
        "file": ("catalog.zip", catalog_zip(basic_dir, FIVE_DAYS), "application/zip")})
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["status"], body["status_name"], body["author"]) == ("draft", "草稿", "admin")
    assert body["diff"]["items"] == [{
        "kind": "changed", "code": "REG", "name": "营业执照（设立登记）",
        "lines": ["承诺办结时限：1 个工作日 → 5 个工作日"],
        "within": ["快速开店", "我要开便利店"]}]
    path = f"/api/v1/catalog/versions/{body['id']}"
    own = api.post("admin", f"{path}/review", {"verdict": "reviewed"})
    assert own.status_code == 409 and own.json()["code"] == "reviewer_is_author"
    early = api.post("admin2", f"{path}/publish", {})
    assert early.status_code == 409 and early.json()["code"] == "not_reviewed"
    assert api.post("admin2", f"{path}/review", {"verdict": "reviewed"}).status_code == 200
    published = api.post("admin2", f"{path}/publish", {})
    assert published.json()["status"] == "published"
    guide = api.client.get("/api/v1/items/REG").json()
    assert guide["promised_days"] == 5  # this process's catalog refreshed at once
    listed = api.get("admin", "/api/v1/catalog/versions").json()
    assert [v["status"] for v in listed] == ["published", "superseded"]
    back = api.post("admin", "/api/v1/catalog/rollback", {"reason": "误发布"})
    assert back.status_code == 201 and back.json()["rollback_of"] == body["id"]
    again = api.post("admin", "/api/v1/catalog/rollback", {"reason": "再退"})
    assert again.status_code == 409 and again.json()["code"] == "no_previous_version"


def test_the_pages_show_the_changes_and_take_the_review_and_publication(
        api: Api, world: World, basic_dir: Path) -> None:
    world.add_people([("admin2", Role.admin, "430000", None)])
    client = api.client
    csrf = world.sign_in(client, "admin")
    bad = client.post("/admin/catalog", data={"csrf_token": csrf}, files={
        "file": ("catalog.zip", catalog_zip(basic_dir, broken=True), "application/zip")})
    assert bad.status_code == 422 and "草稿未保存" in bad.text
    assert "catalog/items.yaml:" in bad.text and "NOWHERE" in bad.text
    made = client.post("/admin/catalog", data={"csrf_token": csrf}, files={
        "file": ("catalog.zip", catalog_zip(basic_dir, FIVE_DAYS), "application/zip")},
        follow_redirects=True)
    assert made.status_code == 200 and "草稿已提交" in made.text
    assert "承诺办结时限：1 个工作日 → 5 个工作日" in made.text and 'id="own-draft"' in made.text
    assert "所在的一件事：快速开店、我要开便利店" in made.text
    address = str(made.url.path)
    csrf = world.sign_in(client, "admin2")
    returned = client.post(f"{address}/review", data={"csrf_token": csrf, "verdict": "returned",
                                                       "comment": ""})
    assert returned.status_code == 422 and "请写明退回的原因" in returned.text
    reviewed = client.post(f"{address}/review", data={"csrf_token": csrf,
                                                       "verdict": "reviewed"},
                           follow_redirects=True)
    assert "已审核通过" in reviewed.text and 'action="' + address + '/publish"' in reviewed.text
    published = client.post(f"{address}/publish", data={"csrf_token": csrf, "on": ""},
                            follow_redirects=True)
    assert "已发布，现为现行目录" in published.text
    listed = client.get("/admin/catalog")
    assert "现行版本" in listed.text and 'id="rollback-h"' in listed.text
