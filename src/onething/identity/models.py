"""Users, their sessions and API tokens, and proxy consents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, UTCDateTime


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_office", "role", "region_code", "department_code"),
                      Index("ix_users_id_number", "id_number"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"),
                                                        nullable=True)
    id_number: Mapped[str | None] = mapped_column(String(32), nullable=True)  # 身份证号/信用代码
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # an administrator's lock (not the login throttle's): no sign-in until unlocked
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lock_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # the account ended by an administrator (`active` false): kept for the audit trail
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # a temporary password an administrator issued: changed before the next sign-in
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())


class AuthSession(Base):
    """A web session (cookie) or an API bearer token; only a hash of the secret is kept."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # web | api
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # idle expiry
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute lifetime
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProxyConsent(Base):
    """帮代办: a person's recorded consent that a proxy may apply for them."""

    __tablename__ = "proxy_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proxy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginThrottle(Base):
    """Recent failed logins of one username or one address (or wrong rating codes from one
    address), and the lock they earned."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # user:… addr:… code:…
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginEvent(Base):
    """A failed login, a lock it started, or an attempt refused while slowed or locked."""

    __tablename__ = "login_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)  # as typed, cut to 64
    address: Mapped[str] = mapped_column(String(64))
    door: Mapped[str] = mapped_column(String(8))  # web | api | sso
    outcome: Mapped[str] = mapped_column(String(16))  # failure | locked | refused


class PasswordCode(Base):
    """A request for a one-time code to recover a password (忘记密码): kept for every request,
    also for a username nobody has (then no user and no code), so that requests are limited
    per name and per client alike. Only a hash of the code is kept."""

    __tablename__ = "password_codes"
    __table_args__ = (Index("ix_password_codes_name", "username", "created_at"),
                      Index("ix_password_codes_client", "client", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))  # as asked, lower case, cut to 64
    client: Mapped[str] = mapped_column(String(64))  # the caller's address
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    code_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)  # None: none sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # used to set a new password, killed by too many wrong tries, or replaced by a newer one
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OidcLink(Base):
    """单点登录: an account at the province's identity provider (its issuer and subject)
    linked to a user here, on its first sign-in."""

    __tablename__ = "oidc_links"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    linked_by: Mapped[str] = mapped_column(String(16))  # id_number | staff_claim | created
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OidcLogin(Base):
    """One sign-in through the provider: started with its state, nonce and PKCE verifier
    (only the state's hash is kept as the key), used once at the callback, then the web
    session it opened and the ID token the provider's logout is asked with."""

    __tablename__ = "oidc_logins"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    verifier: Mapped[str] = mapped_column(String(128))
    next_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    session_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id_token: Mapped[str | None] = mapped_column(Text, nullable=True)
