"""共享数据: data sets other departments share (户籍, 社保 by month, 用工, 纳税), loaded from
CSV or JSON lines on both databases: idempotent, reporting what changed, a malformed row
refused at its file:line with nothing written, and a holder's facts read back with their
source and as-of day; the catalog's `sources` checked at file:line like the rest of it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from onething.catalog.linked import Catalog, build_catalog
from onething.catalog.validate import read_catalog, validate_directory
from onething.kernel.db import unit_of_work
from onething.kernel.errors import Invalid, NotFound
from onething.policies.models import DataLoad, SharedFact
from onething.policies.service import DataInvalid, LoadReport, facts_of, load

TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
ZHANG, LI, WANG = "430102194001011235", "430102194503150024", "430102193007070047"
SHOP = "91430102QJ3982JB2G"  # a company of 芙蓉区 (a valid 统一社会信用代码)
HUJI = "id_number,name,birth_date,household_region,died_on,as_of\n"


@pytest.fixture(scope="module")
def catalog(demo_dir: Path) -> Catalog:
    return build_catalog(read_catalog(demo_dir))


def loaded(sessions: sessionmaker[Session], catalog: Catalog, code: str,
           path: Path) -> LoadReport:
    with unit_of_work(sessions) as session:
        return load(session, catalog, code, path, TODAY, NOW)


def written(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return (int(session.scalar(select(func.count()).select_from(SharedFact)) or 0),
                int(session.scalar(select(func.count()).select_from(DataLoad)) or 0))


def file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_loads_once_and_a_later_one_reports_what_changed(
        sessions: sessionmaker[Session], catalog: Catalog, tmp_path: Path) -> None:
    first = file(tmp_path, "huji-1.csv", HUJI + f"{ZHANG},张一,1940-01-01,430102,,2026-11-30\n"
                 f"{LI},李二,1945-03-15,430102,,2026-11-30\n"
                 f"{WANG.lower()},王三,1930-07-07,430103,,\n")
    report = loaded(sessions, catalog, "HUJI", first)
    assert (report.rows, report.added, report.changed, report.unchanged) == (3, 3, 0, 0)
    again = loaded(sessions, catalog, "HUJI", first)
    assert (again.added, again.changed, again.unchanged, again.wrote) == (0, 0, 3, False)
    assert written(sessions) == (3, 1)  # the same file twice: no second load recorded
    # a later file: 张一 died, 李二 as before, 王三 not in it (kept as it was)
    later = file(tmp_path, "huji-2.csv", HUJI + f"{ZHANG},张一,1940-01-01,430102,2026-11-20,"
                 "2026-11-30\n" f"{LI},李二,1945-03-15,430102,,2026-11-30\n")
    report = loaded(sessions, catalog, "HUJI", later)
    assert (report.added, report.changed, report.unchanged) == (0, 1, 1)
    assert written(sessions) == (3, 2)
    with sessions() as session:
        zhang = facts_of(session, catalog, ZHANG)["HUJI"]
        period, as_of, facts = zhang.rows[0]
        assert (period, as_of) == ("", dt.date(2026, 11, 30))
        assert facts == {"name": "张一", "birth_date": "1940-01-01",
                         "household_region": "430102", "died_on": "2026-11-20"}
        wang = facts_of(session, catalog, WANG)["HUJI"]
        assert wang.rows[0][1] == TODAY  # no as_of given: the day of the load
        assert wang.source.name == "户籍信息"
        assert facts_of(session, catalog, "430102199001011234") == {}


def test_a_monthly_set_in_json_lines(sessions: sessionmaker[Session], catalog: Catalog,
                                     tmp_path: Path) -> None:
    lines = [{"uscc": SHOP, "month": f"2026-{m:02d}", "paid": 1200.5, "insured": 12}
             for m in range(1, 11)]
    lines.append({"uscc": SHOP, "month": "2025-12", "paid": "1,100", "insured": "11"})
    path = file(tmp_path, "shebao.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    report = loaded(sessions, catalog, "SHEBAO", path)
    assert (report.rows, report.added) == (11, 11)
    with sessions() as session:
        shebao = facts_of(session, catalog, SHOP.lower())["SHEBAO"]
        assert [p for p, _, _ in shebao.rows][:2] == ["2026-10", "2026-09"]  # newest first
        assert shebao.rows[-1] == ("2025-12", TODAY, {"paid": 1100.0, "insured": 11})


@pytest.mark.parametrize(("name", "text", "found"), [
    ("bad-rows.csv", HUJI + f"{ZHANG[:-1]}6,张一,1940-01-01,430102,,\n"
     f"{LI},李二,1945-13-15,430102,,\n" f"{WANG},王三,1930-07-07,999999,,\n"
     f"{ZHANG},,1940-01-01,430102,,\n" f"{LI},李二,1945-03-15,430102,,2027-01-01\n"
     f"{WANG},王三,1930-07-07\n",
     ["bad-rows.csv:2: id_number（4301**********1236）：身份证号校验位不正确",
      "bad-rows.csv:3: birth_date（出生日期）应为 YYYY-MM-DD 格式的日期，而不是“1945-13-15”",
      "bad-rows.csv:4: household_region（户籍所在地）“999999”不是目录中的行政区划代码",
      "bad-rows.csv:5: name（姓名）不能为空",
      "bad-rows.csv:6: as_of（2027-01-01）晚于今天",
      "bad-rows.csv:7: 有 3 列，表头有 6 列"]),
    ("columns.csv", "id_number,name,birth_date,hukou\n",
     ["columns.csv:1: 未知的列 hukou，应为：id_number、as_of、name、birth_date、"
      "household_region、died_on"]),
    ("missing.csv", "id_number,name,birth_date\n",
     ["missing.csv:1: 缺少列 household_region"]),
    ("twice.csv", HUJI + f"{ZHANG},张一,1940-01-01,430102,,\n{ZHANG},张一,1940-01-01,430103,,\n",
     ["twice.csv:3: 同一id_number在本文件前面已有一行"]),
    ("lines.jsonl", f'{{"id_number": "{ZHANG}", "name": "张一", "birth_date": "1940-01-01", '
     '"household_region": "430102"}\n{not json}\n[1, 2]\n'
     f'{{"id_number": "{LI}", "name": "李二", "birth_date": "1945-03-15", '
     '"household_region": "430102", "hukou": 1}\n',
     ["lines.jsonl:2: 不是合法的 JSON：Expecting property name enclosed in double quotes"
      "（第 2 列）", "lines.jsonl:3: 每行应是一个 JSON 对象",
      "lines.jsonl:4: 未知的列 hukou，应为：id_number、as_of、name、birth_date、"
      "household_region、died_on"]),
])
def test_a_malformed_file_is_refused_at_its_lines_with_nothing_written(
        sessions: sessionmaker[Session], catalog: Catalog, tmp_path: Path, name: str,
        text: str, found: list[str]) -> None:
    with pytest.raises(DataInvalid) as refused:
        loaded(sessions, catalog, "HUJI", file(tmp_path, name, text))
    assert refused.value.report.problems == found
    assert written(sessions) == (0, 0)


def test_what_cannot_be_read_at_all(sessions: sessionmaker[Session], catalog: Catalog,
                                    tmp_path: Path) -> None:
    latin = tmp_path / "gbk.csv"
    latin.write_bytes((HUJI + f"{ZHANG},张一,1940-01-01,430102,,\n").encode("gbk"))
    with pytest.raises(DataInvalid) as refused:
        loaded(sessions, catalog, "HUJI", latin)
    assert refused.value.report.problems == ["gbk.csv:1: 文件不是 UTF-8 编码（请另存为 UTF-8）"]
    with pytest.raises(NotFound, match="目录中没有共享数据 NOPE"):
        loaded(sessions, catalog, "NOPE", latin)
    with pytest.raises(Invalid, match=r"只能载入 \.csv 或 \.jsonl"):
        loaded(sessions, catalog, "HUJI", file(tmp_path, "huji.xlsx", "x"))
    assert written(sessions) == (0, 0)


def test_sources_in_the_catalog_are_checked_at_file_and_line(demo_dir: Path,
                                                             tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    for name in ("regions.yaml", "departments.yaml"):
        (catalog / name).write_text((demo_dir / name).read_text(encoding="utf-8"),
                                    encoding="utf-8")
    (catalog / "sources.yaml").write_text(
        "sources:\n"
        "  - code: HUJI\n"
        "    name: 户籍信息\n"
        "    department: NOPE\n"
        "    holder: person\n"
        "    facts:\n"
        "      - {code: month, label: 月份}\n"
        "      - {code: age, label: 年龄, type: integer, options: [一, 二]}\n"
        "      - {code: age, label: 年龄}\n"
        "  - code: TAX\n"
        "    name: 纳税\n"
        "    department: SW\n"
        "    holder: household\n"
        "    facts: []\n", encoding="utf-8")
    document, problems = validate_directory(catalog)
    assert document is None
    assert [f"{Path(p.file).name}:{p.line}: {p.message}" for p in problems] == [
        "sources.yaml:4: 共享数据 HUJI 引用了不存在的部门 NOPE",
        "sources.yaml:7: 共享数据 HUJI 的数据项 month 与固定列（月份）同名，请换一个代码",
        "sources.yaml:8: 共享数据 HUJI 的数据项 age 不是文本类型，不应有 options",
        "sources.yaml:9: 共享数据 HUJI 的数据项 age 重复",
        "sources.yaml:13: 共享数据 TAX：`holder` `household` 不是允许的值，应为：'person' or "
        "'company'",
        "sources.yaml:14: 共享数据 TAX：`facts` 至少要有 1 项",
    ]


def test_the_command_prints_each_problem_at_its_line(tmp_path: Path, demo_dir: Path) -> None:
    env = {**os.environ, "ONETHING_DATA_DIR": str(tmp_path / "data"),
           "ONETHING_DATABASE_URL": ""}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "onething.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    assert run("catalog", "load", str(demo_dir)).returncode == 0
    good = file(tmp_path, "huji.csv", HUJI + f"{ZHANG},张一,1940-01-01,430102,,\n")
    done = run("data", "load", "HUJI", str(good))
    assert (done.returncode, done.stdout.strip()) == (
        0, "已载入共享数据 HUJI（huji.csv）：1 行，新增 1，变更 0，未变 0")
    assert run("data", "load", "HUJI", str(good)).stdout.strip() == \
        "共享数据 HUJI 未变化：1 行与已载入的相同"
    bad = file(tmp_path, "bad.csv", HUJI + f"{LI},李二,1945-03-15,430199,,\n")
    done = run("data", "load", "HUJI", str(bad))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "bad.csv:2: household_region（户籍所在地）“430199”不是目录中的行政区划代码",
        "错误：数据文件有 1 处问题，未载入任何数据"]
