from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from reviews.models import Domain, TrustpilotAccount
from reviews.services.accounts import account_connect, domains_enable
from reviews.services.signin import sign_in_discover
from reviews.trustpilot import get_client
from reviews.trustpilot.client import TrustpilotClient
from sandbox.trustpilot import oauth, seed
from sandbox.trustpilot.auth import API_KEY, API_SECRET
from sandbox.zendesk.seed import SeededZendesk, zendesk_sandbox_seed
from tests import factories
from tests.zendesk_schemas import MISSING, schemas_available, schemas_required, unchecked


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_superuser=True)


@pytest.fixture
def support_manager(db):
    return factories.UserFactory(username="manager", support_manager=True)


@pytest.fixture
def plain_staff(db):
    return factories.UserFactory(username="staff")


@pytest.fixture
def revoked(monkeypatch) -> list[str]:
    """Tokens TrustDesk asked Trustpilot to revoke; no call leaves the test."""
    tokens: list[str] = []
    monkeypatch.setattr(TrustpilotClient, "revoke", lambda self, *, token: tokens.append(token))
    return tokens


@pytest.fixture
def client_for():
    """A test client logged in as the given user, or anonymous for None."""

    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def live_sandbox(live_server, settings):
    """The Trustpilot sandbox over real HTTP on pytest-django's live server, with TrustDesk pointed at it."""
    settings.TRUSTDESK_SANDBOX = True
    # The test settings' public URL is https, which makes the CSRF cookie Secure; the live server speaks http.
    settings.CSRF_COOKIE_SECURE = False
    base = f"{live_server.url}/sandbox/trustpilot"
    settings.TRUSTPILOT_API_URL = base
    settings.TRUSTPILOT_AUTHORIZE_URL = f"{base}/authenticate"
    settings.TRUSTPILOT_API_KEY = API_KEY
    settings.TRUSTPILOT_API_SECRET = API_SECRET
    yield base
    let_go_of_the_database()


def let_go_of_the_database() -> None:
    """Wait for the live server's connection threads, each of which holds a database session until its
    client socket closes: PostgreSQL cannot drop the test database while one is open. A socket kept in a
    reference cycle (an exception's traceback) closes only when the garbage collector runs."""
    gc.collect()
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=5)


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
    discovery = sign_in_discover(tokens=tokens, client=client)
    user, units = discovery.user, discovery.units
    account = account_connect(user=user, tokens=tokens, connected_by="test")
    domains = domains_enable(account=account, units=units)
    shop = next(domain for domain in domains if domain.name == "shop.example")
    yield Connected(account=account, domain=shop, sandbox=demo, sleeps=sleeps, client=client)
    client.session.close()


@dataclass
class LiveZendesk:
    """A seeded Zendesk sandbox account served by the live server, with TrustDesk's ZENDESK_API_URL pointed at it."""

    base_url: str
    seeded: SeededZendesk

    @property
    def subdomain(self) -> str:
        return self.seeded.subdomain

    @property
    def email(self) -> str:
        return self.seeded.api_user

    @property
    def token(self) -> str:
        return self.seeded.api_token

    @property
    def auth(self) -> tuple[str, str]:
        """HTTP Basic credentials for requests' `auth=`: "{email}/token" and the token."""
        return f"{self.seeded.api_user}/token", self.seeded.api_token


@pytest.fixture
def live_zendesk(live_server, settings) -> Iterator[LiveZendesk]:
    """The Zendesk sandbox's "acme" account over real HTTP; tests need django_db(transaction=True) so the server
    thread sees the seeded rows. Ids are the constants of sandbox.zendesk.seed_content."""
    settings.TRUSTDESK_SANDBOX = True
    seeded = zendesk_sandbox_seed(subdomain="acme")
    settings.ZENDESK_API_URL = f"{live_server.url}/sandbox/zendesk/{{subdomain}}"
    yield LiveZendesk(base_url=f"{live_server.url}/sandbox/zendesk/{seeded.subdomain}", seeded=seeded)
    let_go_of_the_database()


def pytest_configure(config: pytest.Config) -> None:
    if schemas_required() and not schemas_available():
        raise pytest.UsageError(f"ZENDESK_SCHEMAS_REQUIRED is set, and {MISSING}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if unchecked:
        terminalreporter.write_line(
            f"{len(unchecked)} payload check(s) against Zendesk's schemas left out: {MISSING}", yellow=True
        )
