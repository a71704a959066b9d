from __future__ import annotations

import pytest
from django.test import Client

from sandbox.trustpilot import oauth, seed
from sandbox.trustpilot.auth import API_KEY
from tests.sandbox import factories


@pytest.fixture
def sandbox_on(settings):
    settings.TRUSTDESK_SANDBOX = True


@pytest.fixture
def demo(sandbox_on):
    """The demo business user and its three units, without reviews."""
    return seed.demo_seed(reviews_per_unit=0)


@pytest.fixture
def unit(demo):
    return demo.units[0]


@pytest.fixture
def tokens(demo):
    return oauth.tokens_issue(user=demo.user, api_key=API_KEY)


@pytest.fixture
def api(tokens):
    """A client that sends the apikey header and the demo user's access token."""
    return Client(headers={"apikey": API_KEY, "Authorization": f"Bearer {tokens.access.value}"})


@pytest.fixture
def stranger_unit(db):
    """A business unit the demo user cannot access."""
    return factories.BusinessUnitFactory(users=[factories.BusinessUserFactory()])
