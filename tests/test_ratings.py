"""好差评, 差评整改 and the statistics they feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.figures import StatsQuery
from onething.cases.service import Submission
from onething.files import service as files
from onething.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from onething.outbox.models import Notification
from onething.ratings import codes
from onething.ratings import service as ratings
from onething.ratings.figures import rating_figures
from onething.ratings.models import RatingCode, Rectification
from onething.ratings.service import RatingInput
from onething.supervision.models import Card
from onething.supervision.stats import statistics
from onething.supervision.sweep import sweep
from samples import FORM, OWNED, PDF
from world import World, accepted

D = dt.date
NOVEMBER = StatsQuery(D(2026, 11, 1), D(2026, 11, 30))


def finished(world: World, who: str = "zhang") -> int:
    """An application of one item (REG), accepted and approved: completed."""
    app_id = accepted(world, who)
    with world.as_("scjg_furong") as ctx:
        task = cases.view(ctx, app_id).tasks[0]
        tasks.decide(ctx, task.id, tasks.Decision("approve", task.version))
    return app_id


def rate(world: World, who: str, app_id: int, level: int, comment: str | None = None,
         target: str = "department", **indicators: int) -> None:
    """A rating of the deciding 市场监管 office (or of the window)."""
    with world.as_(who) as ctx:
        ratings.rate(ctx, app_id, RatingInput(level, indicators, comment,
                                              "SCJG" if target == "department" else None,
                                              target), rectification_days=15)


def figures(world: World, q: StatsQuery = NOVEMBER) -> dict[str, object]:
    with world.as_("supervisor_cs") as ctx:
        rated = rating_figures(ctx.session, ctx.catalog, q)
        return statistics(ctx.session, ctx.catalog, q, rated).as_dict()


def test_rating_rules(world: World) -> None:
    with world.as_("zhang") as ctx:
        scan = files.store(ctx.session, world.files_root, ctx.actor, "id.pdf", PDF).id
        early = cases.submit(ctx, Submission(
            bundle="STORE", region="430102",
            answers=OWNED, form=FORM,
            materials={"ID_CARD": {"file": scan}})).id
    with pytest.raises(Conflict, match="尚未受理"):
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
    with pytest.raises(Forbidden):
        rate(world, "clerk_furong", app_id, 1, "窗口代改")  # staff cannot change it either


def test_a_rating_names_the_window_or_a_deciding_department(world: World) -> None:
    app_id = finished(world)
    with world.as_("zhang") as ctx:
        with pytest.raises(Invalid) as no_target:
            ratings.rate(ctx, app_id, RatingInput(5, {}), rectification_days=15)
        assert no_target.value.problems[0].field == "target"
        with pytest.raises(Invalid) as not_deciding:
            ratings.rate(ctx, app_id, RatingInput(5, {}, None, "YC", "department"),
                         rectification_days=15)
        assert "市场监督管理局" in not_deciding.value.problems[0].message
        names = [t.name for t in ratings.targets(ctx, cases.view(ctx, app_id).application)]
        assert names == ["芙蓉区政务服务综合窗口", "芙蓉区市场监督管理局"]
    with pytest.raises(Invalid):
        rate(world, "zhang", app_id, 5, None, "window", efficiency=5)  # an online indicator
    rate(world, "zhang", app_id, 1, "窗口让我排了两小时", "window", attitude=2)
    with world.as_("zhang") as ctx:
        rating, rect = ratings.rating_of(ctx, app_id)
        assert rating is not None and (rating.target, rating.department_code) == ("window", None)
        assert rect is not None and rect.target == "window" and rect.region_code == "430102"
    with world.as_("scjg_furong") as ctx:  # not the office rated
        assert ratings.rectifications(ctx) == []
    with world.as_("clerk_zhuzhou") as ctx:
        assert ratings.rectifications(ctx) == []
    with world.as_("clerk_furong") as ctx:
        assert [r.id for r in ratings.rectifications(ctx)] == [rect.id]
        ratings.advance(ctx, rect.id, "verify", "已回访，申请人反映属实")
        with pytest.raises(Forbidden):  # nobody judges their own
            ratings.advance(ctx, rect.id, "decide", "不属实", justified=False)
    with world.as_("supervisor_zz") as ctx, pytest.raises(NotFound):  # out of scope
        ratings.advance(ctx, rect.id, "decide", "属实", justified=True)
    with world.as_("supervisor_cs") as ctx:
        ratings.advance(ctx, rect.id, "decide", "差评属实，窗口须整改", justified=True)
    with world.as_("clerk_furong") as ctx:
        ratings.advance(ctx, rect.id, "rectify", "增开一个综合窗口")
        closed = ratings.advance(ctx, rect.id, "follow_up", "回访满意")
        assert closed.status == "closed" and closed.on_time is True
    s = figures(world)
    assert (s["bad"], s["rectified"], s["rectification_rate"]) == (1, 1, 1.0)
    # not a department's: the row of the windows has it, counted as the summary counts it
    assert [(d["department"], d["ratings"], d["rectification_rate"]) for d in s["departments"]
            if d["ratings"]] == [("", 1, 1.0)]


def test_staff_never_rate_for_the_applicant(world: World) -> None:
    app_id = finished(world)
    with pytest.raises(Forbidden, match="扫码"):
        rate(world, "clerk_furong", app_id, 5, None, "window")
    with pytest.raises(NotFound):
        rate(world, "clerk_zhuzhou", app_id, 5, None, "window")  # not this window's case
    with pytest.raises(Forbidden):
        rate(world, "scjg_furong", app_id, 5)  # staff who may see it still may not rate


def rate_by_code(world: World, code: str, level: int = 4, comment: str | None = None,
                 now: dt.datetime | None = None) -> None:
    with world.sessions() as session, session.begin():
        codes.rate_with_code(session, world.catalog, now or world.now, code,
                             RatingInput(level, {"attitude": 5}, comment, None, "window"),
                             rectification_days=15)


def test_the_applicant_rates_on_their_phone_with_the_receipts_code(world: World) -> None:
    app_id, other = finished(world), finished(world, "li")
    with world.as_("clerk_furong") as ctx:
        first = codes.issue(ctx, app_id, 30).code
        issued = codes.issue(ctx, app_id, 30)  # printed again: the first stops working
        codes.issue(ctx, other, 30)
    with world.as_("clerk_zhuzhou") as ctx, pytest.raises(NotFound):
        codes.issue(ctx, app_id, 30)
    with world.as_("zhang") as ctx, pytest.raises(Forbidden):
        codes.issue(ctx, app_id, 30)
    code = issued.code
    assert len(code) == 10 and set(code) <= set(codes.ALPHABET)
    with world.sessions() as session:  # only the hash is kept
        stored = list(session.scalars(select(RatingCode.code_hash)))
        assert code not in stored and codes.digest(code) in stored
    with pytest.raises(Conflict, match="过期"):
        rate_by_code(world, first)
    with pytest.raises(NotFound):
        rate_by_code(world, "ABCDE-FGHJK")
    with pytest.raises(Conflict, match="过期"):
        rate_by_code(world, code, now=world.now + dt.timedelta(days=31))
    rate_by_code(world, codes.shown(code).lower(), 2, "等了很久")  # typed as on the receipt
    with pytest.raises(Conflict, match="只能评价一次"):  # the window, rated: SCJG is left
        rate_by_code(world, code, 5)
    with world.as_("zhang") as ctx:
        rating, rect = ratings.rating_of(ctx, app_id)
        assert rating is not None and rating.channel == "code" and rating.target == "window"
        assert rating.taken_by_id is None and rect is not None
    with world.as_("li") as ctx:
        assert ratings.rating_of(ctx, other)[0] is None  # that code was for zhang's only


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
        with pytest.raises(Forbidden):  # the office rated does not judge itself
            ratings.advance(ctx, rect.id, "decide", "不属实", justified=False)
    with world.as_("supervisor_cs") as ctx:
        with pytest.raises(Invalid):
            ratings.advance(ctx, rect.id, "decide", "属实")  # justified must be said
        with pytest.raises(Forbidden):
            ratings.advance(ctx, rect.id, "rectify", "监察代为整改")
        ratings.advance(ctx, rect.id, "decide", "差评属实，已向申请人致歉", justified=True)
    with world.as_("scjg_furong") as ctx:
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


def test_the_rectification_rate_counts_justified_ratings_rectified_in_time(
        world: World) -> None:
    """整改率: justified bad ratings rectified by their due date, over the bad ratings not
    judged unjustified."""
    found = {}
    for name in ("on_time", "late", "unjustified", "undecided"):
        app_id = finished(world)
        rate(world, "zhang", app_id, 1, f"差评 {name}")
        with world.as_("zhang") as ctx:
            found[name] = ratings.rating_of(ctx, app_id)[1]

    def step(who: str, name: str, action: str, now: dt.datetime | None = None,
             justified: bool | None = None) -> None:
        with world.as_(who, now) as ctx:
            ratings.advance(ctx, found[name].id, action, "办理情况", justified)

    late = world.day(D(2026, 12, 15))  # due 2026-12-14
    for name, justified, when in (("on_time", True, None), ("late", True, late),
                                  ("unjustified", False, None)):
        step("scjg_furong", name, "verify")
        step("supervisor_cs", name, "decide", justified=justified)
        if justified:
            step("scjg_furong", name, "rectify")
        step("scjg_furong", name, "follow_up", when)
    s = figures(world)
    assert (s["bad"], s["unjustified"], s["rectified"]) == (4, 1, 1)
    assert s["rectification_rate"] == round(1 / 3, 4)
    scjg = next(d for d in s["departments"] if d["department"] == "SCJG")
    assert scjg["rectification_rate"] == round(1 / 3, 4)
