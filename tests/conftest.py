from __future__ import annotations

import pytest
from django.test import Client

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
