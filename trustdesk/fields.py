"""Model fields shared by both apps."""

from __future__ import annotations

from typing import Any

from django.db import models

from trustdesk import crypto
from trustdesk.crypto import Secret


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A secret stored as a Fernet token and read back as a `Secret`.

    The column never holds the plaintext; Python code gets a `Secret` whose repr is masked and
    calls `.reveal()` only where the value leaves for the vendor. Empty means "no secret" (NULL).
    Not editable: no admin form ever renders it.
    """

    description = "Encrypted text"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Secret | None:
        if not value:
            return None
        return Secret(crypto.decrypt(value))

    def to_python(self, value: Any) -> Secret | None:
        if value is None or value == "" or isinstance(value, Secret):
            return value or None
        return Secret(str(value))

    def get_prep_value(self, value: Any) -> str | None:
        plaintext = value.reveal() if isinstance(value, Secret) else value
        if not plaintext:
            return None
        return crypto.encrypt(str(plaintext))

    def value_to_string(self, obj: models.Model) -> str:
        # Serialized dumps carry the ciphertext, never the secret.
        return self.get_prep_value(self.value_from_object(obj)) or ""
