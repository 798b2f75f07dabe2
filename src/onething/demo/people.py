"""Demo people for `onething serve --demo`: one per role, the approvers every demo
bundle needs when applied for in 芙蓉区 (or its 文艺路街道), and one of 芙蓉区 for each
department whose policies are paid out (政策兑现)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.cases.routing import competent_region, office_name
from onething.catalog.linked import Catalog
from onething.catalog.spec import Level
from onething.identity import service as identity
from onething.identity.models import User
from onething.kernel.principal import PERSON_ROLES, ROLE_NAMES, Role

DEMO_PASSWORD = "Onething2026"  # meets the password rules (3 kinds of characters)
RECEIVING = ("430102", "430102001")  # 长沙市芙蓉区, 芙蓉区文艺路街道


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    region: str | None = None
    department: str | None = None
    id_number: str | None = None


def demo_users(catalog: Catalog) -> list[DemoUser]:
    people = [
        DemoUser("zhangsan", "张三", Role.applicant, id_number="11010519491231002X"),
        DemoUser("lisi", "李四", Role.applicant, id_number="430102199001011238"),
        DemoUser("daiban", "王帮办（帮代办员）", Role.proxy, region="430102"),
        DemoUser("chuangkou", "赵窗口（芙蓉区政务服务中心）", Role.clerk, region="430102"),
        DemoUser("chuangkou_wenyi", "钱窗口（文艺路街道便民服务中心）", Role.clerk,
                 region="430102001"),
        DemoUser("jiancha", "孙监察（长沙市）", Role.supervisor, region="430100"),
        DemoUser("huawu", "周话务（长沙市 12345 热线）", Role.operator, region="430100"),
        DemoUser("admin", "系统管理员", Role.admin, region="430000"),
        # legal representatives of the demo market's intermediaries (demo/market.py)
        DemoUser("jiance", "王检测（湖南星城检测技术有限公司）", Role.applicant,
                 id_number="430102198503150014"),
        DemoUser("xiaofang", "刘安消（长沙安消消防技术服务有限公司）", Role.applicant,
                 id_number="430103198707070039"),
        DemoUser("huanjing", "陈湘江（长沙湘江环境检测评价有限公司）", Role.applicant,
                 id_number="430104199002020059"),
    ]
    offices = sorted({
        (item.handler.code, competent_region(catalog, region, Level(item.level)))
        for item in catalog.items.values() for region in RECEIVING if region in catalog.regions
    } | {(policy.spec.department, RECEIVING[0]) for policy in catalog.policies.values()})
    for department, region in offices:
        people.append(DemoUser(f"{department.lower()}_{region}",
                               f"{office_name(catalog, region, department)}审批员",
                               Role.approver, region=region, department=department))
    return [p for p in people if p.region is None or p.region in catalog.regions]


def ensure_demo_users(session: Session, catalog: Catalog) -> list[DemoUser]:
    """Create the demo people that do not exist yet (idempotent); all share one password."""
    existing = set(session.scalars(select(User.username)))
    hashed = identity.hash_password(DEMO_PASSWORD)
    people = demo_users(catalog)
    for person in people:
        if person.username not in existing:
            identity.create_user(session, username=person.username, password=DEMO_PASSWORD,
                                 role=person.role, display_name=person.display_name,
                                 region=person.region, department=person.department,
                                 id_number=person.id_number, password_hash=hashed)
    return people


def login_help(people: list[DemoUser]) -> str:
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    for role in PERSON_ROLES:
        names = [p.username for p in people if p.role == role]
        if not names:  # a role the demo has nobody for
            continue
        shown = ", ".join(names[:4]) + (f" 等 {len(names)} 个" if len(names) > 4 else "")
        lines.append(f"  {ROLE_NAMES[role]}：{shown}")
    return "\n".join(lines)
