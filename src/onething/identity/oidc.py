"""单点登录 (OpenID Connect): the province's identity provider, asked through Authlib.

The authorization code flow with PKCE (S256): the sign-in page's address with its state,
nonce and code challenge; the code redeemed at the token endpoint with the verifier; the ID
token's signature checked against the provider's published keys (joserfc) and its issuer,
audience, expiry and nonce (Authlib's `CodeIDToken`); the logout address (RP-initiated
logout). The provider's discovery document and keys are fetched once per process, the keys
again when a token names one not yet known. No database here: `identity.sso` decides who
signs in. Every refusal is an `Unauthenticated` with a Chinese message; a provider that
cannot be reached is `ProviderUnavailable` (503).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from onething.kernel.config import Settings
from onething.kernel.errors import DomainError, Unauthenticated

log = logging.getLogger(__name__)
LEEWAY = 60  # seconds of clock difference allowed with the provider


class ProviderUnavailable(DomainError):
    status, code, title = 503, "sso_unavailable", "统一身份认证暂不可用"


# what each failed check of the ID token tells the person (the claim Authlib names)
_CLAIM_REFUSALS = {
    "nonce": ("sso_nonce", "登录请求与统一身份认证的答复不一致，可能已被篡改，请重新登录"),
    "aud": ("sso_audience", "该身份凭证不是签发给本平台的，请重新登录"),
    "azp": ("sso_audience", "该身份凭证不是签发给本平台的，请重新登录"),
    "iss": ("sso_issuer", "该身份凭证不是由本省统一身份认证签发的，请重新登录"),
    "exp": ("sso_expired", "身份凭证已过期，请重新登录"),
}


@dataclass(frozen=True)
class SignedIn:
    """The provider's answer for one sign-in: its issuer, the account's subject, the claims
    (ID token, with the user-info endpoint's where the token lacks them) and the ID token."""

    issuer: str
    subject: str
    claims: dict[str, Any]
    id_token: str


class Provider:
    """One configured identity provider (settings `oidc_*`), shared by a process."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer, "single sign-on is off without an issuer"
        self.issuer = settings.oidc_issuer
        self.client_id, self.client_secret = settings.oidc_client_id, settings.oidc_client_secret
        self.scope, self.timeout = settings.oidc_scope, settings.oidc_timeout_seconds
        self.wanted = (settings.oidc_id_number_claim, settings.oidc_id_verified_claim,
                       settings.oidc_name_claim, settings.oidc_phone_claim,
                       settings.oidc_staff_claim)
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def _client(self, **kwargs: Any) -> Any:
        return OAuth2Client(client_id=self.client_id, client_secret=self.client_secret,
                            code_challenge_method="S256", timeout=self.timeout, **kwargs)

    def _get(self, url: str) -> dict[str, Any]:
        try:
            with httpx2.Client(timeout=self.timeout) as client:  # nothing to sign: public
                response = client.get(url)
                response.raise_for_status()
                return dict(response.json())
        except (httpx2.HTTPError, ValueError) as exc:
            log.warning("identity provider unreachable at %s: %s", url, exc)
            raise ProviderUnavailable("统一身份认证服务暂时无法访问，请稍后再试",
                                      code="sso_unavailable") from exc

    def metadata(self) -> dict[str, Any]:
        """The discovery document, fetched once; its issuer must be the configured one."""
        with self._lock:
            if self._metadata is None:
                found = self._get(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
                if found.get("issuer") != self.issuer:
                    log.error("the provider calls itself %r, not %r", found.get("issuer"),
                              self.issuer)
                    raise ProviderUnavailable("统一身份认证服务配置有误，请联系管理员",
                                              code="sso_misconfigured")
                self._metadata = found
            return self._metadata

    def _key_set(self, fresh: bool = False) -> KeySet:
        with self._lock:
            keys = self._keys
        if keys is None or fresh:
            keys = self._get(self.metadata()["jwks_uri"])
            with self._lock:
                self._keys = keys
        return KeySet.import_key_set(keys)  # type: ignore[arg-type]

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str,
                          verifier: str) -> str:
        """Where the person signs in at the provider, with the S256 code challenge."""
        with self._client(redirect_uri=redirect_uri, scope=self.scope) as client:
            url, _ = client.create_authorization_url(
                self.metadata()["authorization_endpoint"], state=state,
                code_verifier=verifier, nonce=nonce)
        return str(url)

    def redeem(self, *, code: str, redirect_uri: str, verifier: str, nonce: str) -> SignedIn:
        """The code exchanged for tokens (with the PKCE verifier) and the ID token checked."""
        metadata = self.metadata()
        with self._client(redirect_uri=redirect_uri) as client:
            try:
                token = client.fetch_token(metadata["token_endpoint"], code=code,
                                           grant_type="authorization_code",
                                           code_verifier=verifier)
            except OAuthError as exc:
                log.info("the provider refused the code: %s", exc.error)
                raise Unauthenticated("统一身份认证未接受本次登录（授权码无效、已使用或已过期），"
                                      "请重新登录", code="sso_code_refused") from exc
            except (httpx2.HTTPError, ValueError) as exc:
                raise ProviderUnavailable("统一身份认证服务暂时无法访问，请稍后再试",
                                          code="sso_unavailable") from exc
            id_token = token.get("id_token")
            if not id_token:
                raise Unauthenticated("统一身份认证未返回身份凭证，请重新登录",
                                      code="sso_no_id_token")
            claims = self.verify(str(id_token), nonce, token.get("access_token"))
            if any(name and name not in claims for name in self.wanted) \
                    and metadata.get("userinfo_endpoint"):
                claims = {**self._userinfo(client, metadata["userinfo_endpoint"], claims),
                          **claims}
        return SignedIn(self.issuer, str(claims["sub"]), claims, str(id_token))

    def _userinfo(self, client: Any, url: str, claims: dict[str, Any]) -> dict[str, Any]:
        """The user-info endpoint's claims, if it answers for the same subject."""
        try:
            response = client.get(url)
            response.raise_for_status()
            info = dict(response.json())
        except (httpx2.HTTPError, ValueError, OAuthError) as exc:
            log.warning("the provider's user info did not answer: %s", exc)
            return {}
        return info if info.get("sub") == claims["sub"] else {}

    def verify(self, id_token: str, nonce: str, access_token: str | None = None
               ) -> dict[str, Any]:
        """The ID token's claims once its signature, issuer, audience, expiry and nonce hold."""
        algorithms = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        try:
            try:
                decoded = jwt.decode(id_token, self._key_set(), algorithms=algorithms)
            except InvalidKeyIdError:  # the provider rotated its keys
                decoded = jwt.decode(id_token, self._key_set(fresh=True), algorithms=algorithms)
            claims = CodeIDToken(
                decoded.claims, decoded.header,
                {"iss": {"essential": True, "value": self.issuer},
                 "aud": {"essential": True, "value": self.client_id}},
                {"nonce": nonce, "client_id": self.client_id, "access_token": access_token})
            claims.validate(leeway=LEEWAY)
        except ClaimError as exc:
            claim = "exp" if exc.error == "expired_token" else getattr(exc, "claim", "")
            code, message = _CLAIM_REFUSALS.get(
                claim, ("sso_bad_token", "身份凭证无效，请重新登录"))
            log.info("ID token refused: %s", exc.description)
            raise Unauthenticated(message, code=code) from exc
        except (JoseError, ValueError) as exc:
            log.info("ID token refused: %s", exc)
            raise Unauthenticated("身份凭证的签名无效，请重新登录", code="sso_bad_token") from exc
        return dict(claims)

    def logout_url(self, *, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """Where the provider ends its own session (RP-initiated logout), or None when it
        offers no end-session endpoint."""
        endpoint = self.metadata().get("end_session_endpoint")
        if not endpoint:
            return None
        query = urlencode({"id_token_hint": id_token, "client_id": self.client_id,
                           "post_logout_redirect_uri": post_logout_redirect_uri})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
