"""How long sessions last and how failed logins are held back; every figure a setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from onething.kernel.config import Settings


@dataclass(frozen=True)
class AccountPolicy:
    idle: timedelta = timedelta(minutes=30)  # a web session unused this long ends
    web_lifetime: timedelta = timedelta(hours=8)
    token_lifetime: timedelta = timedelta(hours=12)
    max_failures: int = 5  # of one username, then locked
    address_max_failures: int = 50  # from one address, then locked
    lock: timedelta = timedelta(minutes=15)
    slow_after: int = 3  # from this many failures on, the next attempt waits
    slow: timedelta = timedelta(seconds=2)  # the first wait, doubled after each failure
    staff_passwords: bool = True  # false: staff sign in only through single sign-on

    def lifetime(self, kind: str) -> timedelta:
        return self.web_lifetime if kind == "web" else self.token_lifetime


DEFAULT_POLICY = AccountPolicy()


def account_policy(settings: Settings) -> AccountPolicy:
    return AccountPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        web_lifetime=timedelta(hours=settings.session_hours),
        token_lifetime=timedelta(hours=settings.token_hours),
        max_failures=settings.login_max_failures,
        address_max_failures=settings.login_address_max_failures,
        lock=timedelta(minutes=settings.login_lock_minutes),
        slow_after=settings.login_slow_after,
        slow=timedelta(seconds=settings.login_slow_seconds),
        staff_passwords=settings.oidc_staff_passwords or not settings.oidc_issuer)
