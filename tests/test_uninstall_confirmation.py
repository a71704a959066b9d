"""An uninstall Zendesk reported without a way to check it: listed on the dashboard, disconnected only on a
support manager's confirmation (POST, CSRF, the disconnect permission), never on the event alone."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from integrations.models import ChannelEvent, ChannelInstance, ZendeskAccount
from tests import factories
from tests.fixtures import load_fixture
from tests.zendesk_requests import keyed

pytestmark = pytest.mark.django_db
INDEX = "/admin/"


@pytest.fixture
def reported(revoked) -> ZendeskAccount:
    """acme, without API credentials, after someone holding its app address (or Zendesk) posted destroy_integration."""
    account = factories.ZendeskAccountFactory(subdomain="acme", api_token=None, api_user="", installation_id=None)
    factories.ChannelInstanceFactory(zendesk_account=account)
    body = load_fixture("zendesk", "event_callback_destroy_integration_synthetic")
    Client().post(keyed("event_callback", account), data=json.dumps(body), content_type="application/json")
    account.refresh_from_db()
    assert account.uninstall_reported_at is not None
    return account


def confirm_url(account: ZendeskAccount) -> str:
    return reverse("admin:integrations_zendeskaccount_confirm_uninstall", args=[account.pk])


def logged_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_of(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def still_connected(account: ZendeskAccount) -> bool:
    account.refresh_from_db()
    instances = set(ChannelInstance.objects.filter(zendesk_account=account).values_list("status", flat=True))
    return account.status == ZendeskAccount.Status.ACTIVE and instances == {ChannelInstance.Status.ACTIVE}


def test_the_dashboard_offers_a_support_manager_the_confirmation_and_it_runs_the_ordinary_disconnect(
    reported, support_manager, revoked
):
    manager = logged_in(support_manager)
    page = manager.get(INDEX)
    rows = page.context["figures"]["uninstalls"]
    assert [(row.report.subdomain, row.confirm_url) for row in rows] == [("acme", confirm_url(reported))]
    assert manager.get(rows[0].events_url).context["cl"].result_list[0] == ChannelEvent.objects.get()
    assert "Confirm uninstall and disconnect" in page.content.decode()

    response = manager.post(confirm_url(reported), {"csrfmiddlewaretoken": csrf_of(page)})

    assert response.status_code == 302
    assert response["Location"] == INDEX
    reported.refresh_from_db()
    assert (reported.status, reported.disconnected_by) == (ZendeskAccount.Status.DISCONNECTED, "manager")
    assert set(ChannelInstance.objects.values_list("status", flat=True)) == {ChannelInstance.Status.DISCONNECTED}
    assert len(revoked) == 1
    entry = LogEntry.objects.get(object_id=str(reported.pk))
    assert (entry.action_flag, entry.user) == (CHANGE, support_manager)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"acme: {entry.change_message}."]
    assert manager.get(INDEX).context["figures"]["uninstalls"] == []


def test_the_confirmation_without_the_admins_csrf_token_disconnects_nothing(reported, support_manager):
    response = logged_in(support_manager).post(confirm_url(reported))

    assert response.status_code == 403
    assert still_connected(reported)


def test_a_get_disconnects_nothing(reported, support_manager):
    assert logged_in(support_manager).get(confirm_url(reported)).status_code == 405
    assert still_connected(reported)


def test_strangers_and_staff_without_the_disconnect_permission_cannot_confirm(reported, plain_staff, client_for):
    anonymous = Client().post(confirm_url(reported))
    staff = client_for(plain_staff).post(confirm_url(reported))

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert staff.status_code == 403
    assert still_connected(reported)


def test_staff_who_may_only_view_accounts_see_the_report_without_the_button(reported, plain_staff, client_for):
    plain_staff.user_permissions.add(Permission.objects.get(codename="view_zendeskaccount"))
    page = client_for(plain_staff).get(INDEX)

    assert [row.confirm_url for row in page.context["figures"]["uninstalls"]] == [""]
    assert "Confirm uninstall and disconnect" not in page.content.decode()


def test_confirming_an_account_with_no_report_disconnects_nothing(support_manager, client_for):
    account = factories.ZendeskAccountFactory(subdomain="other")
    factories.ChannelInstanceFactory(zendesk_account=account)

    response = client_for(support_manager).post(confirm_url(account))

    assert response.status_code == 302
    assert still_connected(account)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "other: no reported uninstall waits for confirmation."
    ]


def test_a_reinstall_clears_the_report(reported):
    body = load_fixture("zendesk", "event_callback_create_integration_synthetic")
    Client().post(keyed("event_callback", reported), data=json.dumps(body), content_type="application/json")

    reported.refresh_from_db()
    assert reported.uninstall_reported_at is None
