from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from integrations.metadata import metadata_for
from integrations.models import ChannelInstance
from integrations.services.disconnect import instance_disconnect
from reviews.services.accounts import account_connect
from reviews.services.signin import sign_in_discover
from reviews.trustpilot.client import TrustpilotClient
from sandbox.trustpilot import oauth
from sandbox.trustpilot.auth import API_KEY
from tests import factories
from tests.conftest import CALLBACK


@dataclass
class Channel:
    instance: ChannelInstance
    metadata: str


@pytest.fixture
def channel(connected) -> Channel:
    """A Zendesk channel instance covering the sandbox's shop.example, before any review came in."""
    instance = factories.ChannelInstanceFactory(
        trustpilot_account=connected.account, zendesk_account__subdomain="acme", name="Trustpilot — Demo"
    )
    instance.domains.add(connected.domain)
    return Channel(instance=instance, metadata=metadata_for(instance))


@pytest.fixture
def disconnect_and_reconnect(connected) -> Callable[[Channel], str]:
    """Disconnect the channel for real (its Trustpilot grant revoked at the sandbox), then bring it back as a
    finished setup would: a fresh Trustpilot sign-in, the instance active again. Returns the metadata Zendesk
    gets on reconnecting; the channel's own copy is the one kept from before."""

    def run(channel: Channel) -> str:
        instance_disconnect(instance=channel.instance, by="admin@trustdesk.test")
        code = oauth.code_issue(user=connected.sandbox.user, api_key=API_KEY, redirect_uri=CALLBACK).code
        tokens = connected.client.exchange_code(code=code, redirect_uri=CALLBACK)
        user = sign_in_discover(tokens=tokens, client=connected.client).user
        account = account_connect(user=user, tokens=tokens, connected_by="test")
        connected.account.refresh_from_db()  # the sandbox domain's account, polled by the tests
        ChannelInstance.objects.filter(pk=channel.instance.pk).update(
            status=ChannelInstance.Status.ACTIVE, disconnected_at=None, trustpilot_account=account
        )
        return metadata_for(ChannelInstance.objects.get(pk=channel.instance.pk))

    return run


@pytest.fixture
def posted_replies(monkeypatch) -> list[str]:
    """Ids of the reviews TrustDesk posted a reply to; the posts still reach the sandbox."""
    review_ids: list[str] = []
    post_reply = TrustpilotClient.post_reply

    def recording(self: TrustpilotClient, **kwargs: str) -> None:
        review_ids.append(kwargs["review_id"])
        post_reply(self, **kwargs)

    monkeypatch.setattr(TrustpilotClient, "post_reply", recording)
    return review_ids


@pytest.fixture
def zendesk_unreachable(settings):
    """Zendesk's API on a closed loopback port: a push token cannot be checked (and is not refused)."""
    settings.ZENDESK_API_URL = "http://127.0.0.1:9/zendesk/{subdomain}"
