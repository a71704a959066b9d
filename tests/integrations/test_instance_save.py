"""Saving the account page in Zendesk (services.setup.instance_save) over an instance that was put out of service."""

from __future__ import annotations

import pytest

from integrations.models import ChannelInstance
from integrations.services.disconnect import instance_disconnect
from integrations.services.event_effects import instance_deactivate
from integrations.services.setup import instance_save, session_start, unit_of
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_reconnect_clears_when_the_instance_was_deactivated_and_disconnected(revoked):
    domain = factories.DomainFactory()
    instance = factories.ChannelInstanceFactory(trustpilot_account=domain.account, zendesk_account__subdomain="acme")
    instance.domains.add(domain)
    instance_deactivate(instance=instance)
    instance_disconnect(instance=instance, by="admin@trustdesk.test")
    gone = ChannelInstance.objects.get(pk=instance.pk)
    assert gone.status == ChannelInstance.Status.DISCONNECTED
    assert gone.deactivated_at is not None and gone.disconnected_at is not None
    session = session_start(
        subdomain="acme", return_url="https://acme.zendesk.com/return", locale="en-US", instance=gone
    )
    session.trustpilot_account = factories.TrustpilotAccountFactory()  # the fresh sign-in a reconnect needs
    session.save()

    instance_save(session=session, name="Trustpilot — back", units=[unit_of(domain)], sync_unanswered=False, days=30)

    back = ChannelInstance.objects.get(pk=instance.pk)
    assert back.status == ChannelInstance.Status.ACTIVE
    assert (back.deactivated_at, back.disconnected_at) == (None, None)
    assert back.trustpilot_account == session.trustpilot_account
