"""The periodic jobs each domain registers, run in one order by `serve` and `worker`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from onething.kernel.config import Settings
from onething.kernel.jobs import NotReady, Run, jobs, run_all
from world import MONDAY, accepted, build_world


def test_a_run_sweeps_then_invites_then_sends() -> None:
    assert [(j.name, j.work.__module__) for j in jobs()] == [
        ("catalog_publication", "onething.catalog.jobs"),
        ("check_draws", "onething.commitments.jobs"),
        ("library_statuses", "onething.library.jobs"),
        ("sweep", "onething.supervision.jobs"),
        ("policy_matching", "onething.policies.jobs"),
        ("rating_invitations", "onething.ratings.jobs"),
        ("knowledge_review", "onething.knowledge.jobs"),
        ("disclosure_lapse", "onething.disclosure.jobs"),
        ("outbox", "onething.outbox.jobs"),
        ("exchange", "onething.exchange.jobs")]


def test_a_run_says_what_each_job_did(sessions: sessionmaker[Session], basic_dir: Path,
                                      tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(NotReady, match="尚未加载事项目录"):  # nothing runs without a catalog
        run_all(Run(sessions, settings, MONDAY))
    world = build_world(sessions, basic_dir, tmp_path / "files")
    accepted(world)
    said = run_all(Run(sessions, settings, MONDAY.replace(year=2027)))
    terminated, matched, invited, reviewed, lapsed, sent, exchanged = said.split("；")[-7:]
    assert said.startswith("定时发布目录版本 0；核查抽取 0；文件库效力：0 件文件的效力已更新；"
                           "检查：部门事项 1，办件 1；新亮牌：预警 2，黄牌 2，红牌 2")
    assert (terminated, invited) == ("逾期未补齐容缺而终止：0", "评价邀请 0")
    # the basic catalog's one policy reads no shared data set: nobody to match or stop
    assert matched == "政策比对：1 项政策，新符合 0，停发 0"
    assert reviewed == "知识复核提醒 0" and lapsed == "依申请公开逾期未补正 0"
    assert sent.startswith("已发送通知 ") and int(sent.split()[-1]) > 0
    assert exchanged == "跨省通办未开通"  # no platform, key or partners in these settings
