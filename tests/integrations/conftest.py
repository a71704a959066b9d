from __future__ import annotations

from dataclasses import dataclass

import pytest

from integrations.metadata import metadata_for
from integrations.models import ChannelInstance
from tests import factories


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
