"""The log of a real `onething serve`: one access line per request, whatever the URL holds,
with ID and mobile numbers masked; never a logging error (which printed the unmasked value
in its traceback instead of the line)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from served import Served

PHONE, ID_NUMBER = "13812345678", "430102199003070012"
CODE = "ABCDE23456"  # a rating code (none is issued here: 404, still logged masked)
REQUESTS = [
    (f"/api/v1/bundles/{PHONE}", 404, "/api/v1/bundles/138****5678"),
    (f"/api/v1/items/{ID_NUMBER}", 404, "/api/v1/items/4301**********0012"),
    (f"/bundles?q={ID_NUMBER}", 200, "/bundles?q=4301**********0012"),
    (f"/bundles/{PHONE}", 404, "/bundles/138****5678"),
    (f"/applications/{PHONE}", 404, "/applications/138****5678"),  # 11 digits: not an id
    (f"/readyz?phone={PHONE}", 200, "/readyz?phone=138****5678"),
    # 扫码评价: whoever reads the log must not find a code to rate with
    (f"/r/{CODE}", 404, "/r/**********"),
    (f"/r?code={CODE[:5]}-{CODE[5:]}", 303, "/r?code=**********"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, basic_dir: Path) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("logs")
    with Served(data, f"sqlite:///{data / 'onething.db'}", basic_dir, workers=2) as served:
        yield served


def test_every_request_has_its_access_line_masked(server: Served) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for path, status, _ in REQUESTS:
            assert client.get(path, follow_redirects=False).status_code == status, path
    log = _log_with(server, REQUESTS[-1][2])
    for _, status, logged in REQUESTS:
        assert f'"GET {logged} HTTP/1.1" {status}' in log, (logged, log[-3000:])
    assert PHONE not in log and ID_NUMBER not in log and CODE[5:] not in log
    assert "Logging error" not in log and "Traceback" not in log


def _log_with(server: Served, text: str) -> str:
    """The server's log once `text` is in it (lines are written after the answer)."""
    for _ in range(100):
        log = server.log()
        if text in log:
            return log
        time.sleep(0.05)
    return server.log()
