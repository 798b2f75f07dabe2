"""The verifiable draw: the engine against docs/DRAW.md's vectors, the docs' own code run on
them, and `onething draw` / `onething draw verify` as a person uses them."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from onething.cli import main
from onething.draw import engine

DOC = Path(__file__).resolve().parents[1] / "docs" / "DRAW.md"
SEED_A = bytes(range(32))
SEED_B = hashlib.sha256(b"onething").digest()
TEN = [f"id{i}" for i in range(10)]
P = ["91430100MA4L16JQ9N", "91430102MA4PXXXX1F", "92430103MA4R5A7B2C", "Zeta", "alpha",
     "张三", "李四", "王五"]
PICKS = [  # seed, label, pool, k, result: the table in docs/DRAW.md
    (SEED_A, "objects", TEN, 3, ["id2", "id6", "id3"]),
    (SEED_A, "x", TEN, 10, ["id6", "id8", "id1", "id0", "id9", "id7", "id5", "id3", "id4",
                            "id2"]),
    (SEED_B, "objects", P, 8, ["李四", "alpha", "91430100MA4L16JQ9N", "91430102MA4PXXXX1F",
                               "Zeta", "王五", "张三", "92430103MA4R5A7B2C"]),
    (SEED_B, "inspectors:91430100MA4L16JQ9N", P, 2, ["91430100MA4L16JQ9N",
                                                     "91430102MA4PXXXX1F"]),
    (SEED_B, "objects", ["a"], 1, ["a"]),
]


def test_vectors() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert engine.commitment(SEED_A) in text and engine.commitment(SEED_B) in text
    stream = engine.Stream(SEED_A, "objects")
    assert [stream.uniform(10) for _ in range(5)] == [2, 5, 9, 7, 5] and stream.counter == 5
    stream = engine.Stream(SEED_A, "objects")
    assert [stream.uniform(1000003) for _ in range(3)] == [120377, 274587, 888411]
    assert engine.pool_hash(TEN) == (
        "db61585cab31d71b4f68f85eae058441a1e2892f7a4415c3b03f56bd5c323859")
    assert engine.sort_pool(P) == P  # already in UTF-8 byte order: "Z" < "a" < "张"
    assert engine.pool_hash(P) in text
    for seed, label, pool, k, result in PICKS:
        assert engine.pick(seed, label, engine.sort_pool(pool), k) == result
        assert ", ".join(f"`{r}`" for r in result) in text


def test_the_sparse_shuffle_is_the_whole_shuffle() -> None:
    pool = [f"{i:05d}" for i in range(500)]
    for k in (0, 1, 7, 250, 500):
        whole, stream = list(pool), engine.Stream(SEED_B, "objects")
        for i in range(k):
            j = i + stream.uniform(len(pool) - i)
            whole[i], whole[j] = whole[j], whole[i]
        assert engine.pick(SEED_B, "objects", pool, k) == whole[:k]


def _code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_a_pool_hashed_a_page_at_a_time_hashes_the_same() -> None:
    ids = sorted((f"id{n}" for n in range(1000)), key=str.encode)
    whole, paged = engine.PoolHasher(), engine.PoolHasher()
    for i in ids:
        whole.add(i)
    for at in range(0, 1000, 300):
        paged.add_all(ids[at:at + 300])
    assert paged.hexdigest() == whole.hexdigest() == engine.pool_hash(ids)
    assert paged.size == 1000
    with pytest.raises(engine.DrawError, match="id999"):
        paged.add_all(["id999"])  # not after the last one
    with pytest.raises(engine.DrawError, match="b"):
        engine.PoolHasher().add_all(["a", "c", "b"])


def test_the_python_in_the_docs_reruns_the_vectors() -> None:
    (code,) = _code_blocks("python")
    scope: dict[str, Any] = {}
    exec(code, scope)  # the docs' reference code, as a reader would paste it
    for seed, label, pool, k, result in PICKS:
        assert scope["pick"](seed.hex(), label, list(reversed(pool)), k) == result
    assert scope["pool_hash"](reversed(P)) == engine.pool_hash(P)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not on this machine")
def test_the_javascript_in_the_docs_reruns_the_vectors(tmp_path: Path) -> None:
    (code,) = _code_blocks("js")
    script = tmp_path / "draw.js"
    script.write_text(code, encoding="utf-8")
    for seed, label, pool, k, result in PICKS:
        out = subprocess.run(["node", str(script), seed.hex(), label, str(k)],
                             input="\n".join(reversed(pool)) + "\n", capture_output=True,
                             text=True, check=True)
        assert out.stdout.split() == result


def test_bad_draws_are_refused() -> None:
    with pytest.raises(engine.DrawError, match="重复"):
        engine.sort_pool(["a", "b", "a"])
    with pytest.raises(engine.DrawError, match="无效"):
        engine.sort_pool(["a", ""])
    with pytest.raises(engine.DrawError, match="0 到名单人数 2"):
        engine.pick(SEED_A, "objects", ["a", "b"], 3)
    with pytest.raises(engine.DrawError, match="32 字节"):
        engine.seed_from_hex("00ff")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_draw_and_verify_on_the_command_line(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(reversed(P)) + "\n\n", encoding="utf-8")
    rec = tmp_path / "record.json"
    code, out, _ = _run(capsys, "draw", "--seed", SEED_B.hex(), "--label", "objects",
                        "--pick", "8", "--record", str(rec), str(ids))
    assert code == 0 and out.split() == PICKS[2][4]
    code, out, _ = _run(capsys, "draw", "verify", str(rec))
    assert code == 0 and "验证通过" in out

    published = json.loads(rec.read_text(encoding="utf-8"))
    changed = dict(published["draws"][0], pool=sorted([*P[:-1], "赵六"], key=str.encode))
    (tmp_path / "changed.json").write_text(json.dumps({**published, "draws": [changed]}))
    code, out, _ = _run(capsys, "draw", "verify", str(tmp_path / "changed.json"))
    assert code == 1 and "名单在承诺后被改动" in out and engine.pool_hash(P) in out

    other = {**published, "seed": SEED_A.hex()}
    (tmp_path / "seed.json").write_text(json.dumps(other))
    code, out, _ = _run(capsys, "draw", "verify", str(tmp_path / "seed.json"))
    assert code == 1 and "commitment 不符" in out

    # a big pool published beside the record, by its hash only
    slim = {**published, "draws": [{k: v for k, v in published["draws"][0].items()
                                    if k != "pool"}]}
    (tmp_path / "slim.json").write_text(json.dumps(slim))
    assert _run(capsys, "draw", "verify", str(tmp_path / "slim.json"))[0] == 1
    code, out, _ = _run(capsys, "draw", "verify", str(tmp_path / "slim.json"), "--pool", str(ids))
    assert code == 0 and "验证通过" in out


def test_command_line_refusals_name_the_value(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("a\nb\na\n", encoding="utf-8")
    code, _, err = _run(capsys, "draw", "--seed", SEED_A.hex(), "--label", "x", "--pick", "1",
                        str(ids))
    assert code == 1 and "重复：a" in err and "Traceback" not in err
    code, _, err = _run(capsys, "draw", "--seed", "xyz", "--label", "x", "--pick", "1", str(ids))
    assert code == 2 and "--seed" in err
    code, _, err = _run(capsys, "draw", "--label", "x", str(ids))
    assert code == 2 and "--seed" in err and "--pick" in err
    (tmp_path / "bad.json").write_text("{\n  nope\n}")
    code, _, err = _run(capsys, "draw", "verify", str(tmp_path / "bad.json"))
    assert code == 1 and "bad.json:2" in err
