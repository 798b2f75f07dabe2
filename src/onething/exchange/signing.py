"""Keys and signatures of the exchange (docs/EXCHANGE.md): Ed25519 over the canonical JSON
of a document without its `signature`. Pure: no database, no network."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)


def canonical(document: dict[str, Any]) -> bytes:
    """What is signed: every member but `signature`, keys sorted (by code point), no
    whitespace, UTF-8 with non-ASCII characters unescaped."""
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The document with its `signature` (base64 of the 64-byte Ed25519 signature)."""
    signature = base64.b64encode(key.sign(canonical(document))).decode("ascii")
    return {**{k: v for k, v in document.items() if k != "signature"},
            "signature": signature}


def verify(document: dict[str, Any], key: Ed25519PublicKey) -> bool:
    """Whether `signature` is the key's over the rest of the document."""
    try:
        signature = base64.b64decode(str(document.get("signature", "")), validate=True)
        key.verify(signature, canonical(document))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True


def public_text(key: Ed25519PublicKey) -> str:
    """A public key as partners files give it: base64 of its 32 raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key(text: str) -> Ed25519PublicKey:
    """A public key from its base64 text (ValueError when it is not one)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc
    return Ed25519PublicKey.from_public_bytes(raw)


def read_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def keygen(directory: Path) -> tuple[Path, str]:
    """A new key pair in `directory`: the private key (PEM, PKCS#8, mode 0600) and the public
    key's text (also written beside it); the private key's path and the public key's text."""
    directory.mkdir(parents=True, exist_ok=True)
    private = directory / "exchange-private.pem"
    if private.exists():
        raise FileExistsError(f"{private} already exists")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    private.touch(mode=0o600)
    private.chmod(0o600)
    private.write_bytes(pem)
    text = public_text(key.public_key())
    (directory / "exchange-public.txt").write_text(text + "\n")
    return private, text
