"""The document library (文件库) on both databases: the demo folder imports (again: nothing
changes; a changed file: what changed is reported), a bad folder is refused at file:line
with nothing written, anyone searches by words (ranked, filtered by body, year, status and
category) and asks a document's status on any date; editors of the issuing body enter a
document and record a status change; the Atom feed is valid XML; the pages show whether a
document is in force."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from onething.kernel.config import Settings, demo_library_dir
from onething.kernel.jobs import Run
from onething.kernel.principal import Role
from onething.library import rules, service
from onething.library.jobs import keep_today
from onething.library.loading import LibraryInvalid, load
from onething.library.models import Document, StatusChange
from onething.library.rules import Change, DocStatus
from samples import PDF
from world import MONDAY, Api, Clock, World

PEOPLE = [("zhang", Role.applicant, None, None),
          ("scjg_cs", Role.approver, "430100", "SCJG"),
          ("scjg_hn", Role.approver, "430000", "SCJG"),
          ("ga_cs", Role.approver, "430100", "GA"),
          ("admin", Role.admin, "430000", None)]
DOCS = "/api/v1/library/documents"


@pytest.fixture
def world(demo_world: World) -> World:
    return demo_world


def imported(world: World, directory: Path | None = None) -> Any:
    with world.as_("admin") as ctx:
        return load(ctx.session, world.catalog, directory or demo_library_dir(),
                    world.users["admin"], world.files_root, MONDAY)


def count(world: World) -> tuple[int, int]:
    with world.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Document)) or 0,
                s.scalar(select(func.count()).select_from(StatusChange)) or 0)


def doc_id(api: Api, number: str) -> int:
    found = api.client.get(DOCS, params={"q": number, "limit": 50}).json()
    return next(d["id"] for d in found["items"] if d["number"] == number)


def test_pure_status_on_a_date_and_date_order() -> None:
    day = dt.date
    changes = [Change(day(2023, 3, 1), DocStatus.amended, 7),
               Change(day(2025, 6, 1), DocStatus.repealed)]
    on = lambda d: rules.status_on(day(2020, 2, 25), day(2020, 3, 1), changes, d)  # noqa: E731
    assert on(day(2020, 2, 1)).status is None
    assert on(day(2020, 2, 26)).name == "尚未施行"
    assert (on(day(2021, 1, 1)).status, on(day(2021, 1, 1)).since) == (
        DocStatus.valid, day(2020, 3, 1))
    assert on(day(2024, 1, 1)).in_force and on(day(2024, 1, 1)).change.replaced_by == 7
    assert not on(day(2026, 1, 1)).in_force and on(day(2026, 1, 1)).banner == "已废止"
    bad = rules.date_problems(day(2020, 3, 1), day(2020, 2, 1), day(2020, 1, 1),
                              [Change(day(2019, 1, 1), DocStatus.repealed),
                               Change(day(2021, 1, 1), DocStatus.valid)])
    assert [f for f, _ in bad] == ["published", "effective", "status[0]", "status[1]"]


def test_the_demo_folder_imports_once_and_again_changes_nothing(world: World, tmp_path: Path
                                                                ) -> None:
    first = imported(world)
    assert len(first.added) >= 30 and not first.updated
    before = count(world)
    again = imported(world)
    assert (again.added, again.updated, len(again.unchanged)) == ([], [], len(first.added))
    assert count(world) == before
    folder = tmp_path / "docs"
    shutil.copytree(demo_library_dir(), folder)
    meta = folder / "hn-2020-yshj.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace(
        "湖南省人民政府关于进一步优化营商环境的若干意见", "湖南省人民政府关于优化营商环境的意见"),
        encoding="utf-8")
    (folder / "hn-2020-yshj.pdf").write_bytes(PDF)
    changed = imported(world, folder)
    assert changed.updated == [("湘政发〔2020〕3号", ["标题", "PDF"])]
    assert count(world) == before


def test_a_bad_folder_is_refused_at_file_and_line_with_nothing_written(
        world: World, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    shutil.copytree(demo_library_dir(), folder)
    unknown = folder / "zz-2021-yshj.yaml"
    unknown.write_text(unknown.read_text(encoding="utf-8").replace(
        "issuer: 株洲市人民政府", "issuer: 株洲市魔法局"), encoding="utf-8")
    early = folder / "hn-2023-yshj.yaml"
    early.write_text(early.read_text(encoding="utf-8").replace(
        "effective: 2023-03-01", "effective: 2022-01-01"), encoding="utf-8")
    before = folder / "hn-2019-yjs.yaml"
    before.write_text(before.read_text(encoding="utf-8").replace(
        "  - on: 2020-06-01", "  - on: 2019-03-01"), encoding="utf-8")
    with pytest.raises(LibraryInvalid) as refused:
        imported(world, folder)
    problems = refused.value.report.problems
    assert f"{unknown}:5: 发文机关“株洲市魔法局”不是已知的机关" in problems[2]
    assert f"{early}:9: 施行日期 2022-01-01 早于成文日期 2023-01-30" in problems
    assert any(p.startswith(f"{before}:10: 状态变更日期 2019-03-01 早于发布日期") for p in problems)
    assert count(world) == (0, 0)


def test_search_by_words_ranked_and_filtered_and_as_of(world: World, api: Api) -> None:
    imported(world)
    found = api.client.get(DOCS, params={"q": "异地就医"}).json()  # anyone, no token
    assert found["words"] == ["异地", "就医"]
    assert [d["number"] for d in found["items"]] == ["湘医保发〔2022〕20号", "湘医保发〔2020〕11号"]
    assert [d["status"]["status_name"] for d in found["items"]] == ["有效", "已修改"]
    # the title's words rank above the text's
    titled = api.client.get(DOCS, params={"q": "婚姻登记"}).json()["items"]
    assert {d["number"] for d in titled[:2]} == {"湘民发〔2021〕10号", "湘民发〔2023〕6号"}
    repealed = api.client.get(DOCS, params={"q": "婚姻登记", "status": "repealed"}).json()
    assert [d["number"] for d in repealed["items"]] == ["湘民发〔2021〕10号"]
    by_body = api.client.get(DOCS, params={"body": "湖南省医疗保障局", "year": 2022}).json()
    assert [d["number"] for d in by_body["items"]] == ["湘医保发〔2022〕20号"]
    topic = api.client.get(DOCS, params={"category": "政务公开", "limit": 50}).json()
    assert topic["total"] == 3
    assert api.client.get(DOCS, params={"q": "火星移民"}).json()["total"] == 0
    unknown = api.client.get(DOCS, params={"body": "火星人民政府"})
    assert unknown.status_code == 422
    old = doc_id(api, "湘民发〔2021〕10号")
    new = doc_id(api, "湘民发〔2023〕6号")
    asked = {day: api.client.get(f"{DOCS}/{old}", params={"as_of": day}).json()["status"]
             for day in ("2021-05-01", "2021-05-30", "2022-01-01", "2024-01-01")}
    assert asked["2021-05-01"]["status"] is None
    assert asked["2021-05-30"]["status_name"] == "尚未施行"
    assert (asked["2022-01-01"]["status"], asked["2022-01-01"]["since"]) == (
        "valid", "2021-06-01")
    assert (asked["2024-01-01"]["status"], asked["2024-01-01"]["since"],
            asked["2024-01-01"]["replaced_by"]) == ("repealed", "2023-06-01", new)


def test_editors_enter_a_document_and_record_its_status(world: World, api: Api) -> None:
    imported(world)
    body = {"number": "长市监发〔2026〕1号",
            "title": "长沙市市场监督管理局关于个体工商户年报的通知",
            "issuer": "长沙市市场监督管理局", "written_on": "2026-01-05",
            "published_on": "2026-01-10", "categories": ["市场监管"],
            "text": "个体工商户应当于每年6月30日前报送上一年度年度报告。"
                    "本文为演示文本，非正式公文。"}
    assert api.post("zhang", DOCS, body).status_code == 403
    assert api.post("ga_cs", DOCS, body).status_code == 403  # not its department
    assert api.post("scjg_cs", DOCS, {**body, "issuer": "湖南省市场监督管理局"}
                    ).status_code == 403  # above its region
    late = api.post("scjg_cs", DOCS, {**body, "effective_on": "2025-12-31"})
    assert late.status_code == 422 and "早于成文日期" in late.text
    made = api.post("scjg_cs", DOCS, body)
    assert made.status_code == 201, made.text
    new = made.json()
    assert new["status"]["status_name"] == "有效" and new["issuer"] == "长沙市市场监督管理局"
    old = doc_id(api, "长市监发〔2021〕8号")
    path = f"{DOCS}/{old}/status-changes"
    early = api.post("scjg_cs", path, {"on": "2020-01-01", "status": "repealed"})
    assert early.status_code == 422 and "早于发布日期" in early.text
    nowhere = api.post("scjg_cs", path, {"on": "2026-02-01", "status": "repealed",
                                         "replaced_by": "不存在〔2026〕9号"})
    assert nowhere.status_code == 422
    assert api.post("ga_cs", path, {"on": "2026-02-01", "status": "repealed"}
                    ).status_code == 403
    done = api.post("scjg_cs", path, {"on": "2026-02-01", "status": "repealed",
                                      "replaced_by": "长市监发〔2026〕1号", "note": "演示"})
    assert done.status_code == 201, done.text
    assert done.json()["status"]["replaced_by"] == new["id"]
    after = api.post("scjg_cs", path, {"on": "2026-03-01", "status": "valid"})
    assert after.status_code == 422 and "之后不能再变更状态" in after.text
    page = api.client.get(f"/library/{old}").text
    assert "已废止" in page and "长市监发〔2026〕1号" in page
    before = api.client.get(f"/library/{old}", params={"as_of": "2025-01-01"}).text
    assert "当日有效" in before


def test_the_atom_feed_and_the_pages(world: World, api: Api) -> None:
    imported(world)
    feed = api.client.get("/library/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert len(titles) >= 30 and titles[0] == (
        "湖南省人民政府办公厅关于印发《2024年湖南省政务公开工作要点》的通知")
    page = api.client.get("/library", params={"q": "异地就医"})
    assert page.status_code == 200 and "湘医保发〔2022〕20号" in page.text
    assert "演示数据" in page.text
    first = doc_id(api, "湘政发〔2020〕8号")
    text = api.client.get(f"/library/{first}/text")
    assert "本文为演示文本，非正式公文" in text.text
    assert text.headers["content-disposition"].startswith("attachment")
    assert api.client.get(f"/library/{first}/pdf").status_code == 404


def test_a_search_counts_up_to_a_cap_and_says_more(world: World, api: Api,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    imported(world)
    monkeypatch.setattr(service, "COUNTED", 5)
    every = api.client.get(DOCS, params={"q": "演示文本", "limit": 50}).json()
    assert (every["total"], every["more"]) == (5, True) and len(every["items"]) > 5
    newest = api.client.get(DOCS, params={"limit": 50}).json()
    assert (newest["total"], newest["more"]) == (5, True) and len(newest["items"]) > 5
    few = api.client.get(DOCS, params={"q": "异地就医"}).json()
    assert (few["total"], few["more"]) == (2, False)
    page = api.client.get("/library", params={"q": "演示文本"}).text
    assert "找到 5 多件" in page and "可加筛选条件缩小范围" in page


def test_todays_status_kept_right_across_a_dated_change(world: World, api: Api,
                                                        clock: Clock) -> None:
    imported(world)
    old = doc_id(api, "长市监发〔2021〕8号")
    done = api.post("scjg_cs", f"{DOCS}/{old}/status-changes",
                    {"on": "2026-12-03", "status": "repealed"})  # MONDAY is 2026-11-23
    assert done.status_code == 201, done.text

    def listed(status: str) -> bool:
        found = api.client.get(DOCS, params={"status": status, "limit": 50}).json()
        return old in {d["id"] for d in found["items"]}

    assert listed("valid") and not listed("repealed")
    # 2026-12-03 00:30 in China: the change is in force, the daily job has not run yet
    clock.now = dt.datetime(2026, 12, 2, 16, 30, tzinfo=dt.UTC)
    assert listed("repealed") and not listed("valid")
    assert "已废止" in api.client.get(f"/library/{old}").text
    assert "1 件" in keep_today(Run(world.sessions, Settings(), clock.now))
    assert listed("repealed") and not listed("valid")
    day_before = api.client.get(f"{DOCS}/{old}", params={"as_of": "2026-12-02"}).json()
    assert day_before["status"]["status"] == "valid"
    clock.now = MONDAY  # a day before the kept change: read from the history
    assert listed("valid") and not listed("repealed")
