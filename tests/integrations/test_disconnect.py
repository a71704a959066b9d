"""Disconnecting: credentials go (revoked at Trustpilot when it answers), history stays, and doing it twice is once."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from integrations.metadata import StaleMetadata, instance_from, metadata_for
from integrations.models import AccessRestriction, ChannelInstance, ReviewTicketLink, ZendeskAccount
from integrations.services.disconnect import (
    instance_disconnect,
    trustpilot_account_disconnect,
    zendesk_account_disconnect,
)
from reviews.models import TrustpilotAccount
from reviews.services.accounts import account_disconnect
from reviews.services.sync import pollable_domains
from reviews.trustpilot.client import TrustpilotClient
from reviews.trustpilot.errors import Unavailable
from sandbox.trustpilot import faults
from sandbox.trustpilot.models import Token
from tests import factories
from tests.fixtures import load_fixture
from tests.zendesk_requests import keyed


@pytest.fixture
def revoked(monkeypatch) -> list[str]:
    """Tokens TrustDesk asked Trustpilot to revoke; no call leaves the test."""
    tokens: list[str] = []
    monkeypatch.setattr(TrustpilotClient, "revoke", lambda self, *, token: tokens.append(token))
    return tokens


# --- Trustpilot accounts, over the sandbox -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_account_disconnect_revokes_the_grant_at_trustpilot_and_forgets_the_tokens(connected):
    tokens = Token.objects.filter(user=connected.sandbox.user)
    assert tokens.filter(revoked=False).exists()

    account = account_disconnect(account=connected.account, by="admin@trustdesk.test")

    assert not tokens.filter(revoked=False).exists()
    account.refresh_from_db()
    assert account.status == TrustpilotAccount.Status.DISCONNECTED
    assert (account.access_token, account.refresh_token) == (None, None)
    assert (account.access_token_expires_at, account.refresh_token_expires_at) == (None, None)
    assert (account.disconnected_by, account.status_reason) == ("admin@trustdesk.test", "")
    assert account.disconnected_at is not None
    connected.domain.refresh_from_db()
    assert (connected.domain.account, connected.domain.enabled) == (account, True)
    assert connected.domain not in pollable_domains()


@pytest.mark.django_db(transaction=True)
def test_account_disconnect_still_disconnects_when_the_sandbox_answers_503(connected):
    faults.faults_set(fail_next=5, fail_status=503)

    account = account_disconnect(account=connected.account, by="admin@trustdesk.test")

    assert account.status == TrustpilotAccount.Status.DISCONNECTED
    assert account.refresh_token is None
    assert account.status_reason.startswith("Trustpilot could not be told to revoke the tokens")
    assert Token.objects.filter(user=connected.sandbox.user, revoked=False).exists()  # Trustpilot never heard


@pytest.mark.django_db(transaction=True)
def test_destroying_the_last_instance_revokes_its_trustpilot_grant(channel, connected):
    body = load_fixture("zendesk", "event_callback_destroy_integration_instance_synthetic")
    body["events"][0]["data"]["metadata"] = channel.metadata

    response = Client().post(
        keyed("event_callback", channel.instance), data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 200
    assert not Token.objects.filter(user=connected.sandbox.user, revoked=False).exists()
    channel.instance.refresh_from_db()
    assert (channel.instance.status, channel.instance.push_token) == (ChannelInstance.Status.DISCONNECTED, None)
    assert channel.instance.metadata_version == 2
    assert channel.instance.trustpilot_account.status == TrustpilotAccount.Status.DISCONNECTED


# --- Trustpilot accounts, client patched -------------------------------------------------------


@pytest.mark.django_db
def test_account_disconnect_still_disconnects_when_trustpilot_is_down(monkeypatch):
    def down(self, *, token):
        raise Unavailable("cannot reach Trustpilot: connection refused")

    monkeypatch.setattr(TrustpilotClient, "revoke", down)
    account = factories.TrustpilotAccountFactory()

    account_disconnect(account=account, by="admin@trustdesk.test")

    account.refresh_from_db()
    assert account.status == TrustpilotAccount.Status.DISCONNECTED
    assert (account.access_token, account.refresh_token) == (None, None)
    assert account.status_reason == (
        "Trustpilot could not be told to revoke the tokens (cannot reach Trustpilot: connection refused); "
        "TrustDesk deleted them."
    )


@pytest.mark.django_db
def test_account_disconnect_twice_revokes_once_and_keeps_the_first_record(revoked):
    account = factories.TrustpilotAccountFactory()
    account_disconnect(account=account, by="first")
    first = TrustpilotAccount.objects.get(pk=account.pk)

    account_disconnect(account=first, by="second")

    again = TrustpilotAccount.objects.get(pk=account.pk)
    assert (again.disconnected_by, again.disconnected_at, again.updated_at) == (
        "first",
        first.disconnected_at,
        first.updated_at,
    )
    assert len(revoked) == 1


@pytest.mark.django_db
def test_an_account_without_tokens_is_disconnected_without_calling_trustpilot(revoked):
    account = factories.TrustpilotAccountFactory(access_token=None, refresh_token=None)

    account_disconnect(account=account, by="admin")

    assert TrustpilotAccount.objects.get(pk=account.pk).status == TrustpilotAccount.Status.DISCONNECTED
    assert revoked == []


# --- Instances and Zendesk accounts, as the admin will call them --------------------------------


@pytest.mark.django_db
def test_instance_disconnect_keeps_the_instance_and_its_links(revoked):
    link = factories.ReviewTicketLinkFactory()
    instance = link.instance

    instance_disconnect(instance=instance, by="admin@trustdesk.test")
    first = ChannelInstance.objects.get(pk=instance.pk)
    instance_disconnect(instance=instance, by="admin@trustdesk.test")

    again = ChannelInstance.objects.get(pk=instance.pk)
    assert (again.status, again.push_token, again.instance_push_id) == ("disconnected", None, "")
    assert (again.disconnected_at, again.updated_at) == (first.disconnected_at, first.updated_at)
    assert ReviewTicketLink.objects.get() == link
    assert len(revoked) == 1


@pytest.mark.django_db
def test_zendesk_account_disconnect_removes_the_api_token_and_restrictions_and_keeps_the_first_record(revoked):
    instance = factories.ChannelInstanceFactory()
    account = instance.zendesk_account
    factories.AccessRestrictionFactory(zendesk_account=account)

    zendesk_account_disconnect(account=account, by="admin@trustdesk.test")
    first = ZendeskAccount.objects.get(pk=account.pk)
    zendesk_account_disconnect(account=account, by="someone else")

    again = ZendeskAccount.objects.get(pk=account.pk)
    assert (again.status, again.api_token, again.disconnected_by) == ("disconnected", None, "admin@trustdesk.test")
    assert (again.disconnected_at, again.updated_at) == (first.disconnected_at, first.updated_at)
    assert not AccessRestriction.objects.exists()
    assert ChannelInstance.objects.get().status == ChannelInstance.Status.DISCONNECTED
    assert len(revoked) == 1


# --- Metadata from before a disconnect ----------------------------------------------------------


@pytest.mark.django_db
def test_instance_disconnect_puts_every_copy_of_the_instances_metadata_out_of_date_once(revoked):
    instance = factories.ChannelInstanceFactory()
    kept = metadata_for(instance)

    instance_disconnect(instance=instance, by="admin@trustdesk.test")
    instance_disconnect(instance=instance, by="admin@trustdesk.test")

    assert ChannelInstance.objects.get(pk=instance.pk).metadata_version == 2
    with pytest.raises(StaleMetadata):
        instance_from(kept)


@pytest.mark.django_db
def test_instance_disconnect_keeps_the_sequence_numbers_taken_meanwhile(revoked):
    instance = factories.ChannelInstanceFactory()
    ChannelInstance.objects.filter(pk=instance.pk).update(last_sequence=41)  # the outbox, after we read the row

    instance_disconnect(instance=instance, by="admin@trustdesk.test")

    after = ChannelInstance.objects.get(pk=instance.pk)
    assert (after.last_sequence, after.metadata_version) == (41, 2)


@pytest.mark.django_db
def test_every_disconnect_of_a_reconnected_instance_puts_its_metadata_out_of_date_again(revoked):
    instance = factories.ChannelInstanceFactory()
    instance_disconnect(instance=instance, by="admin@trustdesk.test")
    ChannelInstance.objects.filter(pk=instance.pk).update(status=ChannelInstance.Status.ACTIVE, disconnected_at=None)
    second = metadata_for(ChannelInstance.objects.get(pk=instance.pk))

    instance_disconnect(instance=instance, by="admin@trustdesk.test")

    assert ChannelInstance.objects.get(pk=instance.pk).metadata_version == 3
    with pytest.raises(StaleMetadata):
        instance_from(second)


@pytest.mark.django_db
def test_disconnecting_a_zendesk_or_trustpilot_account_puts_its_instances_metadata_out_of_date(revoked):
    zendesk = factories.ChannelInstanceFactory()
    trustpilot = factories.ChannelInstanceFactory()

    zendesk_account_disconnect(account=zendesk.zendesk_account, by="admin@trustdesk.test")
    trustpilot_account_disconnect(account=trustpilot.trustpilot_account, by="admin@trustdesk.test")

    for instance in (zendesk, trustpilot):
        assert ChannelInstance.objects.get(pk=instance.pk).metadata_version == 2
        with pytest.raises(StaleMetadata):
            instance_from(metadata_for(instance))
