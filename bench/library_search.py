"""The document library's search at scale: `python -m bench.library_search [--postgres]
[--size N] [--rounds R]`.

Writes N documents (100 000 by default) generated from the demo folder's texts (`library/`):
each a demo document's title with a few of the folder's phrases mixed in, and a text of the
demo document's paragraphs and others drawn from the whole folder; bodies, years and
categories from the demo documents; one in five with a status change (废止 or 已修改). The
words are cut once per distinct sentence (jieba), so the load takes seconds, not the hour
100 000 separate cuts would. Then it runs a set of realistic searches — words alone, words
with filters (body, year, today's status, category), filters alone — through the service
the pages and the API call (`library.service.search`: the count and the first page of 10,
ranked), each `--rounds` times after one warm-up, and reports p50 and p95 per query and over
all. Writes bench/results/library-search-<database>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy import Engine, insert, text

from bench.run import RESULTS
from onething import wiring
from onething.kernel.config import demo_catalog_dir, demo_library_dir
from onething.kernel.db import make_engine, session_factory, unit_of_work, writer
from onething.library import rules
from onething.library import service as library
from onething.library.models import (
    FTS_TABLE,
    PG_VECTOR,
    Document,
    DocumentText,
    StatusChange,
)
from onething.library.rules import Change
from onething.ops.migrate import upgrade
from onething.text.segment import index_words

NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 1)
BATCH = 5_000
DOCS = {c.name for c in Document.__table__.columns}
TEXTS = {c.name for c in DocumentText.__table__.columns}
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("营业执照", {}),
    ("异地就医", {}),
    ("一件事一次办", {}),
    ("婚姻登记跨省通办", {}),
    ("食品经营许可告知承诺", {}),
    ("住房公积金提取", {}),
    ("优化营商环境", {}),
    ("养老保险关系转移接续", {}),
    ("公众聚集场所消防安全检查", {}),
    ("规范性文件", {"status": "valid"}),
    ("营商环境", {"year": 2021}),
    ("一件事一次办", {"body": "湖南省人民政府办公厅"}),
    ("政务服务", {"category": "政务服务", "status": "repealed"}),
    ("12345热线", {}),
    ("", {"status": "valid"}),
    ("", {"body": "长沙市市场监督管理局", "year": 2021}),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.library_search", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="documents")
    parser.add_argument("--rounds", type=int, default=20, help="runs of each query")
    parser.add_argument("--postgres", action="store_true",
                        help="on a throwaway PostgreSQL server")
    parser.add_argument("--database-url", default="",
                        help="an empty database to fill (default: SQLite in a temporary "
                             "directory)")
    parser.add_argument("--keep", default="",
                        help="SQLite: a file kept between runs — filled on the first run "
                             "(or when its size differs), reused after (upgraded first)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --database-url: reuse the documents it holds, if any")
    args = parser.parse_args(argv)
    if args.postgres:
        from bench.lifecycle import postgres

        with postgres() as url:
            return measure(url, args.size, args.rounds)
    if args.database_url:
        return measure(args.database_url, args.size, args.rounds, reuse=args.reuse)
    if args.keep:
        return measure(f"sqlite:///{Path(args.keep).resolve()}", args.size, args.rounds,
                       reuse=True)
    with tempfile.TemporaryDirectory(prefix="onething-bench-library-") as where:
        return measure(f"sqlite:///{where}/onething.db", args.size, args.rounds)


def _demo() -> list[dict[str, Any]]:
    """The demo folder's documents: metadata and their paragraphs."""
    found = []
    for path in sorted(demo_library_dir().glob("*.yaml")):
        meta = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        body = path.with_suffix(".txt").read_text(encoding="utf-8")
        meta["paragraphs"] = [line for line in body.splitlines() if line.strip()]
        found.append(meta)
    return found


def _documents(size: int, catalog: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`size` documents and their status changes, as rows."""
    rng = random.Random(2020)
    demo = _demo()
    sentences = sorted({p for d in demo for p in d["paragraphs"]})
    words = {s: index_words(s) for s in sentences}
    titles = {d["title"]: index_words(d["title"]) for d in demo}
    phrases = sorted({w for s in sentences for w in words[s].split() if len(w) > 1})
    bodies = {d["issuer"]: library.find_body(catalog, d["issuer"]) for d in demo}
    rows, changes = [], []
    for n in range(size):
        d = demo[n % len(demo)]
        body = bodies[d["issuer"]]
        assert body is not None
        year = 2005 + rng.randrange(21)
        published = dt.date(year, 1 + rng.randrange(12), 1 + rng.randrange(28))
        extra = rng.sample(phrases, 3)
        paragraphs = d["paragraphs"] + rng.sample(sentences, 4)
        title = f"{d['title']}（{''.join(extra[:2])}）"
        number = f"{d['number'].split('〔')[0]}〔{year}〕{n + 1}号"
        rows.append({
            "id": n + 1, "number": number, "title": title[:200], "body_code": body.code,
            "region_code": body.region,
            "categories": rules.categories_text(list(d.get("categories") or [])),
            "written_on": published - dt.timedelta(days=5), "published_on": published,
            "effective_on": published + dt.timedelta(days=10), "related": [],
            "pdf_file_id": None, "source": "bench", "created_at": NOW, "updated_at": NOW,
            # the text's row
            "document_id": n + 1, "body_text": "\n".join(paragraphs), "interpretation": None,
            "search_title": f"{titles[d['title']]} {' '.join(extra[:2])} "
                            f"{index_words(number)}",
            "search_text": " ".join(words[p] for p in paragraphs)})
        rows[-1].update(changed_status=None, changed_on=None, next_change_on=None)
        if n % 5 == 0:
            changes.append({"document_id": n + 1,
                            "effective_on": published + dt.timedelta(days=400),
                            "status": "repealed" if n % 10 == 0 else "amended",
                            "replaced_by_id": None, "note": None, "recorded_by": "bench",
                            "recorded_at": NOW})
            kept = rules.kept_status([Change(changes[-1]["effective_on"],
                                             rules.DocStatus(changes[-1]["status"]))], TODAY)
            rows[-1].update(changed_status=kept[0], changed_on=kept[1],
                            next_change_on=kept[2])
    return rows, changes


def _load(engine: Engine, size: int) -> float:
    from onething.catalog import service as catalog_service
    from onething.catalog.validate import validate_directory

    wiring.load()
    sessions = session_factory(writer(engine))
    document, problems = validate_directory(demo_catalog_dir())
    assert document is not None, problems
    with unit_of_work(sessions) as session:
        catalog_service.load(session, document, str(demo_catalog_dir()))
        catalog = catalog_service.current_catalog(session)
    started = time.perf_counter()
    rows, changes = _documents(size, catalog)
    with engine.begin() as conn:
        for start in range(0, len(rows), BATCH):
            part = rows[start:start + BATCH]
            conn.execute(insert(Document), [{k: v for k, v in row.items() if k in DOCS}
                                            for row in part])
            conn.execute(insert(DocumentText), [{k: v for k, v in row.items() if k in TEXTS}
                                                for row in part])
            if engine.dialect.name == "sqlite":
                conn.execute(text(f"INSERT INTO {FTS_TABLE} (rowid, title, body) "
                                  "VALUES (:id, :search_title, :search_text)"), part)
        for start in range(0, len(changes), BATCH):
            conn.execute(insert(StatusChange), changes[start:start + BATCH])
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('library_documents', "
                              "'id'), (SELECT max(id) FROM library_documents))"))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE library_texts SET search_vector = {PG_VECTOR}"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _loaded(engine: Engine) -> int:
    """How many documents a kept database holds (0 when new)."""
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM library_documents")) or 0)


def measure(url: str, size: int, rounds: int, reuse: bool = False) -> int:
    engine = make_engine(url)
    upgrade(engine)
    held = _loaded(engine) if reuse else 0
    if held and held != size:
        raise SystemExit(f"the kept database holds {held} documents, not {size}: "
                         "remove it or give its size")
    if held:
        wiring.load()
        loaded = 0.0
        print(f"{size} documents reused", flush=True)
    else:
        loaded = _load(engine, size)
        print(f"{size} documents written in {loaded:.1f} s", flush=True)
    from onething.catalog.service import current_catalog

    sessions = session_factory(engine)
    results: list[dict[str, Any]] = []
    every: list[float] = []
    with sessions() as session:
        catalog = current_catalog(session)
        for query, filters in QUERIES:
            wanted = library.Filters(query or None, **filters)
            library.search(session, catalog, wanted, TODAY, 10, 0)  # warm-up
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                found = library.search(session, catalog, wanted, TODAY, 10, 0)
                times.append((time.perf_counter() - started) * 1000)
            every += times
            results.append({"query": query, "filters": filters, "total": found.total,
                            "more": found.more,
                            "p50_ms": round(statistics.median(times), 1),
                            "p95_ms": round(_p95(times), 1)})
            counted = f"{found.total}{'+' if found.more else ''}"
            print(f"{query or '（无检索词）'} {filters}: {counted} 件, "
                  f"p50 {results[-1]['p50_ms']} ms, p95 {results[-1]['p95_ms']} ms", flush=True)
    summary = {"database": engine.dialect.name, "documents": size, "rounds": rounds,
               "load_seconds": round(loaded, 1), "p50_ms": round(statistics.median(every), 1),
               "p95_ms": round(_p95(every), 1), "queries": results}
    print(f"all: p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"library-search-{engine.dialect.name}.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    engine.dispose()
    return 0


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


if __name__ == "__main__":
    raise SystemExit(main())
