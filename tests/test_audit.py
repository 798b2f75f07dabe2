"""The audit trail: every change recorded, hash-chained, and an edit made directly in the
database found by `onething audit verify`; personal data masked except where needed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError

from onething.audit.models import AuditRecord
from onething.audit.service import chain_of, record, verify
from onething.cases import service as cases
from onething.catalog.spec import Personal
from onething.kernel.privacy import mask, mask_text
from samples import ID_NUMBER
from world import Api, World, accepted


def verified(world: World) -> tuple[int, object]:
    with world.sessions() as session:
        return verify(session)


def trail(world: World) -> list[AuditRecord]:
    with world.sessions() as session:
        return list(session.scalars(select(AuditRecord).order_by(AuditRecord.chain,
                                                                 AuditRecord.seq)))


def test_every_step_of_a_case_is_recorded_who_what_before_and_after(world: World) -> None:
    app_id = accepted(world)
    steps = [(r.actor, r.role, r.scope, r.action, r.before, r.after) for r in trail(world)
             if r.subject == "application" and r.subject_id == str(app_id)]
    assert steps[0][:4] == ("zhang", "applicant", None, "submit")
    accept = next(s for s in steps if s[3] == "accept")
    assert accept[:3] == ("clerk_furong", "clerk", "430102")
    assert accept[4] == {"status": "submitted"} and accept[5]["status"] == "accepted"
    chains = {r.chain for r in trail(world) if r.subject == "application"}
    assert chains == {chain_of("430102", "application", app_id)}  # one chain: its history
    assert chains.pop().startswith("4301-")  # in order, in a lane of 长沙's
    created = {r.after["username"] for r in trail(world) if r.action == "create_user"}
    assert {"zhang", "clerk_furong", "admin"} <= created
    assert verified(world)[1] is None


def test_a_change_rolled_back_leaves_no_record(world: World) -> None:
    before = len(trail(world))
    with world.as_("zhang") as ctx:
        record(ctx.session, ctx.actor, "try", "application", 1, region="430102")
        ctx.session.rollback()
    assert len(trail(world)) == before


def tamper(world: World, statement: object) -> None:
    """An edit by someone who can drop the append-only trigger first."""
    with world.sessions.begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("DROP TRIGGER audit_records_append_only ON audit_records"))
        else:
            for name in ("audit_records_no_update", "audit_records_no_delete"):
                session.execute(text(f"DROP TRIGGER {name}"))
        session.execute(statement)  # type: ignore[call-overload]


@pytest.mark.parametrize("edit", ["update", "delete"])
def test_the_database_refuses_to_edit_an_audit_record(world: World, edit: str) -> None:
    accepted(world)
    first = trail(world)[0]
    statement = (update(AuditRecord).values(actor="x") if edit == "update"
                 else delete(AuditRecord)).where(AuditRecord.id == first.id)
    with pytest.raises(DBAPIError, match="append-only"), world.sessions.begin() as session:
        session.execute(statement)
    assert trail(world)[0].actor == first.actor


@pytest.mark.parametrize("edit", ["change", "remove_middle", "remove_last"])
def test_an_edit_made_directly_in_the_database_is_found(world: World, edit: str) -> None:
    chain = chain_of("430102", "application", accepted(world))
    assert verified(world) == (len(trail(world)), None)
    records = [r for r in trail(world) if r.chain == chain]
    assert len(records) >= 3
    target = records[1] if edit != "remove_last" else records[-1]
    tamper(world, update(AuditRecord).where(AuditRecord.id == target.id)
           .values(actor="someone_else") if edit == "change"
           else delete(AuditRecord).where(AuditRecord.id == target.id))
    _, broken = verified(world)
    assert broken is not None and broken.chain == chain and broken.seq == target.seq
    assert {"change": "被改动", "remove_middle": "缺少记录", "remove_last": "链尾"}[edit] in str(
        broken)


def test_the_command_names_the_first_broken_record(engine: Engine, world: World,
                                                   tmp_path: Path) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the command is exercised once, on the SQLite file")
    chain = chain_of("430102", "application", accepted(world))
    env = {**os.environ, "ONETHING_DATABASE_URL": engine.url.render_as_string(False),
           "ONETHING_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "onething.cli", "audit", "verify"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "审计链完好" in done.stdout, done.stderr
    second = [r for r in trail(world) if r.chain == chain][1]
    tamper(world, update(AuditRecord).where(AuditRecord.id == second.id)
           .values(after={"status": "approved"}))
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"第 {second.seq} 条" in done.stderr and f"id {second.id}" in done.stderr


def test_personal_data_is_masked_except_for_those_who_need_it(api: Api, world: World) -> None:
    app_id = accepted(world)
    path = f"/api/v1/applications/{app_id}"
    assert api.get("zhang", path).json()["form"]["id_number"] == ID_NUMBER  # the applicant
    for staff in ("clerk_furong", "scjg_furong", "supervisor_cs", "admin"):
        assert api.get(staff, path).json()["form"]["id_number"] == "1101**********002X"
    assert api.get("zhang", "/api/v1/applications").status_code == 200
    for needs in ("clerk_furong", "scjg_furong"):  # the window, the office with the task
        shown = api.post(needs, f"{path}/personal-data")
        assert shown.status_code == 200 and shown.json()["form"]["id_number"] == ID_NUMBER
    for other in ("supervisor_cs", "admin"):
        refused = api.post(other, f"{path}/personal-data")
        assert refused.status_code == 403
        assert refused.json()["code"] == "personal_data_not_needed"
    assert api.post("clerk_zhuzhou", f"{path}/personal-data").status_code == 404
    views = [(r.actor, r.after, r.address) for r in trail(world)
             if r.action == "view_personal_data"]
    assert views == [("clerk_furong", {"fields": ["id_number"]}, "testclient"),
                     ("scjg_furong", {"fields": ["id_number"]}, "testclient")]


def test_the_address_of_the_request_is_recorded(api: Api, world: World) -> None:
    app_id = accepted(world)
    task = api.task("scjg_furong", app_id, "REG")
    assert api.post("scjg_furong", f"/api/v1/tasks/{task['id']}/decision",
                    {"action": "approve", "version": task["version"]}).status_code == 200
    approve = next(r for r in trail(world) if r.action == "approve")
    assert approve.address == "testclient" and approve.scope == "430102/SCJG"
    login = next(r for r in trail(world) if r.action == "login")
    assert (login.actor, login.address, login.after) == ("scjg_furong", "testclient",
                                                         {"door": "api"})


def test_masks() -> None:
    assert mask(ID_NUMBER, Personal.id_number) == "1101**********002X"
    assert mask("13812345678", Personal.phone) == "138****5678"
    assert mask("长沙市芙蓉区五一大道 1 号", Personal.address) == "长沙市芙蓉区****"
    assert mask_text(f"身份证 {ID_NUMBER}，电话 13812345678") == (
        "身份证 1101**********002X，电话 138****5678")


def test_the_view_of_a_case_by_its_applicant_is_not_masked(world: World) -> None:
    app_id = accepted(world)
    with world.as_("zhang") as ctx:
        assert cases.view(ctx, app_id).application.form["id_number"] == ID_NUMBER


def test_log_lines_and_messages_carry_no_full_id_number(caplog: pytest.LogCaptureFixture,
                                                       api: Api, world: World) -> None:
    import logging

    from onething.kernel.privacy import MaskingFilter

    handler = logging.StreamHandler()
    handler.addFilter(MaskingFilter())
    record = logging.LogRecord("onething", logging.INFO, __file__, 1,
                               "submitted by %s", (ID_NUMBER,), None)
    assert handler.filter(record) and record.getMessage() == "submitted by 1101**********002X"
    refused = api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": {"premises": 7},
        "form": {"applicant_name": ["张三"], "id_number": ID_NUMBER}})
    assert refused.status_code == 422 and ID_NUMBER not in refused.text


def test_the_page_masks_and_reveals_on_request_to_the_window(api: Api, world: World) -> None:
    app_id = accepted(world)
    client = api.client
    csrf = world.sign_in(client, "clerk_furong")
    page = client.get(f"/applications/{app_id}").text
    assert "1101**********002X" in page and ID_NUMBER not in page
    assert "查看完整个人信息" in page
    refused = client.post(f"/applications/{app_id}/personal-data", data={"csrf_token": "x"})
    assert refused.status_code == 403 and ID_NUMBER not in refused.text
    shown = client.post(f"/applications/{app_id}/personal-data", data={"csrf_token": csrf})
    assert shown.status_code == 200 and ID_NUMBER in shown.text
    assert [r.actor for r in trail(world) if r.action == "view_personal_data"] == [
        "clerk_furong"]
    world.sign_in(client, "supervisor_cs")
    page = client.get(f"/applications/{app_id}").text
    assert "1101**********002X" in page and "查看完整个人信息" not in page
