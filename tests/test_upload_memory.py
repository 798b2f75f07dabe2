"""Uploads are streamed to disk: a real `onething serve` that takes a burst of large uploads,
refused and accepted, through the API and the apply page, does not keep their size in
memory. (A worker that read each upload whole grew from 96 to 475 MB under 32 refused
uploads of 60 MB, and stayed there.) Bounded, not timed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from onething.demo.people import DEMO_PASSWORD
from served import CLIENT, Served

MB = 1024 * 1024
UPLOADS = 8
BOUNDARY = "test-upload-memory"


def resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)[1]) / 1024  # type: ignore[index]


def multipart(fields: dict[str, str], name: str, size: int, seed: int) -> Iterator[bytes]:
    """A form with one PDF of `size` bytes, made chunk by chunk (the client keeps no body)."""
    for key, value in fields.items():
        yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
               f"{value}\r\n").encode()
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
           f'filename="scan{seed}.pdf"\r\nContent-Type: application/pdf\r\n\r\n').encode()
    yield b"%PDF-1.4\n" + seed.to_bytes(8, "big")
    block = bytes(MB)
    for _ in range(size // MB):
        yield block
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, basic_dir: Path) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("uploads")
    with Served(data, f"sqlite:///{data / 'onething.db'}", basic_dir, workers=1) as served:
        yield served


def test_a_burst_of_large_uploads_leaves_no_memory_behind(server: Served) -> None:
    assert server.process is not None
    pid = server.process.pid  # one worker: uvicorn serves in this process
    with httpx.Client(base_url=server.url, timeout=120) as client:
        token = client.post("/api/v1/auth/token", data={
            "username": CLIENT, "password": DEMO_PASSWORD}).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        client.get("/login")
        client.post("/login", data={"username": CLIENT, "password": DEMO_PASSWORD,
                                    "csrf_token": client.cookies.get("onething_login_csrf")})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
                         client.get("/my/applications").text)[1]

        def burst(path: str, fields: dict[str, str], name: str, size: int, seed: int,
                  headers: dict[str, str]) -> list[int]:
            kind = {"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers}

            def one(n: int) -> int:
                return client.post(path, content=multipart(fields, name, size, seed + n),
                                   headers=kind).status_code

            with ThreadPoolExecutor(UPLOADS) as pool:
                return list(pool.map(one, range(UPLOADS)))

        burst("/api/v1/files", {}, "file", MB, 0, bearer)  # the worker threads exist
        before = resident_mb(pid)
        assert set(burst("/api/v1/files", {}, "file", 30 * MB, 100, bearer)) == {413}
        assert set(burst("/api/v1/files", {}, "file", 19 * MB, 200, bearer)) == {201}
        assert set(burst("/bundles/STORE/apply", {"csrf_token": csrf}, "material.ID_CARD",
                         30 * MB, 300, {})) == {422}
        grown = resident_mb(pid) - before
    # 24 uploads of 19 to 30 MB (over 500 MB in all; the old code read 20 MB of each into
    # memory): what stays is far less than even one burst's uploads held at once
    assert grown < UPLOADS * 19 / 4, f"the server kept {grown:.0f} MB"
