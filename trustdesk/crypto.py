"""Encryption at rest for secrets (OAuth tokens, API tokens), with Fernet and key rotation.

TRUSTDESK_ENCRYPTION_KEYS lists one or more Fernet keys: the first encrypts, every key decrypts,
so an operator adds a new key in front, runs `manage.py rotate_encryption_keys`, then drops the
old key.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


class Secret:
    """A decrypted secret that never shows its value in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TRUSTDESK_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A stored secret cannot be decrypted with any key in TRUSTDESK_ENCRYPTION_KEYS: "
            "was a key removed before `manage.py rotate_encryption_keys` ran?"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt a stored token with the first key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("A stored secret cannot be decrypted with any key in TRUSTDESK_ENCRYPTION_KEYS") from None
