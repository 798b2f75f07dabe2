"""The exchange's settings: this platform (code, name, private key) and its partners (a
YAML file: per partner its code, Chinese name, base URL and public key). Without them the
exchange is off. Read once per process and settings (`configure`, called by the app and by
jobs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from ruamel.yaml import YAML

from onething.exchange import signing
from onething.kernel.config import Settings
from onething.kernel.errors import FieldProblem, Invalid, NotFound

CODE = re.compile(r"^[A-Z0-9]{2,16}$")


@dataclass(frozen=True)
class Partner:
    code: str
    name: str
    url: str  # its base URL: packages go to {url}/api/v1/exchange/packages
    key: Ed25519PublicKey


@dataclass(frozen=True)
class Exchange:
    """This platform in the exchange, and its partners by code."""

    code: str
    name: str
    key: Ed25519PrivateKey
    partners: dict[str, Partner]
    timeout: float = 10

    def partner(self, code: str, field: str = "partner") -> Partner:
        found = self.partners.get(code)
        if found is None:
            raise Invalid(f"没有代码为 {code} 的合作平台", code="unknown_partner",
                          problems=[FieldProblem(field, "不是本平台的跨省通办合作平台")])
        return found


class ExchangeOff(NotFound):
    """The exchange is not configured on this platform."""

    code = "exchange_off"


OFF = "本平台未开通跨省通办（未配置平台代码、密钥和合作平台）"

_current: Exchange | None = None


def configure(settings: Settings) -> Exchange | None:
    """This process's exchange, from `settings` (None: off)."""
    global _current
    _current = load(settings.exchange_platform, settings.exchange_platform_name,
                    settings.exchange_key, settings.exchange_partners,
                    settings.exchange_timeout_seconds)
    return _current


def current() -> Exchange | None:
    return _current


def required() -> Exchange:
    if _current is None:
        raise ExchangeOff(OFF)
    return _current


@cache
def load(code: str | None, name: str, key: Path | None, partners: Path | None,
         timeout: float = 10) -> Exchange | None:
    """The exchange the settings describe; a broken key or partners file is an error at
    start (ValueError), not a refusal later."""
    if not code or key is None or partners is None:
        return None
    if not CODE.match(code):
        raise ValueError(f"ONETHING_EXCHANGE_PLATFORM: {code!r} is not a platform code")
    data = YAML(typ="safe").load(partners.read_text(encoding="utf-8")) or {}
    found: dict[str, Partner] = {}
    for entry in data.get("partners", []):
        partner_code = str(entry["code"])
        if not CODE.match(partner_code):
            raise ValueError(f"{partners}: {partner_code!r} is not a platform code")
        found[partner_code] = Partner(partner_code, str(entry["name"]),
                                      str(entry["url"]).rstrip("/"),
                                      signing.public_key(str(entry["public_key"])))
    return Exchange(code, name or code, signing.read_private_key(key), found, timeout)
