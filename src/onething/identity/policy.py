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
    code_life: timedelta = timedelta(minutes=10)  # a recovery code's
    code_max_failures: int = 5  # wrong tries that kill a recovery code
    code_wait: timedelta = timedelta(seconds=60)  # between two codes for one name
    codes_per_hour: int = 5  # for one name
    address_codes_per_hour: int = 20  # asked from one address
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
        code_life=timedelta(minutes=settings.recovery_code_minutes),
        code_max_failures=settings.recovery_code_max_failures,
        code_wait=timedelta(seconds=settings.recovery_wait_seconds),
        codes_per_hour=settings.recovery_per_hour,
        address_codes_per_hour=settings.recovery_address_per_hour,
        staff_passwords=settings.oidc_staff_passwords or not settings.oidc_issuer)
