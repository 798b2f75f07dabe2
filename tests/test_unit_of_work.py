"""The unit of work owns the commit: a step is committed when it succeeds and leaves nothing
when it is refused; no route or page commits by hand."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

import onething
from onething.app import create_app
from onething.cases import service as cases
from onething.cases.models import Application
from onething.identity.models import LoginThrottle
from onething.kernel.config import Settings
from onething.kernel.db import UnitOfWork, keep_refusal, session_factory
from onething.kernel.errors import Invalid
from world import MONDAY, PASSWORD, PDF, build_world

SOURCE = Path(onething.__file__).parent


def _throttle(key: str) -> LoginThrottle:
    return LoginThrottle(key=key, failures=1, last_failure_at=MONDAY)


def _keys(engine: Engine) -> set[str]:
    with session_factory(engine)() as session:
        return set(session.scalars(select(LoginThrottle.key)))


def test_a_step_is_committed_and_a_refused_one_leaves_nothing(sqlite_engine: Engine) -> None:
    sessions = session_factory(sqlite_engine)
    with sessions() as session:
        with UnitOfWork(session):
            session.add(_throttle("done"))
        with pytest.raises(Invalid), UnitOfWork(session):
            session.add(_throttle("refused"))
            session.flush()
            raise Invalid("不行")
    assert _keys(sqlite_engine) == {"done"}


def test_a_refusal_marked_to_keep_is_committed(sqlite_engine: Engine) -> None:
    """As a failed login: the failure it records is the change."""
    sessions = session_factory(sqlite_engine)
    with sessions() as session:
        with pytest.raises(Invalid), UnitOfWork(session):
            session.add(_throttle("counted"))
            refusal = Invalid("密码错误")
            keep_refusal(session, refusal)
            raise refusal
        with pytest.raises(Invalid), UnitOfWork(session):  # the mark was for that one only
            session.add(_throttle("not kept"))
            raise Invalid("又错了")
    assert _keys(sqlite_engine) == {"counted"}


def test_a_submission_racing_its_retry_answers_the_first_application(
        sqlite_engine: Engine, basic_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same Idempotency-Key inserted by another request first (the unique key refuses
    this one): the refused insert is rolled back and the first application answered."""
    build_world(session_factory(sqlite_engine), basic_dir, tmp_path / "files")
    app = create_app(Settings(data_dir=tmp_path), sqlite_engine)
    app.state.clock = lambda: MONDAY
    with TestClient(app, raise_server_exceptions=False) as client:
        token = client.post("/api/v1/auth/token",
                            data={"username": "zhang", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}",
                   "Idempotency-Key": "race-1"}
        scan = client.post("/api/v1/files", files={"file": ("身份证.pdf", PDF)},
                           headers=headers).json()["id"]
        body = {"bundle": "STORE", "region": "430102",
                "answers": {"premises": "owned", "sells_food": False, "shop_area": 10},
                "form": {"applicant_name": "张三", "id_number": "11010519491231002X"},
                "materials": {"ID_CARD": {"file": scan}}}
        first = client.post("/api/v1/applications", json=body, headers=headers)
        assert first.status_code == 201, first.text

        def raced(ctx: Any, sub: Any) -> Application:
            ctx.session.add(_throttle("half-written"))
            ctx.session.flush()
            raise IntegrityError("INSERT INTO applications", {}, Exception("duplicate key"))

        monkeypatch.setattr(cases, "submit", raced)
        again = client.post("/api/v1/applications", json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert "half-written" not in _keys(sqlite_engine)


def test_no_route_or_page_commits_by_hand() -> None:
    by_hand = re.compile(r"\.(commit|rollback)\(\)")
    found = [f"{path.relative_to(SOURCE)}:{n}" for door in ("api", "web")
             for path in sorted((SOURCE / door).glob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1) if by_hand.search(line)]
    assert found == [], "commit in the unit of work (with ctx.work():), not by hand"
