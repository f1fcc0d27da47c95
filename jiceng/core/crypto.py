"""Field encryption for personal data (商用密码): SM4-GCM, and HMAC-SM3 blind indexes.

A sealed value is `version (1 byte) | nonce (12) | ciphertext | tag (16)`. The version names the
key, so keys rotate: the first key in JICENG_FIELD_KEYS encrypts, every listed key decrypts.
The field's name is bound in as associated data, so a ciphertext copied from the phone column
into the ID column fails to open instead of showing the wrong thing.

The blind index is a keyed HMAC-SM3 of the normalized value, truncated to 16 bytes: enough for
exact lookup without collisions in practice, and it says nothing about the value without the key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

NONCE_BYTES = 12
TAG_BYTES = 16
INDEX_BYTES = 16


class DecryptionError(Exception):
    """A sealed value that no configured key opens (tampered, or its key was removed)."""


@dataclass(frozen=True)
class Keyring:
    current_version: int
    ciphers: dict[int, algorithms.SM4]
    index: hmac.HMAC


@cache
def keyring() -> Keyring:
    ciphers: dict[int, algorithms.SM4] = {}
    current = None
    for item in settings.JICENG_FIELD_KEYS.split(","):
        version_text, _, key_hex = item.strip().partition(":")
        version = int(version_text)
        if not 0 < version < 256 or len(bytes.fromhex(key_hex)) != 16:
            raise ValueError(
                "JICENG_FIELD_KEYS: each key is 'version:32 hex digits', version 1-255"
            )
        ciphers[version] = algorithms.SM4(bytes.fromhex(key_hex))
        current = version if current is None else current
    index_key = bytes.fromhex(settings.JICENG_INDEX_KEY)
    if current is None or len(index_key) < 16:
        raise ValueError("JICENG_FIELD_KEYS and JICENG_INDEX_KEY must be set")
    return Keyring(current, ciphers, hmac.HMAC(index_key, hashes.SM3()))


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting in {"JICENG_FIELD_KEYS", "JICENG_INDEX_KEY"}:
        keyring.cache_clear()


def seal(plaintext: str, *, field: str) -> bytes:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(ring.ciphers[ring.current_version], modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(field.encode())
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    return bytes((ring.current_version,)) + nonce + body + encryptor.tag


def unseal(sealed: bytes | memoryview, *, field: str) -> str:
    ring = keyring()
    sealed = bytes(sealed)  # PostgreSQL hands back a memoryview
    if len(sealed) < 1 + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("sealed value too short")
    algorithm = ring.ciphers.get(sealed[0])
    if algorithm is None:
        raise DecryptionError(f"no key for version {sealed[0]}")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES : -TAG_BYTES]
    tag = sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithm, modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(field.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag:
        raise DecryptionError("sealed value failed authentication") from None


def blind_index(value: str, *, field: str) -> bytes:
    return blind_indexes([value], field=field)[0]


def blind_indexes(values: Iterable[str], *, field: str) -> list[bytes]:
    """The blind index of each value of one field: the MAC is keyed with the field once, and
    each value continues a copy of it (the seed indexes 200 million values at scale 1)."""
    keyed = keyring().index.copy()
    keyed.update(field.encode() + b"\x00")
    digests = []
    for value in values:
        mac = keyed.copy()
        mac.update(value.encode())
        digests.append(mac.finalize()[:INDEX_BYTES])
    return digests
