"""Re-encrypt every stored secret with the first key of TRUSTDESK_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from trustdesk.crypto import DecryptionError
from trustdesk.fields import EncryptedTextField

BATCH_SIZE = 500


class Command(BaseCommand):
    help = (
        "Re-encrypts every stored secret with the first key of TRUSTDESK_ENCRYPTION_KEYS. "
        "Run it after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        try:
            with transaction.atomic():
                for model in apps.get_models():
                    names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
                    if names:
                        count = self.rotate_model(model, names)
                        total += count
                        self.stdout.write(f"{model._meta.label}: {count} row(s) re-encrypted")
        except DecryptionError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from None
        self.stdout.write(self.style.SUCCESS(f"Done: {total} row(s) now encrypted with the first key."))

    def rotate_model(self, model: Any, names: list[str]) -> int:
        manager = model._default_manager
        pks = list(manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH_SIZE):
            # Reading decrypts with any key; bulk_update encrypts with the first.
            batch = list(manager.only("pk", *names).filter(pk__in=pks[start : start + BATCH_SIZE]))
            manager.bulk_update(batch, names)
        return len(pks)
