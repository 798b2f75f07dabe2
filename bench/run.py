"""Benchmarks: `make bench` (or `python -m bench.run --help`).

Prints a table and writes bench/results/<name>.json. Nothing here is asserted
in tests; the figures go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from onething.catalog.linked import Catalog, build_catalog
from onething.catalog.validate import read_catalog
from onething.guide.engine import compute_guide
from onething.kernel.config import demo_catalog_dir
from samples import CONSTRUCTION_HEAVIEST
from served import Served

RESULTS = Path(__file__).resolve().parent / "results"

# 我要开餐饮店 answered so that exactly 10 items apply (a company with staff, no gas).
TEN_ITEMS = {"entity_type": "company", "premises": "rented", "shop_area": 120,
             "uses_gas": False, "drains_to_sewer": True, "outdoor_sign": True,
             "need_seal": True, "has_employees": True}
BUNDLE = "OPEN_RESTAURANT"
# The heaviest bundle: 工程建设项目审批一件事 in its heaviest situation (tests/samples.py), 20
# items of 7 departments in 4 stages (tests/test_construction.py holds that no answers bring
# more).
HEAVIEST = ("CONSTRUCTION_PERMIT", CONSTRUCTION_HEAVIEST, 20)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_guide_in_process(catalog: Catalog, seconds: float, bundle: str = BUNDLE,
                           answers: dict[str, Any] = TEN_ITEMS, items: int = 10
                           ) -> dict[str, Any]:
    """µs per guide computation, and with the JSON-ready dict the API sends."""
    guide = compute_guide(catalog, bundle, answers)
    assert len(guide.items) == items, [i.code for i in guide.items]
    results: dict[str, Any] = {"bundle": bundle, "items": len(guide.items),
                               "materials": len(guide.materials), "fields": len(guide.fields)}
    for label, call in (
        ("compute", lambda: compute_guide(catalog, bundle, answers)),
        ("compute_and_dict", lambda: compute_guide(catalog, bundle, answers).as_dict()),
    ):
        for _ in range(200):
            call()
        batches: list[float] = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            for _ in range(100):
                call()
            batches.append((time.perf_counter() - start) / 100 * 1e6)
        results[label] = {"us_mean": round(statistics.fmean(batches), 1),
                          "us_p50": round(_percentile(batches, 0.5), 1),
                          "us_p99": round(_percentile(batches, 0.99), 1),
                          "calls": len(batches) * 100}
    return results


@contextmanager
def server(workers: int) -> Iterator[Served]:
    """`onething serve --demo`, as production runs it (several workers), on a fresh SQLite
    database of its own, until the block ends."""
    with tempfile.TemporaryDirectory(prefix="onething-bench-") as data, \
            Served(Path(data), workers=workers) as served:
        yield served


async def _drive(call: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
                 base: str, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for _ in range(20):
            await call(client)
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await call(client)
                latencies.append(time.perf_counter() - start)
                errors += response.status_code >= 400

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": errors,
            "rps": round(len(latencies) / elapsed, 1),
            "ms_p50": round(_percentile(latencies, 0.5) * 1000, 2),
            "ms_p99": round(_percentile(latencies, 0.99) * 1000, 2)}


_WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


# wrk's own summary has no 95th percentile: its `done` hook prints it (in µs).
_WRK_P95 = """
done = function(summary, latency, requests)
  io.write(string.format("P95 %f\\n", latency:percentile(95)))
end
"""


def _wrk(url: str, clients: int, seconds: float, body: dict[str, Any] | None,
         script: str | None = None) -> dict[str, Any]:
    """wrk (a C load generator) when the machine has it: the client is not the bottleneck.
    `script` is wrk's Lua, for requests that differ from one to the next."""
    command = ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{max(1, round(seconds))}s",
               "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script is not None:
            lua.write(script)
        elif body is not None:
            lua.write('wrk.method = "POST"\n'
                      'wrk.headers["Content-Type"] = "application/json"\n'
                      f"wrk.body = {json.dumps(json.dumps(body))}\n")
        lua.write(_WRK_P95)
    command += ["-s", lua.name, url]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    finally:
        os.unlink(lua.name)
    output = done.stdout
    if done.returncode != 0 or "Requests/sec:" not in output:
        raise RuntimeError(f"wrk: {output[-1000:]} {done.stderr[-1000:]}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = re.search(r"(\d+) requests in", output)
    latency = {q: float(v) * _UNIT[u] for q, v, u in _WRK_LATENCY.findall(output)}
    p95 = re.search(r"^P95 (\S+)$", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": round(rps, 1), "ms_p50": round(latency.get("50", 0), 2),
            "ms_p95": round(float(p95.group(1)) / 1000, 2) if p95 else None,
            "ms_p99": round(latency.get("99", 0), 2),
            "requests": int(requests.group(1)) if requests else 0,
            "errors": int(non_2xx.group(1)) if non_2xx else 0, "driver": "wrk"}


def bench_http(workers: int, clients: int, seconds: float) -> dict[str, Any]:
    if shutil.which("wrk"):
        return _bench_http_wrk(workers, clients, seconds)
    return _bench_http_httpx(workers, clients, seconds)


def _page_query() -> str:
    return "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}"
                    for k, v in TEN_ITEMS.items())


PATHS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("trivial /healthz", "/healthz", None),
    ("guide POST (API)", f"/api/v1/bundles/{BUNDLE}/guide", {"answers": TEN_ITEMS}),
    ("bundle detail GET", f"/api/v1/bundles/{BUNDLE}", None),
    ("guide page GET (HTML)", f"/bundles/{BUNDLE}/guide?{_page_query()}", None),
]


def _ratios(out: dict[str, Any]) -> dict[str, Any]:
    base = out["trivial /healthz"]["rps"]
    for name, _, _ in PATHS[1:]:
        out[name]["ratio_to_trivial"] = round(out[name]["rps"] / base, 2) if base else None
    return out


def _bench_http_wrk(workers: int, clients: int, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {"workers": workers, "clients": clients}
    with server(workers) as served:
        for name, path, body in PATHS:
            _wrk(served.url + path, clients, 1, body)  # warm up every worker
            out[name] = _wrk(served.url + path, clients, seconds, body)
    return _ratios(out)


def _bench_http_httpx(workers: int, clients: int, seconds: float) -> dict[str, Any]:
    """A pure-Python driver (async httpx) where wrk is missing; it saturates first."""

    def caller(path: str, body: dict[str, Any] | None) -> Any:
        async def call(client: httpx.AsyncClient) -> httpx.Response:
            if body is None:
                return await client.get(path)
            return await client.post(path, json=body)

        return call

    out: dict[str, Any] = {"workers": workers, "clients": clients}
    with server(workers) as served:
        for name, path, body in PATHS:
            out[name] = asyncio.run(_drive(caller(path, body), served.url, clients, seconds))
            out[name]["driver"] = "httpx"
    return _ratios(out)


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"  {name.ljust(width)}  {value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args(argv)

    catalog = build_catalog(read_catalog(demo_catalog_dir()))
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "guide_in_process": bench_guide_in_process(catalog, args.seconds),
        "guide_in_process_heaviest": bench_guide_in_process(catalog, args.seconds, *HEAVIEST),
    }
    rows: list[tuple[str, str]] = []
    for key, what in (("guide_in_process", "10 items"),
                      ("guide_in_process_heaviest", f"heaviest bundle, {HEAVIEST[2]} items")):
        g = results[key]
        rows += [(f"guide, in process ({what})", f"{g['compute']['us_mean']} µs/call "
                  f"(p50 {g['compute']['us_p50']}, p99 {g['compute']['us_p99']})"),
                 (f"guide + dict for JSON ({what})",
                  f"{g['compute_and_dict']['us_mean']} µs/call")]
    if not args.skip_http:
        results["http"] = bench_http(args.workers, args.clients, args.seconds)
        for name, r in results["http"].items():
            if isinstance(r, dict):
                ratio = f", {r['ratio_to_trivial']}× trivial" if "ratio_to_trivial" in r else ""
                rows.append((f"HTTP {name}", f"{r['rps']} req/s, p50 {r['ms_p50']} ms, "
                             f"p99 {r['ms_p99']} ms{ratio}"))
    print(_table(rows))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "guide.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"\nwritten: {RESULTS / 'guide.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
