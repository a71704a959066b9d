"""Seeding a sandbox account, the management command, and connecting TrustDesk's ZendeskAccount to it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.models import ZendeskAccount
from sandbox.zendesk import seed_content as ids
from sandbox.zendesk.models import (
    SandboxGroup,
    SandboxGroupMembership,
    SandboxInstallation,
    SandboxRole,
    SandboxUser,
    SandboxZendesk,
)
from sandbox.zendesk.seed import zendesk_sandbox_seed

pytestmark = pytest.mark.django_db


def counts() -> list[int]:
    models = (SandboxZendesk, SandboxRole, SandboxGroup, SandboxUser, SandboxGroupMembership, SandboxInstallation)
    return [model.objects.count() for model in models]


def test_seeding_twice_keeps_the_token_and_duplicates_nothing():
    first = zendesk_sandbox_seed(subdomain="acme")
    SandboxGroup.objects.filter(zendesk_id=ids.GROUP_BILLING).update(name="Renamed")
    second = zendesk_sandbox_seed(subdomain="acme")

    assert (first.created, second.created) == (True, False)
    assert second.api_token == first.api_token
    assert counts() == [1, 5, 120, 6, 7, 1]
    assert SandboxGroup.objects.get(zendesk_id=ids.GROUP_BILLING).name == "Billing"


def test_two_subdomains_share_ids_but_not_data_or_tokens():
    acme = zendesk_sandbox_seed(subdomain="acme")
    globex = zendesk_sandbox_seed(subdomain="globex", plan="professional")

    assert acme.api_token != globex.api_token
    assert (acme.api_user, globex.api_user) == ("admin@acme.example", "admin@globex.example")
    assert SandboxZendesk.objects.get(subdomain="globex").plan == "professional"
    assert SandboxUser.objects.filter(zendesk_id=ids.USER_RILEY_REVIEWER).count() == 2


def test_an_unknown_plan_is_refused():
    with pytest.raises(ValueError, match="plan must be one of"):
        zendesk_sandbox_seed(subdomain="acme", plan="free")


def test_the_command_prints_the_credentials_and_installation(settings):
    settings.TRUSTDESK_SANDBOX = True
    out = StringIO()

    call_command("zendesk_sandbox_seed", "--subdomain", "Acme", stdout=out)

    zendesk = SandboxZendesk.objects.get(subdomain="acme")
    assert "Created sandbox Zendesk account 'acme' (enterprise plan)" in out.getvalue()
    assert f"API user:        {zendesk.api_user}" in out.getvalue()
    assert f"API token:       {zendesk.api_token}" in out.getvalue()
    assert f"Installation id: {ids.INSTALLATION_ID}" in out.getvalue()
    assert f"Control header:  X-Sandbox-Control-Token: {settings.TRUSTDESK_SANDBOX_CONTROL_TOKEN}" in out.getvalue()
    assert not ZendeskAccount.objects.exists()


def test_connect_creates_then_updates_the_zendesk_account(settings):
    settings.TRUSTDESK_SANDBOX = True
    ZendeskAccount.objects.create(subdomain="demo", api_user="old@demo.example", api_token="old")

    call_command("zendesk_sandbox_seed", "--connect", stdout=StringIO())

    zendesk = SandboxZendesk.objects.get(subdomain="demo")
    account = ZendeskAccount.objects.get(subdomain="demo")
    assert (account.api_user, account.installation_id) == (zendesk.api_user, ids.INSTALLATION_ID)
    assert account.api_token is not None
    assert account.api_token.reveal() == zendesk.api_token


def test_connect_is_refused_while_the_sandbox_is_off(settings):
    settings.TRUSTDESK_SANDBOX = False

    with pytest.raises(CommandError, match="TRUSTDESK_SANDBOX is off"):
        call_command("zendesk_sandbox_seed", "--connect", stdout=StringIO())

    assert not ZendeskAccount.objects.exists()
