from __future__ import annotations

import gc
import threading

import pytest
from django.test import Client

from reviews.sandbox.auth import API_KEY, API_SECRET
from tests import factories


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
