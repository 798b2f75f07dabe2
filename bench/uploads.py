"""Memory under a burst of large uploads: `python -m bench.uploads [--uploads 32 --mb 60]`.

Starts `onething serve --demo` with one worker (one process to watch), signs in the demo
applicant, and sends bursts of uploads at once, each streamed from a small buffer (the
client holds no body in memory):

- refused through the API: `--mb` MB each (over the 20 MB file limit, under the 64 MB
  body limit, so the whole body is received before the refusal);
- accepted through the API: 19 MB each, every one different (each is written to disk);
- refused on the apply page (a material of `--mb` MB, as a browser sends it).

Prints and writes bench/results/uploads.json: the server's resident memory (VmRSS) before,
its peak (VmHWM) and what it keeps after each burst.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from bench.run import RESULTS, server
from onething.demo.people import DEMO_PASSWORD

CHUNK = 1024 * 1024
BOUNDARY = "onething-bench-boundary"
PDF = b"%PDF-1.4\n"


def _memory(pid: int) -> dict[str, float]:
    """The process's resident memory now and its peak so far, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = {key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M)[1])  # type: ignore[index]
             for key in ("VmRSS", "VmHWM")}
    return {"rss_mb": round(found["VmRSS"] / 1024, 1), "peak_mb": round(found["VmHWM"] / 1024, 1)}


async def _body(fields: dict[str, str], material: str, size: int, seed: int
                ) -> AsyncIterator[bytes]:
    """A multipart form with `fields` and one PDF of `size` bytes, made chunk by chunk."""
    for name, value in fields.items():
        yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
               f"{value}\r\n").encode()
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{material}"; '
           f'filename="scan-{seed}.pdf"\r\nContent-Type: application/pdf\r\n\r\n').encode()
    head = PDF + seed.to_bytes(8, "big")
    block = bytes(CHUNK)
    yield head
    left = size - len(head)
    while left > 0:
        yield block[:min(CHUNK, left)]
        left -= CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def _burst(client: httpx.AsyncClient, path: str, count: int, size: int,
                 material: str, fields: dict[str, str], headers: dict[str, str],
                 seed: int) -> list[int]:
    kind = {"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers}

    async def one(n: int) -> int:
        response = await client.post(path, content=_body(fields, material, size, seed + n),
                                     headers=kind)
        return response.status_code

    return await asyncio.gather(*(one(n) for n in range(count)))


async def _web_login(client: httpx.AsyncClient) -> str:
    """Signs zhangsan in through the login page; the CSRF token of the session."""
    await client.get("/login")
    await client.post("/login", data={
        "username": "zhangsan", "password": DEMO_PASSWORD, "next": "/",
        "csrf_token": client.cookies.get("onething_login_csrf") or ""})
    page = (await client.get("/my/applications")).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]


async def run(uploads: int, mb: int) -> dict[str, Any]:
    results: dict[str, Any] = {"uploads": uploads, "refused_mb": mb, "accepted_mb": 19}
    with server(workers=1) as served:
        assert served.process is not None
        pid = served.process.pid  # one worker: uvicorn serves in this process
        async with httpx.AsyncClient(base_url=served.url, timeout=300,
                                     limits=httpx.Limits(max_connections=uploads)) as client:
            token = (await client.post("/api/v1/auth/token", data={
                "username": "zhangsan", "password": DEMO_PASSWORD})).json()["access_token"]
            bearer = {"Authorization": f"Bearer {token}"}
            csrf = await _web_login(client)
            await _burst(client, "/api/v1/files", 2, 1024 * 1024, "file", {}, bearer, 0)
            results["before"] = _memory(pid)
            bursts = [
                ("api_refused", "/api/v1/files", mb, "file", {}, bearer, 1000),
                ("api_accepted", "/api/v1/files", 19, "file", {}, bearer, 2000),
                ("page_refused", "/bundles/OPEN_CONVENIENCE_STORE/apply", mb,
                 "material.ID_CARD", {"csrf_token": csrf, "region": "430102"}, {}, 3000),
            ]
            for name, path, size, material, fields, headers, seed in bursts:
                started = time.perf_counter()
                statuses = await _burst(client, path, uploads, size * 1024 * 1024, material,
                                        fields, headers, seed)
                seconds = time.perf_counter() - started
                await asyncio.sleep(2)
                results[name] = {**_memory(pid), "seconds": round(seconds, 1),
                                 "statuses": sorted(set(statuses))}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=32, help="uploads sent at once")
    parser.add_argument("--mb", type=int, default=60, help="size of a refused upload, MB")
    args = parser.parse_args()
    results = asyncio.run(run(args.uploads, args.mb))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "uploads.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
