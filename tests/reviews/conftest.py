from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from reviews.models import Domain, TrustpilotAccount
from reviews.sandbox import oauth, seed
from reviews.sandbox.auth import API_KEY
from reviews.services.accounts import account_connect, domains_enable
from reviews.trustpilot import get_client
from reviews.trustpilot.client import TrustpilotClient

CALLBACK = "https://trustdesk.test/trustpilot/callback"


@dataclass
class Connected:
    account: TrustpilotAccount
    domain: Domain
    sandbox: seed.DemoAccount
    sleeps: list[float]
    client: TrustpilotClient


@pytest.fixture
def connected(live_sandbox, settings) -> Iterator[Connected]:
    """TrustDesk connected to the sandbox's demo business user through the real code exchange, over HTTP."""
    settings.TRUSTPILOT_FIRST_POLL_DAYS = 365
    demo = seed.demo_seed(reviews_per_unit=40)
    sleeps: list[float] = []
    client = get_client(sleep=sleeps.append)
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code
    tokens = client.exchange_code(code=code, redirect_uri=CALLBACK)
    user, units = client.business_user_and_units(access_token=tokens.access_token)
    account = account_connect(user=user, tokens=tokens, connected_by="test")
    domains = domains_enable(account=account, units=units)
    shop = next(domain for domain in domains if domain.name == "shop.example")
    yield Connected(account=account, domain=shop, sandbox=demo, sleeps=sleeps, client=client)
    client.session.close()
