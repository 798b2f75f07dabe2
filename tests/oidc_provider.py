"""A real OpenID provider for the single sign-on tests: panva's certified `oidc-provider`
(tests/oidc, installed by `make test` with `npm ci`), run with Node.js on a free port, with
the accounts and clients below; and a person signing in there, driven with httpx."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

import httpx
import pytest

from served import free_port

HERE = Path(__file__).parent / "oidc"
IN_CI = bool(os.environ.get("CI"))
CLIENT_ID, CLIENT_SECRET = "onething", "test-only-secret-of-onething"
OTHER_ID, OTHER_SECRET = "another-portal", "test-only-secret-of-another"
SCOPE = "openid profile phone idcard"
CALLBACK = "/login/sso/callback"
ZHANG_ID = "11010519491231002X"  # the demo's 张三 (zhangsan)

# The provider's accounts (subject: claims). Citizens carry the ID number the provider
# verified (实名核验); staff carry their username here in `preferred_username`.
ACCOUNTS: dict[str, dict[str, Any]] = {
    "c-zhang": {"name": "张三", "id_number": ZHANG_ID, "id_number_verified": True,
                "phone_number": "13800000001"},
    "c-new": {"name": "王芳", "id_number": "430104199002020059", "id_number_verified": True,
              "phone_number": "13800000002"},
    "c-unverified": {"name": "赵六", "id_number": "430103198707070039",
                     "id_number_verified": False},
    "s-clerk": {"name": "芙蓉区窗口", "preferred_username": "clerk_furong"},
    "s-zhuzhou": {"name": "株洲窗口", "preferred_username": "clerk_zhuzhou"},
    "s-chuangkou": {"name": "综合窗口", "preferred_username": "chuangkou"},
    "s-nobody": {"name": "无此人", "preferred_username": "no_such_staff"},
}


def _installed() -> None:
    """`npm ci` when tests/oidc has no node_modules yet (`make test` does it first)."""
    if (HERE / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        if IN_CI:
            pytest.fail("Node.js is not installed (the OpenID provider of the tests needs it)")
        pytest.skip("Node.js is not installed")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True,
                   capture_output=True, timeout=300)


class OpenIdProvider:
    """`node tests/oidc/provider.mjs` on `port` (a free one by default), whose clients may
    come back to `bases` (the sites' addresses). A context manager: started, then stopped."""

    def __init__(self, workdir: Path, bases: list[str], port: int | None = None) -> None:
        self.workdir, self.bases = workdir, bases
        self.port = port or free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None

    def _config(self) -> Path:
        def client(client_id: str, secret: str) -> dict[str, Any]:
            return {"client_id": client_id, "client_secret": secret,
                    "redirect_uris": [base + CALLBACK for base in self.bases],
                    "post_logout_redirect_uris": [base + "/" for base in self.bases],
                    "grant_types": ["authorization_code"], "response_types": ["code"],
                    "scope": SCOPE}

        path = self.workdir / "provider.json"
        path.write_text(json.dumps({"port": self.port, "accounts": ACCOUNTS, "clients": [
            client(CLIENT_ID, CLIENT_SECRET), client(OTHER_ID, OTHER_SECRET)]}))
        return path

    def __enter__(self) -> OpenIdProvider:
        _installed()
        log: IO[str] = (self.workdir / "provider.log").open("w")
        self.process = subprocess.Popen(
            ["node", str(HERE / "provider.mjs"), str(self._config())], stdout=log,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the OpenID provider stopped: " + self.log())
            if "ready" in self.log():
                return self
            time.sleep(0.1)
        raise RuntimeError("the OpenID provider did not start: " + self.log())

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return (self.workdir / "provider.log").read_text(errors="replace")

    def settings(self) -> dict[str, Any]:
        """The app's settings (`Settings(**…)`) for single sign-on with this provider."""
        return {"oidc_issuer": self.issuer, "oidc_client_id": CLIENT_ID,
                "oidc_client_secret": CLIENT_SECRET, "oidc_scope": SCOPE}

    def env(self) -> dict[str, str]:
        """The same, as `onething serve` reads them (ONETHING_OIDC_*)."""
        return {f"ONETHING_{key.upper()}": value for key, value in self.settings().items()}


def sign_in_at(provider: OpenIdProvider, browser: httpx.Client, authorize_url: str,
               account: str) -> str:
    """A person at the provider: the sign-in page the authorization request leads to, the
    account named there; the address the provider sends them back to (with code and state).
    Signed out there first: each call is a sign-in of its own."""
    browser.cookies.clear()
    answer = browser.get(authorize_url)
    while True:
        assert answer.status_code in (302, 303), answer.text
        location = urljoin(str(answer.url), answer.headers["location"])
        if not location.startswith(provider.issuer):
            return location
        if "/interaction/" in location:
            browser.get(location).raise_for_status()  # the sign-in page
            answer = browser.post(location, data={"login": account})
        else:
            answer = browser.get(location)
