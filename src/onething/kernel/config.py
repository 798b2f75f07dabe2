"""Settings from the environment (ONETHING_*), with embedded defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/onething
SOURCE_ROOT = PACKAGE_DIR.parents[1]  # the repository, when running from a checkout


def _shipped(inside: str, in_checkout: str) -> Path:
    """A directory shipped in the wheel, or found beside the sources in a checkout."""
    packaged = PACKAGE_DIR / inside
    return packaged if packaged.is_dir() else SOURCE_ROOT / in_checkout


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONETHING_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None
    page_size: int = 20
    secure_cookies: bool = False  # set true behind HTTPS
    # accounts: sessions expire, failed logins are slowed and then locked
    session_idle_minutes: int = 30  # a web session unused this long ends
    session_hours: int = 8  # a web session ends this long after login, used or not
    token_hours: int = 12  # an API bearer token ends this long after it was issued
    login_max_failures: int = 5  # failures of one username before it is locked
    login_address_max_failures: int = 50  # failures from one address (offices share one)
    login_lock_minutes: int = 15  # how long a lock lasts; failures older than this are forgotten
    login_slow_after: int = 3  # from this many failures on, wait before the next attempt
    login_slow_seconds: int = 2  # the first wait, doubled with each further failure
    # 忘记密码: a one-time code by SMS or mail lives this long and dies after this many wrong
    # tries; one name gets one code per `recovery_wait_seconds` and this many an hour; one
    # client address (offices share one) this many an hour
    recovery_code_minutes: int = 10
    recovery_code_max_failures: int = 5
    recovery_wait_seconds: int = 60
    recovery_per_hour: int = 5
    recovery_address_per_hour: int = 20
    # supervision (红黄牌): provinces differ, so the rules are a profile (a data file)
    sweep_seconds: float = 60  # how often `serve` sweeps in-process (0: never; use `worker`)
    card_profile: str = "hunan"  # a shipped profile's name, or a profile file's path
    # 12345: a directory with categories.yaml, dispatch.yaml, limits.yaml (None: shipped)
    hotline_data: str | None = None
    rectification_days: int = 15  # 差评整改 time limit, working days
    rating_invite_days: int = 3  # invite to rate this many days after delivery
    rating_code_days: int = 30  # 扫码评价: a receipt's one-time rating code expires after this
    rating_code_max_failures: int = 10  # wrong codes from one address before it is locked
    # the receipt's address (https://zwfw.example.gov.cn); the request's host when unset
    public_url: str | None = None
    # the Open311 door's Service Discovery: whom its developers ask, how they get a key
    open311_contact: str = "如需帮助，请拨打 12345 政务服务便民热线，或联系本平台管理员"
    open311_key_service: str = "API 密钥（api_key）由本平台管理员签发，请向其申请"
    # 告知承诺: the deciding office checks a commitment within this many working days of the
    # approval (核查); a false one is recorded as bad credit (失信) for this many years
    commitment_check_days: int = 20
    bad_credit_years: int = 3
    # 中介服务超市 (settings, not law where no source confirms them): administrators check an
    # 入驻 within this many working days; a project paid with 财政性资金 needs at least this
    # many qualified intermediaries for 随机抽取 and this many valid bids for 竞价 and 择优
    agency_review_days: int = 2
    agency_min_public: int = 3
    # 依申请公开: the applicant has this many working days to send a 补正 (a setting: 条例
    # art. 30 asks for a reasonable time and names none); none in time is 视为放弃
    disclosure_correction_days: int = 15
    # 单点登录 (OpenID Connect): off while no issuer is set. The issuer's discovery document
    # (/.well-known/openid-configuration) names its endpoints; this site's address as the
    # provider sees it is `oidc_redirect_base` (else `public_url`, else the request's host)
    oidc_issuer: str | None = None  # e.g. https://tyrz.example.gov.cn/oidc
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_redirect_base: str | None = None
    oidc_scope: str = "openid profile phone"
    oidc_id_number_claim: str = "id_number"  # the citizen's 身份证号, as the provider verified it
    oidc_id_verified_claim: str = "id_number_verified"  # true when it is verified (实名核验)
    oidc_name_claim: str = "name"
    oidc_phone_claim: str = "phone_number"
    # the claim naming a staff member's username here; only the provider's staff may carry it
    oidc_staff_claim: str = "preferred_username"
    oidc_staff_passwords: bool = True  # false: staff sign in only through the provider
    oidc_timeout_seconds: float = 10  # one request to the provider
    notify: str = "log"  # log | smtp
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = "onething@localhost"
    catalog_refresh_seconds: float = 2.0  # how often a process looks for a newer catalog
    max_page_size: int = 200
    # request bodies, refused with 413 before they are parsed
    max_body_bytes: int = 1024 * 1024  # JSON and plain forms
    max_upload_bytes: int = 64 * 1024 * 1024  # a multipart form with its files
    # 跨省通办 (docs/EXCHANGE.md): this platform's code and name, its Ed25519 private key
    # (`onething exchange keygen`) and its partners (YAML); the exchange is off without them
    exchange_platform: str | None = None  # e.g. HN
    exchange_platform_name: str = ""  # e.g. 湖南省一件事一次办平台
    exchange_key: Path | None = None
    exchange_partners: Path | None = None
    exchange_timeout_seconds: float = 10  # one attempt to send a package

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'onething.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def demo_catalog_dir() -> Path:
    return _shipped("_demo_catalog", "catalog")


def demo_library_dir() -> Path:
    """The demo's document library folder (文件库, `onething library import`)."""
    return _shipped("_demo_library", "library")


def migrations_dir() -> Path:
    return _shipped("_migrations", "migrations")


# --- the settings in force, as administrators read them (/admin/settings) -----------------

SECRET = "secret"  # shown only as set or not
# (setting, what it is, unit or SECRET) in groups, in the order shown
SHOWN: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("运行", (
        ("data_dir", "数据目录", ""),
        ("database_url", "数据库连接地址", SECRET),
        ("public_url", "对外访问地址（回执二维码）", ""),
        ("secure_cookies", "仅经 HTTPS 发送登录凭据", ""),
        ("sweep_seconds", "红黄牌扫描间隔（服务进程内）", "秒"),
        ("card_profile", "红黄牌规则", ""),
        ("hotline_data", "12345 热线数据目录", ""),
        ("catalog_refresh_seconds", "检查事项目录更新的间隔", "秒"),
    )),
    ("时限", (
        ("rectification_days", "差评整改时限", "个工作日"),
        ("rating_invite_days", "出件后邀请评价", "天"),
        ("rating_code_days", "扫码评价码有效期", "天"),
        ("commitment_check_days", "告知承诺核查期限", "个工作日"),
        ("bad_credit_years", "失信记录保留", "年"),
        ("agency_review_days", "中介入驻审核时限", "个工作日"),
        ("agency_min_public", "财政性资金项目最少中介数", "家"),
        ("disclosure_correction_days", "依申请公开补正期限", "个工作日"),
    )),
    ("登录与会话", (
        ("session_idle_minutes", "网页登录闲置退出", "分钟"),
        ("session_hours", "网页登录最长", "小时"),
        ("token_hours", "接口令牌有效期", "小时"),
        ("login_max_failures", "同一账号连续失败锁定", "次"),
        ("login_address_max_failures", "同一地址连续失败锁定", "次"),
        ("login_lock_minutes", "锁定时长", "分钟"),
    )),
    ("通知", (
        ("notify", "通知发送方式", ""),
        ("smtp_host", "邮件服务器", ""),
        ("smtp_port", "邮件服务器端口", ""),
        ("smtp_from", "发件人", ""),
    )),
    ("跨省通办", (
        ("exchange_platform", "本平台代码", ""),
        ("exchange_platform_name", "本平台名称", ""),
        ("exchange_key", "签名私钥", SECRET),
        ("exchange_partners", "合作平台清单", ""),
    )),
)
_WORDS = {True: "是", False: "否", "log": "仅记录到日志（不发送）", "smtp": "电子邮件（SMTP）"}


def database_kind(dialect: str) -> str:
    """The database in use, in words (`dialect`: the engine's dialect name)."""
    return "PostgreSQL" if dialect == "postgresql" else "SQLite（内嵌）"


def shown_settings(settings: Settings) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The settings in force by group: (what it is, its value in words, its environment
    variable); a secret only as set or not."""
    groups = []
    for group, rows in SHOWN:
        shown = []
        for name, label, unit in rows:
            shown.append((label, _words(getattr(settings, name), unit),
                          f"ONETHING_{name.upper()}"))
        groups.append((group, shown))
    return groups


def _words(value: object, unit: str) -> str:
    if unit == SECRET:
        return "已设置（不显示）" if value else "未设置"
    if value is None or value == "":
        return "未设置"
    if isinstance(value, bool | str):
        return _WORDS.get(value, str(value))
    number = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{number} {unit}".strip()
