"""Every /api/v1 operation fuzzed from the published OpenAPI document (schemathesis).

In process, on SQLite, in a small populated world, as an applicant, a window clerk, a
department approver, a supervisor and nobody. Whatever is sent: never a 5xx, every answer
as documented (status, content type, schema, headers), every 4xx an RFC 9457 problem with a
stable code and a Chinese title. Deterministic (derandomized Hypothesis).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy import create_engine

from onething.app import create_app
from onething.identity import service as identity
from onething.kernel.config import Settings
from onething.kernel.db import unit_of_work
from world import MONDAY, accepted, submitted, world_at

ROLES = ["anonymous", "zhang", "clerk_furong", "scjg_furong", "supervisor_cs"]
EXAMPLES = 8  # per operation; every caller sends each one (explicit examples come on top)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, basic_dir: Path) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("fuzz")
    engine, world = world_at(f"sqlite:///{root / 'onething.db'}", root, basic_dir)
    for who in ("zhang", "li"):
        submitted(world, who)
        accepted(world, who)
    # every caller comes from one address: wrong rating codes must not lock it here
    # (the lock has its own test)
    app = create_app(Settings(data_dir=root, rating_code_max_failures=10**6), engine)
    app.state.clock = lambda: MONDAY
    yield app
    engine.dispose()


TOKENS: dict[str, str] = {}


def bearer(app: Any, role: str, fresh: bool) -> dict[str, str]:
    """A token for `role`; a fresh one for logging out, which closes the token it is sent."""
    if role == "anonymous":
        return {}
    if fresh or role not in TOKENS:
        with unit_of_work(app.state.writer_sessions) as session:
            user = identity.find_user(session, role)
            TOKENS[role] = identity.open_session(session, user, "api", MONDAY)[0]
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@schemathesis.check
def problem_details(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every refusal is application/problem+json with a stable code and a Chinese title."""
    if 400 <= response.status_code < 600:
        media = response.headers.get("content-type", [""])
        media = media[0] if isinstance(media, list) else media
        assert media.startswith("application/problem+json"), f"4xx as {media}"
        body = response.json()
        assert body["status"] == response.status_code
        assert body["code"] and body["type"].endswith(body["code"])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["title"]), body["title"]
    return None


CHECKS = [checks.not_a_server_error, openapi_checks.status_code_conformance,
          openapi_checks.content_type_conformance, openapi_checks.response_schema_conformance,
          openapi_checks.response_headers_conformance, problem_details]

# The document the app publishes; reading it needs no database.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(), create_engine("sqlite://")).openapi())
schema.config.generation.update(deterministic=True, allow_x00=True)


# One test per operation, each with an id of its own ("[GET /api/v1/me][every caller]"): the
# parametrization gives the id pytest keeps (schemathesis's own "[GET /api/v1/me]" is only in
# the name), so that a parallel run (xdist) keeps every operation instead of one.
@schema.parametrize()
@pytest.mark.parametrize("callers", [ROLES], ids=["every caller"])
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_fuzz(case: Any, fuzz_app: Any, callers: list[str]) -> None:
    for role in callers:  # the same request from each kind of caller
        headers = bearer(fuzz_app, role, fresh=case.operation.path == "/api/v1/auth/logout")
        case.call_and_validate(app=fuzz_app, headers=headers, checks=CHECKS)
