"""Secrets are encrypted at rest, never shown, and survive key rotation."""

from __future__ import annotations

import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from integrations.models import ChannelInstance, ZendeskAccount
from reviews.models import TrustpilotAccount
from tests import factories
from trustdesk.crypto import DecryptionError, Secret

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def raw_column(model, column: str, pk: int) -> str | None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("factory", "model", "column", "plaintext"),
    [
        (factories.TrustpilotAccountFactory, TrustpilotAccount, "access_token", "tpa-secret-access"),
        (factories.TrustpilotAccountFactory, TrustpilotAccount, "refresh_token", "tpr-secret-refresh"),
        (factories.ZendeskAccountFactory, ZendeskAccount, "api_token", "zendesk-secret-token"),
        (factories.ChannelInstanceFactory, ChannelInstance, "push_token", "zendesk-secret-push"),
    ],
)
def test_secret_column_holds_ciphertext_not_the_secret(factory, model, column, plaintext):
    obj = factory(**{column: plaintext})

    stored = raw_column(model, column, obj.pk)

    assert stored and plaintext not in stored
    assert Fernet(settings.TRUSTDESK_ENCRYPTION_KEYS[0]).decrypt(stored.encode()).decode() == plaintext
    assert getattr(model.objects.get(pk=obj.pk), column).reveal() == plaintext


def test_missing_secret_is_null_in_the_database():
    account = factories.TrustpilotAccountFactory(access_token=None, refresh_token="")

    assert raw_column(TrustpilotAccount, "access_token", account.pk) is None
    assert raw_column(TrustpilotAccount, "refresh_token", account.pk) is None
    assert TrustpilotAccount.objects.get(pk=account.pk).has_tokens is False


def test_secret_is_masked_in_repr_str_and_logs(caplog):
    account = factories.TrustpilotAccountFactory(access_token="tpa-do-not-print")
    account = TrustpilotAccount.objects.get(pk=account.pk)

    with caplog.at_level(logging.INFO):
        logging.getLogger("trustdesk.test").info("account %r fields %r", account, vars(account))

    assert "tpa-do-not-print" not in repr(account)
    assert "tpa-do-not-print" not in str(account.access_token)
    assert "tpa-do-not-print" not in caplog.text
    assert "Secret('********')" in caplog.text


def test_secret_compares_by_value_without_revealing_it():
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert not Secret("")


def test_rotation_re_encrypts_every_secret_with_the_first_key():
    with override_settings(TRUSTDESK_ENCRYPTION_KEYS=[KEY_A]):
        account = factories.TrustpilotAccountFactory(access_token="tpa-rotate-me", refresh_token="tpr-rotate-me")
        zendesk = factories.ZendeskAccountFactory(api_token="zd-rotate-me")

    with override_settings(TRUSTDESK_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        call_command("rotate_encryption_keys", stdout=io.StringIO())

    with override_settings(TRUSTDESK_ENCRYPTION_KEYS=[KEY_B]):
        account = TrustpilotAccount.objects.get(pk=account.pk)
        assert account.access_token.reveal() == "tpa-rotate-me"
        assert account.refresh_token.reveal() == "tpr-rotate-me"
        assert ZendeskAccount.objects.get(pk=zendesk.pk).api_token.reveal() == "zd-rotate-me"
    raw = raw_column(TrustpilotAccount, "access_token", account.pk)
    assert Fernet(KEY_B).decrypt(raw.encode()) == b"tpa-rotate-me"


def test_rotation_reports_each_model_it_re_encrypted(capsys):
    factories.ChannelInstanceFactory()

    call_command("rotate_encryption_keys")

    out = capsys.readouterr().out
    assert "reviews.TrustpilotAccount: 1 row(s) re-encrypted" in out
    assert "integrations.ZendeskAccount: 1 row(s) re-encrypted" in out
    assert "integrations.ChannelInstance: 1 row(s) re-encrypted" in out


def test_rotation_without_the_old_key_fails_clearly_and_changes_nothing():
    with override_settings(TRUSTDESK_ENCRYPTION_KEYS=[KEY_A]):
        account = factories.TrustpilotAccountFactory(access_token="tpa-kept")
    before = raw_column(TrustpilotAccount, "access_token", account.pk)

    with override_settings(TRUSTDESK_ENCRYPTION_KEYS=[KEY_B]), pytest.raises(CommandError, match="Nothing was changed"):
        call_command("rotate_encryption_keys")

    assert raw_column(TrustpilotAccount, "access_token", account.pk) == before


def test_reading_a_secret_with_a_removed_key_names_the_setting():
    with override_settings(TRUSTDESK_ENCRYPTION_KEYS=[KEY_A]):
        account = factories.TrustpilotAccountFactory()

    with (
        override_settings(TRUSTDESK_ENCRYPTION_KEYS=[KEY_B]),
        pytest.raises(DecryptionError, match="TRUSTDESK_ENCRYPTION_KEYS"),
    ):
        TrustpilotAccount.objects.get(pk=account.pk)
