"""Open311 API keys: made (shown once, stored as their SHA-256), revoked, listed, and
checked on every POST. Every change is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.models import RegionRow
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import SYSTEM, Principal
from onething.open311.models import ApiKey

NAME = re.compile(r"[\w.-]{1,64}")
PREFIX = "o311_"


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def add(session: Session, name: str, now: dt.datetime, region: str | None = None,
        actor: Principal = SYSTEM) -> tuple[ApiKey, str]:
    """A new key for the client `name` (its requests default to `region`): the row, and
    the key itself, which is never stored and cannot be shown again."""
    name = name.strip()
    if not NAME.fullmatch(name):
        raise Invalid("名称有误", problems=[FieldProblem(
            "name", "名称应为 1 至 64 个字母、数字、汉字、点、横线或下划线")])
    if region is not None and session.get(RegionRow, region) is None:
        raise Invalid("地区有误", problems=[FieldProblem("region", f"行政区划 {region} 不存在")])
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise Conflict(f"已有名为 {name} 的 Open311 接入方（可先吊销，再换个名称）",
                       code="key_exists")
    raw = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=digest(raw), region_code=region, created_at=now)
    session.add(key)
    session.flush()
    audit.record(session, actor, "open311_key_add", "open311_key", key.id, region=region,
                 after={"name": name, "region": region}, at=now)
    return key, raw


def revoke(session: Session, name: str, now: dt.datetime,
           actor: Principal = SYSTEM) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.name == name.strip()))
    if key is None:
        raise NotFound(f"没有名为 {name} 的 Open311 接入方", code="key_not_found")
    if key.revoked_at is not None:
        raise Conflict(f"{name} 的密钥已于 {key.revoked_at:%Y-%m-%d} 吊销", code="key_revoked")
    key.revoked_at = now
    audit.record(session, actor, "open311_key_revoke", "open311_key", key.id,
                 region=key.region_code, after={"name": key.name}, at=now)
    return key


def listing(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.name)))


def check(session: Session, raw: str | None) -> ApiKey:
    """The key of a POST: 403 when missing, unknown or revoked."""
    if not raw:
        raise Forbidden("缺少 api_key，不能提交诉求", code="api_key_missing")
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(raw.strip())))
    if key is None or key.revoked_at is not None:
        raise Forbidden("api_key 无效或已被吊销，不能提交诉求", code="api_key_invalid")
    return key
