"""好差评, 差评整改 and the statistics they feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.service import Submission
from onething.errors import Conflict, Forbidden, Invalid, NotFound
from onething.files import service as files
from onething.ratings import service as ratings
from onething.ratings.models import Rectification
from onething.ratings.service import RatingInput
from onething.supervision.models import Card, Notification
from onething.supervision.stats import StatsQuery, statistics
from onething.supervision.sweep import sweep
from world import World, accepted, build_world

PDF = b"%PDF-1.4\n%%EOF\n"
D = dt.date
NOVEMBER = StatsQuery(D(2026, 11, 1), D(2026, 11, 30))


@pytest.fixture
def world(sessions: sessionmaker[Session], basic_dir: Path, tmp_path: Path) -> World:
    return build_world(sessions, basic_dir, tmp_path / "files")


def finished(world: World, who: str = "zhang") -> int:
    """An application of one item (REG), accepted and approved: completed."""
    app_id = accepted(world, who)
    with world.as_("scjg_furong") as ctx:
        task = cases.view(ctx, app_id).tasks[0]
        tasks.decide(ctx, task.id, tasks.Decision("approve", task.version))
    return app_id


def rate(world: World, who: str, app_id: int, level: int, comment: str | None = None,
         **indicators: int) -> None:
    with world.as_(who) as ctx:
        ratings.rate(ctx, app_id, RatingInput(level, indicators, comment),
                     rectification_days=15)


def figures(world: World, q: StatsQuery = NOVEMBER) -> dict[str, object]:
    with world.as_("supervisor_cs") as ctx:
        return statistics(ctx.session, ctx.catalog, q).as_dict()


def test_rating_rules(world: World) -> None:
    with world.as_("zhang") as ctx:
        scan = files.store(ctx.session, world.files_root, ctx.actor, "id.pdf", PDF).id
        early = cases.submit(ctx, Submission(
            bundle="STORE", region="430102",
            answers={"premises": "owned", "sells_food": False, "shop_area": 10},
            form={"applicant_name": "张三", "id_number": "11010519491231002X"},
            materials={"ID_CARD": {"file": scan}})).id
    with pytest.raises(Conflict, match="尚未办结"):
        rate(world, "zhang", early, 5)
    app_id = finished(world)
    with pytest.raises(NotFound):
        rate(world, "li", app_id, 1, "不是我的")
    with pytest.raises(Invalid) as no_reason:
        rate(world, "zhang", app_id, 1)
    assert no_reason.value.problems[0].field == "comment"
    with pytest.raises(Invalid):
        rate(world, "zhang", app_id, 4, attitude=5)  # a window indicator, rated online
    rate(world, "zhang", app_id, 5, efficiency=5, guide_accuracy=4)
    with pytest.raises(Conflict, match="只能评价一次"):
        rate(world, "zhang", app_id, 1, "改主意了")
    with pytest.raises(Conflict):
        rate(world, "clerk_furong", app_id, 1, "窗口代改")  # staff cannot change it either


def test_clerk_takes_a_rating_on_the_tablet(world: World) -> None:
    app_id = finished(world)
    with pytest.raises(NotFound):
        rate(world, "clerk_zhuzhou", app_id, 5)  # not this window's case
    with pytest.raises(Forbidden):
        rate(world, "scjg_furong", app_id, 5)  # staff who may see it still may not rate
    rate(world, "clerk_furong", app_id, 4, service_efficiency=4, attitude=5)
    with world.as_("zhang") as ctx:
        rating, _ = ratings.rating_of(ctx, app_id)
        assert rating is not None and rating.channel == "window"
        assert rating.taken_by_id == world.users["clerk_furong"].user_id


def test_a_bad_rating_goes_through_rectification_and_the_figures_follow(world: World) -> None:
    good, bad = finished(world), finished(world)
    rate(world, "zhang", good, 5)
    rate(world, "zhang", bad, 1, "窗口让我跑了三次")
    before = figures(world)
    assert (before["ratings"], before["good"], before["bad"]) == (2, 1, 1)
    assert before["good_rate"] == 0.5 and before["rectification_rate"] == 0.0
    with world.sessions() as session:
        rect = session.scalars(select(Rectification)).one()
        assert rect.status == "verifying" and rect.department_code == "SCJG"
        assert rect.due_on == D(2026, 12, 14)  # 15 working days after 11-23
        told = list(session.scalars(select(Notification.recipient_id).where(
            Notification.subject.contains("差评"))))
        assert world.users["scjg_furong"].user_id in told
    with world.as_("yc_furong") as ctx, pytest.raises(NotFound):
        ratings.advance(ctx, rect.id, "verify", "不是我们的")
    with world.as_("scjg_furong") as ctx:
        with pytest.raises(Conflict):
            ratings.advance(ctx, rect.id, "rectify", "跳过核实")
        ratings.advance(ctx, rect.id, "verify", "已电话回访，申请人反映属实")
        with pytest.raises(Invalid):
            ratings.advance(ctx, rect.id, "decide", "属实")  # justified must be said
        ratings.advance(ctx, rect.id, "decide", "差评属实，已向申请人致歉", justified=True)
        ratings.advance(ctx, rect.id, "rectify", "窗口推行一次性告知清单")
        ratings.advance(ctx, rect.id, "follow_up", "再次回访，申请人表示满意")
    with world.as_("zhang") as ctx:
        _, seen = ratings.rating_of(ctx, bad)
        assert seen is not None and seen.status == "closed"
        assert seen.response is not None and "致歉" in seen.response and "清单" in seen.response
    with world.as_("supervisor_cs") as ctx:
        ratings.advance(ctx, rect.id, "review", "整改到位")
    after = figures(world)
    assert after["rectified"] == 1 and after["rectification_rate"] == 1.0
    scjg = next(d for d in after["departments"] if d["department"] == "SCJG")
    assert (scjg["ratings"], scjg["bad"], scjg["rectified"]) == (2, 1, 1)


def test_an_overdue_rectification_gets_a_card_where_the_profile_says_so(
        world: World, tmp_path: Path) -> None:
    from onething.supervision.profile import load_profile

    app_id = finished(world)
    rate(world, "zhang", app_id, 2, "态度不好")
    sweep(world.sessions, world.catalog, world.day(D(2026, 12, 15)))  # Hunan's: no such rule
    with world.sessions() as session:
        assert not {c.subject for c in session.scalars(select(Card))} & {"rectification"}
    own = tmp_path / "rectifying.yaml"
    own.write_text("code: r\nname: 整改也亮牌\nchecks:\n  rectification:\n"
                   "    yellow: {after: 0}\n", encoding="utf-8")
    raised = sweep(world.sessions, world.catalog, world.day(D(2026, 12, 15)),
                   load_profile(str(own))).raised
    assert raised == {"yellow": 1}
    with world.sessions() as session:
        subjects = {(c.subject, c.kind) for c in session.scalars(select(Card))}
    assert ("rectification", "yellow") in subjects


def test_statistics_of_an_empty_period_are_zeros(world: World) -> None:
    finished(world)
    empty = figures(world, StatsQuery(D(2020, 1, 1), D(2020, 1, 31)))
    assert empty["received"] == empty["completed"] == empty["ratings"] == 0
    # rates and averages over nothing are not 0 but absent (shown as "—")
    assert empty["on_time_rate"] is empty["good_rate"] is empty["average_days"] is None
    assert empty["departments"] == [] and empty["months"] == []


def test_statistics_count_what_happened(world: World) -> None:
    for _ in range(3):
        finished(world)
    s = figures(world)
    assert (s["received"], s["accepted"], s["completed"]) == (3, 3, 3)
    assert s["on_time_rate"] == 1.0 and s["online_rate"] == 1.0
    assert s["average_days"] == 0.0 and s["speed_up_legal"] == 1.0
    assert s["materials_saved"] >= 0
    assert s["months"] == [{"month": "2026-11", "received": 3, "completed": 3}]
    other_city = figures(world, StatsQuery(D(2026, 11, 1), D(2026, 11, 30), region="430200"))
    assert other_city["received"] == 0
    by_department = figures(world, StatsQuery(D(2026, 11, 1), D(2026, 11, 30),
                                               department="YC"))
    assert by_department["received"] == 0


def test_an_applicant_who_has_not_rated_is_invited_once(world: World) -> None:
    app_id = finished(world)
    with world.as_("clerk_furong") as ctx:
        cases.deliver(ctx, app_id, "window")
    monday = world.day(D(2026, 11, 23))
    assert ratings.invite_to_rate(world.sessions, monday + dt.timedelta(days=2), 3) == 0
    assert ratings.invite_to_rate(world.sessions, monday + dt.timedelta(days=4), 3) == 1
    assert ratings.invite_to_rate(world.sessions, monday + dt.timedelta(days=9), 3) == 0
    with world.sessions() as session:
        invites = list(session.scalars(select(Notification).where(
            Notification.recipient_id == world.users["zhang"].user_id)))
    assert len(invites) == 1 and "评价" in invites[0].subject
