"""Model fields shared by both apps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from trustdesk import crypto
from trustdesk.crypto import Secret

if TYPE_CHECKING:
    _TextField = models.TextField[str | Secret | None, Secret | None]
else:
    _TextField = models.TextField


class SecretAttribute(DeferredAttribute):
    """Wraps whatever is assigned in a `Secret`, so a freshly set token is as masked as a loaded one."""

    def __set__(self, instance: models.Model, value: object) -> None:
        instance.__dict__[self.field.attname] = self.field.to_python(value)


class EncryptedTextField(_TextField):
    """A secret stored as a Fernet token and read back as a `Secret`.

    The column never holds the plaintext; Python code gets a `Secret` whose repr is masked and
    calls `.reveal()` only where the value leaves for the vendor. Empty means "no secret" (NULL).
    Not editable: no admin form ever renders it.
    """

    description = "Encrypted text"
    descriptor_class = SecretAttribute

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
