"""The `onething` command. Every failure is one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from onething.cli import draw, inspections, library
from onething.cli.common import EXIT_INVALID, EXIT_USAGE, CliError

# the roles of a person's account (onething.kernel.principal.PERSON_ROLES), spelled here so
# that --help needs no imports
ROLES = ["applicant", "proxy", "clerk", "approver", "supervisor", "operator", "admin"]



def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# --- catalog -------------------------------------------------------------------


def cmd_catalog_schema(args: argparse.Namespace) -> int:
    from onething.catalog.spec import json_schema

    _print_json(json_schema())
    return 0


def cmd_catalog_validate(args: argparse.Namespace) -> int:
    from onething.catalog.validate import validate_directory

    document, problems = validate_directory(Path(args.directory))
    for problem in problems:
        print(problem, file=sys.stderr)
    if document is None:
        print(f"目录无效：共 {len(problems)} 处问题", file=sys.stderr)
        return EXIT_INVALID
    counts = "，".join(
        f"{n} 个{label}" for label, n in (
            ("一件事", len(document.bundles)), ("事项", len(document.items)),
            ("材料", len(document.materials)), ("表单字段", len(document.fields)),
            ("部门", len(document.departments)), ("行政区划", len(document.regions)),
            ("共享数据", len(document.sources)), ("政策", len(document.policies)),
        )
    )
    print(f"目录有效：{counts}")
    return 0


def cmd_hotline_validate(args: argparse.Namespace) -> int:
    from onething.hotline.reference import DATA_DIR, read_data

    directory = Path(args.directory) if args.directory else DATA_DIR
    data, problems = read_data(directory)
    for problem in problems:
        print(problem, file=sys.stderr)
    if data is None:
        print(f"热线数据无效：共 {len(problems)} 处问题", file=sys.stderr)
        return EXIT_INVALID
    from onething.open311.reference import SERVICES_FILE, read_services

    # the Open311 services: open311.yaml beside the data when there is one, else the shipped
    beside = directory / "open311.yaml"
    services, problems = read_services(beside if beside.exists() else SERVICES_FILE,
                                       data.categories)
    for problem in problems:
        print(problem, file=sys.stderr)
    if services is None:
        print(f"Open311 服务数据无效：共 {len(problems)} 处问题", file=sys.stderr)
        return EXIT_INVALID
    leaves = sum(c.leaf for c in data.categories.values())
    print(f"热线数据有效：{len(data.categories)} 个诉求分类（{leaves} 个末级），"
          f"{len(data.rules)} 条派单规则，{len(data.limits)} 条时限，"
          f"{len(services)} 个 Open311 服务")
    return 0


def cmd_catalog_load(args: argparse.Namespace) -> int:
    from onething.catalog.validate import validate_directory

    document, problems = validate_directory(Path(args.directory))
    if document is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise CliError(f"目录无效（{len(problems)} 处问题），未加载任何内容")
    from onething.catalog import service
    from onething.kernel.db import unit_of_work

    with unit_of_work(_database()) as session:
        report = service.load(session, document, str(Path(args.directory).resolve()))
    if not report.changed:
        print(f"目录未变化：当前版本 {report.version}（#{report.version_id}）")
        return 0
    print(f"已加载目录版本 {report.version}（#{report.version_id}）")
    for kind, label in (("added", "新增"), ("updated", "更新"), ("restored", "恢复"),
                        ("withdrawn", "撤下（保留记录）")):
        for section, codes in getattr(report, kind).items():
            shown = ", ".join(codes) if len(codes) <= 12 else f"{len(codes)} 项"
            print(f"  {label} {section}: {shown}")
    return 0


# --- guide ---------------------------------------------------------------------


def _no_constant(name: str) -> Any:
    raise ValueError(f"不接受 {name}（NaN/Infinity 不是合法的 JSON 数字）")


def _answers(text: str) -> dict[str, Any]:
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"无法读取回答文件 {text[1:]}：{exc}") from exc
    try:
        answers = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise CliError(f"--answers 不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列："
                       f"{exc.msg}）") from exc
    except (ValueError, RecursionError) as exc:
        raise CliError(f"--answers 无法读取：{str(exc)[:100]}") from exc
    if not isinstance(answers, dict):
        raise CliError("--answers 必须是 JSON 对象，如 {\"premises\": \"rented\"}")
    return answers


def cmd_guide(args: argparse.Namespace) -> int:
    from onething.guide.engine import GuideError, compute_guide

    answers = _answers(args.answers)
    catalog = _catalog(args.catalog)
    licences = [c.strip() for c in (args.licences or "").split(",") if c.strip()]
    try:
        guide = compute_guide(catalog, args.bundle, answers, licences)
    except GuideError as exc:
        raise CliError(str(exc)) from exc
    _print_json(guide.as_dict())
    return 0


def _catalog(directory: str | None) -> Any:
    from onething.catalog.linked import build_catalog
    from onething.catalog.validate import validate_directory

    if directory is None:
        from onething.catalog.service import NoCatalog, current_catalog
        from onething.kernel.db import unit_of_work

        with unit_of_work(_database()) as session:
            try:
                return current_catalog(session)
            except NoCatalog as exc:
                raise CliError(str(exc)) from exc
    document, problems = validate_directory(Path(directory))
    if document is None:
        first = problems[0] if problems else "未知问题"
        raise CliError(f"目录无效（{len(problems)} 处问题），第一处：{first}")
    return build_catalog(document)


# --- Open311 --------------------------------------------------------------------------


def cmd_open311_key_add(args: argparse.Namespace) -> int:
    from onething.kernel.clock import utcnow
    from onething.kernel.db import unit_of_work
    from onething.open311 import keys

    with unit_of_work(_database()) as session:
        key, raw = keys.add(session, args.name, utcnow(), args.region)
        where = f"，默认地区 {key.region_code}" if key.region_code else ""
        print(f"已为 {key.name} 创建 Open311 接入密钥{where}。"
              "密钥只显示这一次，请妥善交给对方：")
    print(raw)  # the last line: the key itself
    return 0


def cmd_open311_key_revoke(args: argparse.Namespace) -> int:
    from onething.kernel.clock import utcnow
    from onething.kernel.db import unit_of_work
    from onething.open311 import keys

    with unit_of_work(_database()) as session:
        key = keys.revoke(session, args.name, utcnow())
        print(f"已吊销 {key.name} 的 Open311 接入密钥")
    return 0


def cmd_open311_key_list(args: argparse.Namespace) -> int:
    from onething.kernel.clock import CHINA
    from onething.kernel.db import unit_of_work
    from onething.open311 import keys

    with unit_of_work(_database()) as session:
        found = keys.listing(session)
        for key in found:
            state = (f"已吊销（{key.revoked_at.astimezone(CHINA):%Y-%m-%d %H:%M}）"
                     if key.revoked_at else "有效")
            used = (f"{key.last_used_at.astimezone(CHINA):%Y-%m-%d %H:%M}"
                    if key.last_used_at else "未使用")
            print(f"{key.name}\t{key.region_code or '—'}\t"
                  f"{key.created_at.astimezone(CHINA):%Y-%m-%d %H:%M}\t{state}\t最近使用：{used}")
    print(f"共 {len(found)} 个 Open311 接入方", file=sys.stderr)
    return 0


# --- people ---------------------------------------------------------------------------


def cmd_user_add(args: argparse.Namespace) -> int:
    from onething.identity import service as identity
    from onething.kernel.db import unit_of_work
    from onething.kernel.principal import Role

    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise CliError("请从标准输入提供密码，例如：echo '密码' | onething user add ...")
    with unit_of_work(_database()) as session:
        user = identity.create_user(
            session, username=args.name, password=password, role=Role(args.role),
            display_name=args.display_name, region=args.region,
            department=args.department, id_number=args.id_number)
        print(f"已创建用户 {user.username}（{args.role}，id {user.id}）")
    return 0


def cmd_user_import(args: argparse.Namespace) -> int:
    """A staff CSV, as the administrator `--admin` imports it on the pages: all or nothing,
    every bad row named by its line."""
    from onething.identity import service as identity
    from onething.identity import staff
    from onething.kernel.clock import utcnow
    from onething.kernel.db import unit_of_work
    from onething.kernel.errors import DomainError

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"无法读取 {args.file}：{exc.strerror or exc}") from exc
    catalog = _catalog(None)
    with unit_of_work(_database()) as session:
        actor = identity.principal_of(identity.find_user(session, args.admin))
        try:
            report = staff.import_staff(session, actor, catalog, data, utcnow())
        except DomainError as exc:
            for problem in exc.problems:
                print(f"{args.file}：{problem.message}", file=sys.stderr)
            raise CliError(exc.detail, EXIT_INVALID) from exc
        for line in report.lines:
            changed = "；".join(f"{name}：{a or '（空）'} → {b or '（空）'}"
                               for name, (a, b) in line.changes.items())
            print(f"第 {line.line} 行\t{line.username}\t{staff.OUTCOME_NAMES[line.outcome]}"
                  + (f"\t初始密码：{line.password}" if line.password else "")
                  + (f"\t{changed}" if changed else ""))
    print(report.summary, file=sys.stderr)
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from onething.identity import service as identity
    from onething.kernel.db import unit_of_work
    from onething.kernel.principal import ROLE_NAMES, Role

    with unit_of_work(_database()) as session:
        found = identity.list_users(session, role=Role(args.role) if args.role else None,
                                    region=args.region)
        for user in found:
            where = " ".join(p for p in (user.region_code, user.department_code) if p)
            state = ("  （已停用）" if not user.active
                     else "  （已锁定）" if user.locked_at is not None else "")
            print(f"{user.username}\t{ROLE_NAMES[Role(user.role)]}\t{user.display_name}"
                  f"\t{where or '—'}{state}")
    print(f"共 {len(found)} 个用户", file=sys.stderr)
    return 0


# --- working days ---------------------------------------------------------------------


def cmd_workdays_add(args: argparse.Namespace) -> int:
    import datetime as dt

    try:
        start = dt.date.fromisoformat(args.date)
    except ValueError as exc:
        raise CliError(f"日期格式应为 YYYY-MM-DD：{args.date}") from exc
    if args.days < 0:
        raise CliError(f"工作日数不能为负数：{args.days}")
    deadline = _calendar().add(start, args.days)
    print(deadline.date.isoformat())
    if deadline.provisional:
        print("注意：期间含尚未加载官方放假安排的年份，已按法定节假日推算，结果为暂定",
              file=sys.stderr)
    return 0


def _calendar() -> Any:
    from onething.calendar.service import current_calendar
    from onething.kernel.db import unit_of_work

    with unit_of_work(_database()) as session:
        return current_calendar(session)


def cmd_workdays_load(args: argparse.Namespace) -> int:
    """The same check and load as the administrators' page (/admin/calendar), without its
    preview: the notice stored and the open deadlines it moves recomputed."""
    from onething.cases import deadlines
    from onething.kernel.db import unit_of_work
    from onething.kernel.errors import DomainError
    from onething.kernel.principal import SYSTEM

    try:
        text = Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"{args.file}: 无法读取：{exc.strerror}") from exc
    try:
        with unit_of_work(_database()) as session:
            loaded = deadlines.load(session, SYSTEM, {}, text, None)
    except DomainError as exc:
        raise CliError(f"{args.file}: {exc.problems[0].message if exc.problems else exc.detail}"
                       ) from exc
    print(f"已加载 {loaded.year} 年放假安排：放假 {loaded.holidays} 天，"
          f"调休上班 {loaded.workdays} 天；重新计算期限 {loaded.moves.total} 个")
    return 0


# --- database and service -------------------------------------------------------


def cmd_data_load(args: argparse.Namespace) -> int:
    """共享数据: load a data set file into the facts of its source (one transaction)."""
    from onething.catalog.service import NoCatalog, current_catalog
    from onething.kernel.clock import CHINA, utcnow
    from onething.kernel.db import unit_of_work
    from onething.policies.service import DataInvalid, load

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{args.file}: 文件不存在")
    now = utcnow()
    try:
        with unit_of_work(_database()) as session:
            report = load(session, current_catalog(session), args.source, path,
                          now.astimezone(CHINA).date(), now)
    except DataInvalid as exc:
        for line in exc.report.problems:
            print(line, file=sys.stderr)
        if exc.report.more_problems:
            print(f"…… 另有 {exc.report.more_problems} 处问题", file=sys.stderr)
        raise CliError(exc.detail) from exc
    except NoCatalog as exc:
        raise CliError(str(exc)) from exc
    if not report.wrote:
        print(f"共享数据 {report.source} 未变化：{report.rows} 行与已载入的相同")
        return 0
    print(f"已载入共享数据 {report.source}（{report.file}）：{report.rows} 行，"
          f"新增 {report.added}，变更 {report.changed}，未变 {report.unchanged}")
    return 0


def cmd_credit_load(args: argparse.Namespace) -> int:
    """信用: load a list of 失信 or 守信 records (one transaction; file:line refusals)."""
    from onething.credit.loading import CreditInvalid, load
    from onething.kernel.clock import utcnow
    from onething.kernel.db import unit_of_work

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{args.file}: 文件不存在")
    try:
        with unit_of_work(_database()) as session:
            report = load(session, path, utcnow())
    except CreditInvalid as exc:
        for line in exc.report.problems:
            print(line, file=sys.stderr)
        raise CliError(exc.detail) from exc
    print(f"已载入信用信息（{report.file}）：{report.rows} 行，新增 {report.added}，"
          f"已有 {report.unchanged}")
    return 0


def cmd_policies_match(args: argparse.Namespace) -> int:
    """免申即享: match one policy, or every policy in force, over the shared data."""
    from onething.catalog.service import NoCatalog, current_catalog
    from onething.kernel.clock import CHINA, utcnow
    from onething.kernel.db import unit_of_work
    from onething.policies.matching import in_force, match
    from onething.policies.recheck import stop_unqualified

    now = utcnow()
    today = now.astimezone(CHINA).date()
    try:
        with unit_of_work(_database()) as session:
            catalog = current_catalog(session)
            codes = [args.policy] if args.policy else [p.code for p in in_force(catalog, today)]
            reports = [match(session, catalog, code, today, now) for code in codes]
            stopped = {code: stop_unqualified(session, catalog, code, today, now)
                       for code in codes}
    except NoCatalog as exc:
        raise CliError(str(exc)) from exc
    for r in reports:
        period = f"（{r.period}）" if r.period else ""
        missing = "；".join(f"缺少 {k} 的 {n} 个" for k, n in sorted(r.missing.items()))
        print(f"政策 {r.policy}{period}：比对 {r.checked} 个，新符合 {r.matched} 个，"
              f"此前已符合 {r.already} 个，停发 {stopped[r.policy]} 个"
              + (f"（{missing}）" if missing else ""))
    return 0


def cmd_policies_pay(args: argparse.Namespace) -> int:
    """政策兑现: one payout batch of a policy's approved matches of a period, and its file for
    the bank or treasury."""
    from onething.catalog.service import NoCatalog, current_catalog
    from onething.kernel.clock import CHINA, utcnow
    from onething.kernel.db import unit_of_work
    from onething.kernel.principal import SYSTEM
    from onething.policies.matching import period_of
    from onething.policies.payouts import export_batch, make_batch, policy_of

    now = utcnow()
    try:
        with unit_of_work(_database()) as session:
            catalog = current_catalog(session)
            policy = policy_of(catalog, args.policy)
            period = args.period if args.period is not None else period_of(
                policy, now.astimezone(CHINA).date())
            batch = make_batch(session, catalog, args.policy, period, SYSTEM, now)
            name, data = export_batch(session, catalog, batch, SYSTEM)
            target = Path(args.csv) if args.csv else Path(name)
            target.write_bytes(data)
    except NoCatalog as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"{args.csv or name}: 无法写入：{exc.strerror}") from exc
    print(f"发放批次 {batch.id}：政策 {args.policy}（{batch.period or '一次性'}）"
          f"{batch.count} 笔，合计 {batch.total} 元；发放文件 {target}")
    return 0


def _database() -> Any:
    """A session factory on the configured database, migrated to the newest schema."""
    from onething.kernel.config import get_settings
    from onething.kernel.db import make_engine, session_factory, writer
    from onething.ops.migrate import upgrade

    engine = make_engine(get_settings().db_url)
    upgrade(engine)
    return session_factory(writer(engine))


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from onething.kernel.config import get_settings

    _database()
    print(f"数据库已是最新结构：{_masked(get_settings().db_url)}")
    return 0


def cmd_db_backfill(args: argparse.Namespace) -> int:
    """Durations of the cases decided before they were kept (migration 0005)."""
    from onething.calendar.service import current_calendar
    from onething.cases.durations import backfill

    sessions = _database()
    with sessions() as session:
        calendar = current_calendar(session)
    tasks, applications = backfill(sessions, calendar)
    print(f"已补算办理用时：事项 {tasks} 个，办件 {applications} 个。")
    return 0


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Checks every audit chain; names the first broken record."""
    from onething.audit.service import heads, verify

    with _database()() as session:
        checked, broken = verify(session)
        if broken is not None:
            raise CliError(f"审计链校验失败（已检查 {checked} 条）：{broken}", code=1)
        print(f"审计链完好：已检查 {checked} 条记录。")
        for chain, (seq, digest) in sorted(heads(session).items()):
            print(f"  链 {chain}：第 {seq} 条，哈希 {digest}")
    return 0


def _card_profile(value: str | None = None) -> Any:
    """The card profile (ONETHING_CARD_PROFILE, or `value`); every problem as file:line."""
    from onething.kernel.config import get_settings
    from onething.supervision.profile import ProfileError, load_profile

    chosen = value or get_settings().card_profile
    try:
        return load_profile(chosen)
    except ProfileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        raise CliError(f"红黄牌规则无效（ONETHING_CARD_PROFILE={chosen}）：共 "
                       f"{len(exc.problems)} 处问题") from exc


def cmd_cards_profile(args: argparse.Namespace) -> int:
    """Check a card profile and print what it raises, in words (as /admin/settings)."""
    from onething.supervision.profile import described

    profile = _card_profile(args.profile)
    print(f"红黄牌规则：{profile.name}（{profile.code}，{profile.path}）")
    for row in described(profile):
        limit = f"，时限 {row.limit}" if row.limit else ""
        applied = "" if row.applied else "（尚未启用）"
        print(f"  {row.name}{limit}{applied}")
        for card, words in row.cards.items():
            if words:
                print(f"    {card}：{words}")
    return 0


def cmd_exchange_keygen(args: argparse.Namespace) -> int:
    """跨省通办: a new Ed25519 key pair in DIR; prints the public key for partners."""
    from onething.exchange.signing import keygen

    try:
        private, public = keygen(Path(args.directory))
    except FileExistsError as exc:
        raise CliError(f"密钥文件已存在，不会覆盖：{exc}") from exc
    print(f"私钥（权限 0600，设置 ONETHING_EXCHANGE_KEY={private}）")
    print(f"公钥（提供给合作平台写入其合作平台文件的 public_key）：\n{public}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Deadline sweeps, rating invitations and notifications, outside the web processes."""
    import time

    from onething.kernel.clock import utcnow
    from onething.kernel.config import get_settings
    from onething.kernel.jobs import NotReady, Run, run_all
    from onething.kernel.privacy import mask_logs

    mask_logs()
    _card_profile()
    settings, sessions = get_settings(), _database()
    kept: dict[str, Any] = {}  # what the jobs keep between runs (the catalog)
    while True:
        try:
            print(run_all(Run(sessions, settings, utcnow(), kept)), flush=True)
        except NotReady as exc:
            raise CliError(str(exc)) from exc
        if args.once:
            return 0
        time.sleep(args.interval)


def cmd_demo_generate(args: argparse.Namespace) -> int:
    import time

    from onething.catalog.service import NoCatalog, current_catalog
    from onething.demo.data import generate
    from onething.kernel.config import get_settings

    sessions = _database()
    with sessions() as session:
        try:
            catalog = current_catalog(session)
        except NoCatalog as exc:
            raise CliError(str(exc)) from exc
    started = time.perf_counter()
    tty = sys.stderr.isatty()

    def progress(done: int) -> None:
        if tty and (done % (10000 if args.fast else 10) == 0 or done == args.applications):
            print(f"\r已生成 {done}/{args.applications}", end="", file=sys.stderr, flush=True)

    if args.fast:
        from onething.demo.bulk import generate_fast

        bulk = generate_fast(sessions, catalog, args.applications, seed=args.seed,
                             progress=progress)
        summary = "，".join(f"{k} {v}" for k, v in sorted(bulk.rows.items()))
        statuses = "，".join(f"{k} {v}" for k, v in sorted(bulk.statuses.items()))
        count = bulk.applications
        detail = f"写入 {summary}"
    else:
        result = generate(sessions, catalog, get_settings().data_dir, args.applications,
                          seed=args.seed, progress=progress)
        statuses = "，".join(f"{k} {v}" for k, v in sorted(result.statuses.items()))
        count = result.applications
        detail = f"评价 {result.ratings}，差评整改 {result.rectifications}"
    if tty:
        print(file=sys.stderr)
    seconds = time.perf_counter() - started
    print(f"已生成 {count} 个办件（{seconds:.1f} 秒）：{statuses}；{detail}")
    return 0


def _demo_users() -> None:
    from onething.catalog.service import current_catalog
    from onething.demo.disclosure import ensure_demo_disclosure
    from onething.demo.inspections import ensure_demo_inspections
    from onething.demo.library import ensure_demo_library
    from onething.demo.market import ensure_demo_market
    from onething.demo.people import ensure_demo_users, login_help
    from onething.kernel.clock import utcnow
    from onething.kernel.config import get_settings
    from onething.kernel.db import unit_of_work

    with unit_of_work(_database()) as session:
        catalog = current_catalog(session)
        people = ensure_demo_users(session, catalog)
        session.flush()
        ensure_demo_market(session, catalog)
        ensure_demo_inspections(session, catalog, utcnow())
        ensure_demo_disclosure(session, catalog, utcnow())
        ensure_demo_library(session, catalog, get_settings().data_dir, utcnow())
    print(login_help(people))


def _demo_applications(count: int) -> None:
    """A fresh demo database gets `count` applications of the last three months (the fast
    generator: what the services would have written), so every role's lists and figures
    show something on the first visit; a database holding applications is left as it is."""
    from sqlalchemy import func, select

    from onething.cases.models import Application
    from onething.catalog.service import current_catalog
    from onething.demo.bulk import generate_fast

    sessions = _database()
    with sessions() as session:
        if count <= 0 or session.scalar(select(func.count()).select_from(Application)):
            return
        catalog = current_catalog(session)
    made = generate_fast(sessions, catalog, count, months=3)
    print(f"演示：已生成近三个月的 {made.applications} 个办件（onething demo generate 可再生成）")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from onething.kernel.config import demo_catalog_dir, get_settings

    _card_profile()
    if args.demo or args.catalog:
        directory = args.catalog or str(demo_catalog_dir())
        cmd_catalog_load(argparse.Namespace(directory=directory))
    else:
        _database()
    if args.demo:
        _demo_users()
        _demo_applications(args.demo_applications)
    print(f"onething 正在运行：http://{args.host}:{args.port}/  "
          f"（数据库 {_masked(get_settings().db_url)}）", flush=True)
    uvicorn.run("onething.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="info", proxy_headers=True,
                log_config=_log_config())
    return 0


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, and the platform's own lines (errors with their tracebacks,
    notifications, sweeps) written by the same handler, in the same format."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["onething"] = {"handlers": ["default"], "level": "INFO",
                                     "propagate": False}
    return config


# --- backups ---------------------------------------------------------------------


def cmd_backup(args: argparse.Namespace) -> int:
    from onething.kernel.config import get_settings
    from onething.ops.backup import BackupError, backup

    settings = get_settings()
    try:
        made = backup(settings.db_url, settings.data_dir, Path(args.path))
    except BackupError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    print(f"已备份到 {args.path}：数据库 {made.database_bytes} 字节（结构版本 {made.schema}，"
          f"完整性检查通过），上传文件 {made.files} 个（{made.file_bytes} 字节）")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from onething.kernel.config import get_settings
    from onething.ops.backup import BackupError, restore

    settings = get_settings()
    try:
        done = restore(settings.db_url, settings.data_dir, Path(args.path))
    except BackupError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    print(f"已从 {args.path} 恢复数据库 {done.database}（备份于 {done.manifest.created_at}，"
          f"上传文件 {done.manifest.files} 个，新增 {done.added_files} 个）")
    if done.previous:
        print(f"原数据库已保留为 {done.previous}")
    return 0


# --- wiring ----------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="onething", description="一件事一次办 服务平台")
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="运行服务（迁移数据库，可选加载目录）")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="加载随附的演示目录")
    serve.add_argument("--demo-applications", type=int, default=400, metavar="N",
                       help="演示库为空时生成的办件数（0 则不生成）")
    serve.add_argument("--catalog", help="启动前加载此目录")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="数据库").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="应用迁移").set_defaults(func=cmd_db_upgrade)
    db.add_parser("backfill", help="补算迁移 0005 之前办结的事项和办件的办理用时（统计用）"
                  ).set_defaults(func=cmd_db_backfill)

    catalog = sub.add_parser("catalog", help="事项目录").add_subparsers(dest="action",
                                                                    required=True)
    catalog.add_parser("schema", help="打印目录文件的 JSON Schema").set_defaults(
        func=cmd_catalog_schema)
    validate = catalog.add_parser("validate", help="校验目录目录")
    validate.add_argument("directory")
    validate.set_defaults(func=cmd_catalog_validate)
    load = catalog.add_parser("load", help="校验并加载目录到数据库（幂等）")
    load.add_argument("directory")
    load.set_defaults(func=cmd_catalog_load)

    data = sub.add_parser("data", help="共享数据（其他部门共享的户籍、社保等数据集）"
                          ).add_subparsers(dest="action", required=True)
    data_load = data.add_parser(
        "load", help="载入一个数据文件（CSV 或 JSON lines；幂等，有错误行则不载入）")
    data_load.add_argument("source", help="共享数据代码，如 HUJI（见目录 sources.yaml）")
    data_load.add_argument("file", help="数据文件（.csv 带表头，或 .jsonl）")
    data_load.set_defaults(func=cmd_data_load)

    credit = sub.add_parser("credit", help="信用信息（失信、守信名单）").add_subparsers(
        dest="action", required=True)
    credit_load = credit.add_parser(
        "load", help="载入一个信用信息文件（CSV；幂等，有错误行则不载入）")
    credit_load.add_argument("file", help="信用信息文件（.csv 带表头）")
    credit_load.set_defaults(func=cmd_credit_load)

    policies = sub.add_parser("policies", help="政策兑现（免申即享）").add_subparsers(
        dest="action", required=True)
    matching = policies.add_parser("match", help="按共享数据比对符合政策条件的对象（可重复运行）")
    matching.add_argument("policy", nargs="?", help="政策代码；不填则比对所有在有效期内的政策")
    matching.set_defaults(func=cmd_policies_match)
    paying = policies.add_parser("pay", help="将已审核的待遇生成发放批次，写出发放文件（CSV）")
    paying.add_argument("policy", help="政策代码，如 ELDERLY_ALLOWANCE")
    paying.add_argument("--period", help="期间（YYYY-MM 或 YYYY）；不填则为本期")
    paying.add_argument("--csv", help="发放文件的路径；不填则写到当前目录")
    paying.set_defaults(func=cmd_policies_pay)

    hotline = sub.add_parser("hotline", help="12345 热线").add_subparsers(dest="action",
                                                                      required=True)
    hotline_validate = hotline.add_parser(
        "validate", help="校验热线数据（诉求分类、派单目录、时限）；不给目录时校验随附数据")
    hotline_validate.add_argument("directory", nargs="?")
    hotline_validate.set_defaults(func=cmd_hotline_validate)

    open311 = sub.add_parser("open311", help="Open311 GeoReport v2 接入").add_subparsers(
        dest="action", required=True)
    o311_keys = open311.add_parser("key", help="接入密钥").add_subparsers(dest="what",
                                                                      required=True)
    o311_add = o311_keys.add_parser("add", help="为接入方新建密钥（最后一行打印密钥，只显示一次）")
    o311_add.add_argument("name", help="接入方名称（字母、数字、汉字、点、横线、下划线）")
    o311_add.add_argument("--region", help="诉求未写 attribute[region] 时的默认行政区划代码"
                                           "（省略为全省）")
    o311_add.set_defaults(func=cmd_open311_key_add)
    o311_revoke = o311_keys.add_parser("revoke", help="吊销接入方的密钥")
    o311_revoke.add_argument("name")
    o311_revoke.set_defaults(func=cmd_open311_key_revoke)
    o311_keys.add_parser("list", help="列出接入方（名称、默认地区、创建时间、状态）").set_defaults(
        func=cmd_open311_key_list)

    demo = sub.add_parser("demo", help="演示数据").add_subparsers(dest="action", required=True)
    gen = demo.add_parser("generate", help="按目录生成逼真的办件（可重复：同一种子同一结果）")
    gen.add_argument("--applications", type=int, default=200)
    gen.add_argument("--seed", type=int, default=2026)
    gen.add_argument("--fast", action="store_true",
                     help="批量写入（百万级，数分钟），不逐件经过业务服务")
    gen.set_defaults(func=cmd_demo_generate)

    cards = sub.add_parser("cards", help="红黄牌").add_subparsers(dest="action", required=True)
    profile = cards.add_parser("profile", help="检查红黄牌规则文件并列出其规则")
    profile.add_argument("profile", nargs="?",
                         help="随附规则的名称或文件路径（省略则为 ONETHING_CARD_PROFILE）")
    profile.set_defaults(func=cmd_cards_profile)

    worker = sub.add_parser("worker", help=("运行时限监察、政策比对、评价邀请、通知发送和"
                                            "跨省通办交换包发送（可多进程并行）"))
    worker.add_argument("--once", action="store_true", help="只运行一轮（供定时任务调用）")
    worker.add_argument("--interval", type=float, default=60, help="两轮之间的秒数")
    worker.set_defaults(func=cmd_worker)

    exchange = sub.add_parser("exchange", help="跨省通办").add_subparsers(dest="action",
                                                                        required=True)
    keys = exchange.add_parser("keygen", help="生成本平台的 Ed25519 密钥对并打印公钥")
    keys.add_argument("directory", help="写入密钥文件的目录")
    keys.set_defaults(func=cmd_exchange_keygen)

    saving = sub.add_parser("backup", help="在线备份 SQLite 数据库和上传文件到一个归档文件")
    saving.add_argument("path", help="备份文件（新文件，不会覆盖）")
    saving.set_defaults(func=cmd_backup)
    restoring = sub.add_parser("restore", help="从备份恢复（须先停止服务；原数据库保留在旁）")
    restoring.add_argument("path", help="onething backup 生成的备份文件")
    restoring.set_defaults(func=cmd_restore)

    user = sub.add_parser("user", help="用户").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="新建用户（密码从标准输入读取）")
    add.add_argument("name")
    add.add_argument("--role", required=True,
                     choices=ROLES)
    add.add_argument("--region", help="所属行政区划代码（工作人员必填）")
    add.add_argument("--department", help="所属部门代码（审批人员必填）")
    add.add_argument("--display-name")
    add.add_argument("--id-number", help="身份证号或统一社会信用代码")
    add.set_defaults(func=cmd_user_add)
    importing = user.add_parser("import", help="导入工作人员 CSV（有错则一行也不导入；"
                                "新账号的初始密码只显示这一次）")
    importing.add_argument("file", help="CSV 文件：username,display_name,role,region,…")
    importing.add_argument("--admin", required=True,
                           help="以哪位管理员的名义导入（其管理范围内的工作人员）")
    importing.set_defaults(func=cmd_user_import)
    listing = user.add_parser("list", help="列出用户（用户名、角色、姓名、所属地区和部门）")
    listing.add_argument("--role", choices=ROLES)
    listing.add_argument("--region", help="只列出该行政区划的工作人员")
    listing.set_defaults(func=cmd_user_list)

    audit = sub.add_parser("audit", help="审计").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="校验审计哈希链，指出第一条被改动或缺失的记录").set_defaults(
        func=cmd_audit_verify)

    workdays = sub.add_parser("workdays", help="工作日").add_subparsers(dest="action",
                                                                      required=True)
    plus = workdays.add_parser("add", help="DATE 之后第 N 个工作日（次日起算）")
    plus.add_argument("date")
    plus.add_argument("days", type=int)
    plus.set_defaults(func=cmd_workdays_add)
    notice = workdays.add_parser("load", help="加载国务院某年放假安排（YAML）")
    notice.add_argument("file")
    notice.set_defaults(func=cmd_workdays_load)

    guide = sub.add_parser("guide", help="计算一件事的办事指南")
    guide.add_argument("bundle")
    guide.add_argument("--catalog", help="目录目录（省略则用数据库中的当前目录）")
    guide.add_argument("--answers", default="{}", help="情形回答 JSON；@文件 或 - 读标准输入")
    guide.add_argument("--licences", help="已持有的电子证照类型，逗号分隔")
    guide.set_defaults(func=cmd_guide)

    draw.add_parser(sub)
    inspections.add_parser(sub)
    library.add_parser(sub)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    from onething import wiring
    from onething.kernel.errors import DomainError

    wiring.load()
    try:
        return func(args)
    except CliError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.code
    except DomainError as exc:  # a service's refusal, with the fields it names
        print(f"错误：{exc.detail}" + "".join(f"（{p.message}）" for p in exc.problems),
              file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for the user
        from sqlalchemy.exc import SQLAlchemyError

        kind = "数据库错误" if isinstance(exc, SQLAlchemyError) else "内部错误"
        print(f"{kind}：{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
              file=sys.stderr)
        return 70

