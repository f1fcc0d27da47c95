"""The key of each pair of instances, and sealing a message for the other one.

Each instance holds one X25519 private key (JICENG_FEDERATION_KEY) and the public keys of the
instances it exchanges with (JICENG_FEDERATION_PEER_KEYS). Both ends of a pair compute the same
shared secret (X25519), and HKDF-SHA256 turns it into the pair's AES-256-GCM key, bound to the
two instance codes: no key is ever sent, and a third instance cannot open what two others
exchange. The additional data binds a ciphertext to its message id, sender, receiver and kind,
so a sealed body cannot be replayed under another id or passed off as coming from elsewhere.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

NONCE_BYTES = 12
INFO = b"jiceng-federation-exchange-v1"


class KeyProblem(Exception):
    """A key missing or wrong in the settings, or a body that does not open with the pair key."""


def province_code() -> str:
    """This instance's code in the federation: its province's division code ('' if none)."""
    return str(settings.JICENG_FEDERATION_PROVINCE)


def is_configured() -> bool:
    """Whether this instance exchanges with others: a province, its key and at least one peer.
    The pages of cross-province transfers and the scheduled exchange exist only then."""
    return bool(
        settings.JICENG_FEDERATION_PROVINCE
        and settings.JICENG_FEDERATION_KEY
        and settings.JICENG_FEDERATION_PEER_KEYS
    )


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_private_key() -> str:
    raw = X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return _encode(raw)


def public_key_text(private: str | None = None) -> str:
    """The public key that goes into the other instances' JICENG_FEDERATION_PEER_KEYS."""
    key = _private_key(private)
    return _encode(
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def _private_key(text: str | None = None) -> X25519PrivateKey:
    text = settings.JICENG_FEDERATION_KEY if text is None else text
    if not text:
        raise KeyProblem("未配置本实例的联邦交换私钥 JICENG_FEDERATION_KEY")
    try:
        return X25519PrivateKey.from_private_bytes(_decode(text))
    except ValueError:
        raise KeyProblem("JICENG_FEDERATION_KEY 不是有效的 X25519 私钥") from None


def peers() -> dict[str, str]:
    """The instances this one exchanges with: code → public key."""
    return dict(settings.JICENG_FEDERATION_PEER_KEYS)


def pair_key(peer: str) -> bytes:
    """The AES-256 key this instance shares with `peer`; both ends derive the same one."""
    public = peers().get(peer)
    if not public:
        raise KeyProblem(f"未配置实例 {peer} 的公钥（JICENG_FEDERATION_PEER_KEYS）")
    try:
        shared = _private_key().exchange(X25519PublicKey.from_public_bytes(_decode(public)))
    except ValueError:
        raise KeyProblem(f"实例 {peer} 的公钥无效") from None
    pair = "|".join(sorted((province_code(), peer))).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=pair, info=INFO).derive(shared)


def _aad(*, message_id: str, sender: str, receiver: str, kind: str) -> bytes:
    return f"{message_id}|{sender}|{receiver}|{kind}".encode()


def seal_for(peer: str, *, message_id: str, kind: str, payload: dict[str, Any]) -> bytes:
    """The payload as JSON, sealed for `peer`: nonce + ciphertext + tag."""
    nonce = os.urandom(NONCE_BYTES)
    aad = _aad(message_id=message_id, sender=province_code(), receiver=peer, kind=kind)
    plaintext = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    return nonce + AESGCM(pair_key(peer)).encrypt(nonce, plaintext, aad)


def open_from(peer: str, *, message_id: str, kind: str, body: bytes | memoryview) -> dict[str, Any]:
    """A body `peer` sealed for this instance, opened; KeyProblem if it does not authenticate."""
    body = bytes(body)
    aad = _aad(message_id=message_id, sender=peer, receiver=province_code(), kind=kind)
    try:
        plaintext = AESGCM(pair_key(peer)).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], aad)
    except InvalidTag:
        raise KeyProblem(f"来自实例 {peer} 的消息 {message_id} 未通过认证") from None
    payload: dict[str, Any] = json.loads(plaintext)
    return payload
