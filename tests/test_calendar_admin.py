"""The working-day calendar and the settings in force for administrators, on both
databases: a holiday notice previewed (the days it changes, the open deadlines it moves,
nothing written), then loaded with the preview's key (the deadlines recomputed, audited);
bad files named by line or value, non-administrators refused, a stale preview refused;
the settings page shows the card profile and never a secret."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from onething.audit.models import AuditRecord
from onething.calendar.models import CalendarNotice
from onething.cases import deadlines
from onething.cases.models import DUE_AT_ONCE, Application, Task
from onething.kernel.clock import CHINA
from onething.kernel.errors import Conflict, Forbidden
from onething.kernel.principal import Role
from world import Api, World, accepted, client_for

NOTICE = (Path(__file__).resolve().parents[1] / "docs" / "notice-2027.example.yaml"
          ).read_bytes()


@pytest.fixture
def before_spring(world: World) -> int:
    """An application accepted on 4 February 2027, before a 春节 not yet announced: its
    (and its task's) one working day ends on 9 February by the law alone (5–8 February
    off); the notice's further days off (9–12 February) move it to the 15th. One accepted
    on 1 February (due the 2nd) does not move."""
    world.now = dt.datetime(2027, 2, 1, 10, tzinfo=CHINA)
    accepted(world, "li")
    world.now = dt.datetime(2027, 2, 4, 10, tzinfo=CHINA)
    app_id = accepted(world)
    world.add_people([("admin_cs", Role.admin, "430100", None)])
    return app_id


def _deadlines(world: World, app_id: int) -> tuple[dt.date | None, list[dt.date | None]]:
    with world.sessions() as session:
        app = session.get(Application, app_id)
        assert app is not None
        tasks = session.scalars(select(Task.deadline).where(Task.application_id == app_id))
        return app.deadline, list(tasks)


def _count(world: World, model: type) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_preview_names_the_deadlines_it_moves_and_writes_nothing(
        world: World, before_spring: int) -> None:
    assert _deadlines(world, before_spring) == (dt.date(2027, 2, 9), [dt.date(2027, 2, 9)])
    audited = _count(world, AuditRecord)
    with world.as_("admin") as ctx:
        seen = deadlines.preview(ctx.session, ctx.actor, ctx.catalog.regions, NOTICE)
    assert seen.notice.year == 2027 and not seen.replaces
    changed = {d.date: d.workday for d in seen.days}
    assert changed[dt.date(2027, 2, 9)] is False and changed[dt.date(2027, 2, 20)] is True
    assert dict(seen.moves.counts) == {"task": 1, "application": 1}
    assert {(m.kind, m.before, m.after) for m in seen.moves.sample} == {
        (kind, dt.date(2027, 2, 9), dt.date(2027, 2, 15)) for kind in ("task", "application")}
    assert all(m.name and m.number for m in seen.moves.sample)
    # nothing written: no notice, the same deadlines, nothing audited
    assert _count(world, CalendarNotice) == 0 and _count(world, AuditRecord) == audited
    assert _deadlines(world, before_spring) == (dt.date(2027, 2, 9), [dt.date(2027, 2, 9)])

    # a city's administrator: not for the whole platform
    with world.as_("admin_cs") as ctx, pytest.raises(Forbidden):
        deadlines.preview(ctx.session, ctx.actor, ctx.catalog.regions, NOTICE)
    with world.as_("admin") as ctx:
        loaded = deadlines.load(ctx.session, ctx.actor, ctx.catalog.regions, NOTICE, seen.key)
    assert loaded.moves.total == 2 and loaded.year == 2027
    assert _deadlines(world, before_spring) == (dt.date(2027, 2, 15), [dt.date(2027, 2, 15)])
    with world.sessions() as session:
        app = session.get(Application, before_spring)
        assert app is not None and not app.deadline_provisional
        assert app.next_check_on == DUE_AT_ONCE  # the sweep reads it again at once
        actions = set(session.scalars(select(AuditRecord.action).where(
            AuditRecord.subject == "calendar", AuditRecord.actor == "admin")))
    assert actions == {"load_holiday_notice", "recompute_deadlines"}
    with world.as_("admin") as ctx:  # the same key again: the calendar has changed since
        with pytest.raises(Conflict):
            deadlines.load(ctx.session, ctx.actor, ctx.catalog.regions, NOTICE, seen.key)
        again = deadlines.preview(ctx.session, ctx.actor, ctx.catalog.regions, NOTICE)
    assert again.replaces and again.days == [] and again.moves.total == 0


def _upload(api: Api, who: str, data: bytes, **params: str) -> Any:
    return api.client.post("/api/v1/calendar/notices", params=params,
                           files={"file": ("notice.yaml", data, "text/yaml")},
                           headers=api.login(who))


def test_the_api_previews_then_loads_and_refuses_what_it_must(
        api: Api, world: World, before_spring: int) -> None:
    assert api.get("admin", "/api/v1/calendar/notices").json() == []
    seen = _upload(api, "admin", NOTICE)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["loaded"] is False and body["moved"] == {"task": 1, "application": 1}
    assert body["sample"][0]["before"] == "2027-02-09"
    assert body["sample"][0]["after"] == "2027-02-15"
    assert _count(world, CalendarNotice) == 0

    for who in ("clerk_furong", "supervisor_cs", "admin_cs"):
        refused = _upload(api, who, NOTICE)
        assert refused.status_code == 403, who
    assert api.get("clerk_furong", "/api/v1/calendar/notices").status_code == 403
    broken = _upload(api, "admin", b"year: 2027\nholidays: [{name: \xe6\x98\xa5, from: 2027-\n")
    assert broken.status_code == 422
    assert "application/problem+json" in broken.headers["content-type"]
    assert "行" in broken.json()["detail"]
    wrong_year = _upload(api, "admin", b"year: 2027\nworkdays: [2030-01-02]\n")
    assert wrong_year.status_code == 422
    assert "2030-01-02" in wrong_year.json()["detail"]
    bad_date = _upload(api, "admin", b"year: 2027\nworkdays: [2027-02-30]\n")
    assert bad_date.status_code == 422
    no_key = _upload(api, "admin", NOTICE, dry_run="false")
    assert no_key.status_code == 422
    unknown = _upload(api, "admin", NOTICE, dry_run="false", preview="0" * 32)
    assert unknown.status_code == 409
    assert unknown.json()["code"] == "stale_preview"
    assert _count(world, CalendarNotice) == 0

    done = _upload(api, "admin", NOTICE, dry_run="false", preview=body["preview"])
    assert done.status_code == 200, done.text
    assert done.json()["loaded"] is True
    assert done.json()["moved_total"] == 2
    [year] = api.get("admin", "/api/v1/calendar/notices").json()
    assert (year["year"], year["loaded_by"], year["workdays"]) == (2027, "admin", 4)
    app = api.get("zhang", f"/api/v1/applications/{before_spring}").json()
    assert app["deadline"] == "2027-02-15" and app["deadline_provisional"] is False
    stale = _upload(api, "admin", NOTICE, dry_run="false", preview=body["preview"])
    assert stale.status_code == 409


def test_the_pages_preview_and_load_without_javascript(api: Api, world: World,
                                                       before_spring: int) -> None:
    client = api.client
    csrf = world.sign_in(client, "admin")
    assert "尚未加载任何年份" in client.get("/admin/calendar").text
    bad = client.post("/admin/calendar/preview", data={"csrf_token": csrf},
                      files={"file": ("n.yaml", b"year: 2027\nworkdays: [2027-13-01]\n")})
    assert bad.status_code == 422 and "日期" in bad.text
    shown = client.post("/admin/calendar/preview", data={"csrf_token": csrf},
                        files={"file": ("n.yaml", NOTICE)})
    assert shown.status_code == 200 and "2027-02-09" in shown.text
    assert "2027-02-15" in shown.text and _count(world, CalendarNotice) == 0
    fields = dict(re.findall(r'name="(document|preview)" value="([^"]+)"', shown.text))
    tampered = client.post("/admin/calendar/load", data={
        "csrf_token": csrf, "document": fields["document"], "preview": "f" * 32})
    assert tampered.status_code == 409 and _count(world, CalendarNotice) == 0
    done = client.post("/admin/calendar/load", data={"csrf_token": csrf, **fields},
                       follow_redirects=True)
    assert done.status_code == 200 and "已加载 2027 年放假安排，2 个" in done.text
    assert 'id="year-2027"' in done.text
    clerk = world.sign_in(client, "clerk_furong")
    assert client.post("/admin/calendar/load", data={"csrf_token": clerk, **fields}
                       ).status_code == 403


def test_the_settings_page_shows_the_rules_in_force_and_no_secret(
        engine: Engine, world: World, tmp_path: Path) -> None:
    secret = "hunter2-very-secret"
    with client_for(engine, tmp_path, database_url=f"postgresql://u:{secret}@db/x",
                    exchange_key=tmp_path / "private.key") as client:
        world.sign_in(client, "admin")
        page = client.get("/admin/settings")
        assert page.status_code == 200
        text = page.text
        assert secret not in text and "private.key" not in text
        assert "已设置（不显示）" in text
        assert "湖南省行政效能电子监察" in text and "政府信息公开申请答复" in text
        assert "承诺办结时限前 2 个工作日起" in text  # the case's warning, in words
        assert "依申请公开补正期限" in text and "15 个工作日" in text
        kind = "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite"
        assert kind in text and world.catalog.version[:12] in text
        assert "平台内置放假安排的年份" in text and "2004—2026 年" in text
        world.sign_in(client, "supervisor_cs")
        assert client.get("/admin/settings", follow_redirects=False).status_code == 303
