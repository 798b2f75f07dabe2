"""The `onething` command: guide, schema and load, as a catalog administrator uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from samples import FULL


def run(*args: str, env: dict[str, str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "onething.cli", *args], capture_output=True,
                          text=True, timeout=120, input=stdin,
                          env={**os.environ, **(env or {})})


def test_guide_prints_the_guide_json(basic_dir: Path) -> None:
    done = run("guide", "STORE", "--catalog", str(basic_dir), "--answers", json.dumps(FULL))
    assert done.returncode == 0, done.stderr
    guide = json.loads(done.stdout)
    assert guide["bundle"] == "STORE" and guide["promised_days"] == 18
    assert guide["effect"]["after"]["materials"] == 3
    held = run("guide", "STORE", "--catalog", str(basic_dir), "--answers", "-",
               "--licences", "ID_CARD", stdin=json.dumps(FULL))
    assert {m["code"]: m["status"] for m in json.loads(held.stdout)["materials"]}[
        "ID_CARD"] == "licence"


def test_guide_bad_input_is_one_line(basic_dir: Path) -> None:
    cases = [
        ("STORE", json.dumps({**FULL, "premises": "tent"}), "premises"),
        ("STORE", "{not json", "JSON"),
        ("STORE", "[1, 2]", "JSON 对象"),
        ("NOPE", "{}", "NOPE"),
    ]
    for bundle, answers, words in cases:
        done = run("guide", bundle, "--catalog", str(basic_dir), "--answers", answers)
        assert done.returncode != 0
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], done.stderr
        assert done.stdout == ""


def test_schema_is_json_schema() -> None:
    done = run("catalog", "schema")
    schema = json.loads(done.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["properties"]) == {"regions", "departments", "fields", "materials",
                                         "items", "bundles", "sources", "policies"}
    assert "ItemSpec" in schema["$defs"]


def test_load_twice_through_the_cli(tmp_path: Path, basic_dir: Path) -> None:
    env = {"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""}
    first = run("catalog", "load", str(basic_dir), env=env)
    assert first.returncode == 0, first.stderr
    assert "已加载目录版本" in first.stdout
    second = run("catalog", "load", str(basic_dir), env=env)
    assert "目录未变化" in second.stdout
    from_db = run("guide", "FAST", "--answers", "{}", env=env)
    assert json.loads(from_db.stdout)["promised_days"] == 2


def test_load_refuses_an_invalid_catalog_and_changes_nothing(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "a.yaml").write_text("departments:\n  - {code: 1, name: X}\n", encoding="utf-8")
    env = {"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""}
    done = run("catalog", "load", str(catalog), env=env)
    assert done.returncode == 1
    assert f"{catalog / 'a.yaml'}:2:" in done.stderr and "未加载" in done.stderr
    guide = run("guide", "FAST", env=env)
    assert guide.returncode == 1 and "尚未加载事项目录" in guide.stderr


def test_every_demo_file_conforms_to_the_published_schema(demo_dir: Path) -> None:
    import jsonschema
    from ruamel.yaml import YAML

    from onething.catalog.source import catalog_files

    schema = json.loads(run("catalog", "schema").stdout)
    validator = jsonschema.Draft202012Validator(schema)
    files = catalog_files(demo_dir)
    assert len(files) >= 5
    for path in files:
        document = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == [], f"{path}: {errors}"
    wrong = {"items": [{"code": "X", "name": "x", "type": "审批", "department": "D",
                        "level": "county", "legal_days": -1, "promised_days": 0}]}
    assert len(list(validator.iter_errors(wrong))) == 2


def test_workdays_add_and_load(tmp_path: Path) -> None:
    env = {"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""}
    assert run("workdays", "add", "2026-09-30", "1", env=env).stdout.strip() == "2026-10-08"
    crossing = run("workdays", "add", "2026-12-30", "3", env=env)
    assert crossing.stdout.strip() == "2027-01-05" and "暂定" in crossing.stderr
    notice = Path(__file__).resolve().parents[1] / "docs" / "notice-2027.example.yaml"
    loaded = run("workdays", "load", str(notice), env=env)
    assert loaded.returncode == 0 and "2027" in loaded.stdout, loaded.stderr
    official = run("workdays", "add", "2027-02-04", "1", env=env)
    assert official.stdout.strip() == "2027-02-15" and official.stderr == ""
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\nholidays: [{name: 春节, from: 2027-02-30}]\n", encoding="utf-8")
    refused = run("workdays", "load", str(bad), env=env)
    assert refused.returncode == 1 and "bad.yaml" in refused.stderr and "日期" in refused.stderr
    assert run("workdays", "add", "2026-02-30", "1", env=env).returncode == 1


def test_user_add_reads_the_password_from_stdin(tmp_path: Path, basic_dir: Path) -> None:
    env = {"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""}
    run("catalog", "load", str(basic_dir), env=env)
    made = run("user", "add", "wang", "--role", "approver", "--region", "430102",
               "--department", "SCJG", env=env, stdin="Secret123\n")
    assert made.returncode == 0 and "wang" in made.stdout, made.stderr
    again = run("user", "add", "wang", "--role", "clerk", "--region", "439999", env=env,
                stdin="short\n")
    assert again.returncode == 1
    for words in ("已存在", "439999", "密码长度至少 8 位", "至少三类"):
        assert words in again.stderr


def test_user_import_as_an_administrator_all_or_nothing(tmp_path: Path,
                                                        basic_dir: Path) -> None:
    env = {"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""}
    run("catalog", "load", str(basic_dir), env=env)
    run("user", "add", "admin_cs", "--role", "admin", "--region", "430100", env=env,
        stdin="Secret123\n")
    good, bad = tmp_path / "staff.csv", tmp_path / "bad.csv"
    good.write_text("用户名,姓名,角色,行政区划\nwang,王芳,综合窗口人员,430102\n", encoding="gbk")
    bad.write_text("username,display_name,role,region\nzz,株洲,clerk,430200\n")
    refused = run("user", "import", str(bad), "--admin", "admin_cs", env=env)
    assert refused.returncode == 1
    assert f"{bad}：第 2 行：行政区划：只能管理本地区及下级地区的工作人员" in refused.stderr
    done = run("user", "import", str(good), "--admin", "admin_cs", env=env)
    assert done.returncode == 0 and "第 2 行\twang\t新增\t初始密码：" in done.stdout, done.stderr
    again = run("user", "import", str(good), "--admin", "admin_cs", env=env)
    assert "没有任何变化" in again.stderr and "无变化" in again.stdout


def test_user_list_names_every_account_with_its_role_and_office(tmp_path: Path,
                                                                  basic_dir: Path) -> None:
    env = {"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""}
    run("catalog", "load", str(basic_dir), env=env)
    run("user", "add", "wang", "--role", "approver", "--region", "430102",
        "--department", "SCJG", "--display-name", "王审批", env=env, stdin="Secret123\n")
    run("user", "add", "zhao", "--role", "applicant", env=env, stdin="Secret123\n")
    listed = run("user", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert "wang\t部门审批人员\t王审批\t430102 SCJG" in lines
    assert any(line.startswith("zhao\t申请人") for line in lines)
    assert "共 2 个用户" in listed.stderr
    approvers = run("user", "list", "--role", "approver", env=env)
    assert [line.split("\t")[0] for line in approvers.stdout.splitlines()] == ["wang"]
    assert run("user", "list", "--role", "boss", env=env).returncode == 2


def test_backfill_of_durations_says_what_it_did(tmp_path: Path) -> None:
    env = {"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""}
    done = run("db", "backfill", env=env)
    assert done.returncode == 0, done.stderr
    assert "已补算办理用时：事项 0 个，办件 0 个" in done.stdout
