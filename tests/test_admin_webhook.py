"""The Trustpilot account's webhook URL in the admin: shown with its set-up steps; rotated only through a
confirmation, by POST with the CSRF token, by those trusted to disconnect; the old URL is refused afterwards."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from integrations.trustpilot_webhooks import webhook_url
from reviews.models import TrustpilotAccount, WebhookDelivery
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return factories.TrustpilotAccountFactory(name="Acme Business")


def change_url(account: TrustpilotAccount) -> str:
    return reverse("admin:reviews_trustpilotaccount_change", args=[account.pk])


def rotate_url(account: TrustpilotAccount) -> str:
    return reverse("admin:reviews_trustpilotaccount_rotate_webhook", args=[account.pk])


def test_the_account_page_shows_the_url_the_steps_the_events_and_the_latest_deliveries(client_for, superuser, account):
    WebhookDelivery.objects.create(account=account, events=3, status=WebhookDelivery.Status.DONE, stored=2)

    page = client_for(superuser).get(change_url(account)).content.decode()

    assert webhook_url(account) in page
    assert "Integrations &gt; Developers &gt; Webhooks" in page
    for event in ("service-review-created", "service-review-updated", "service-review-deleted"):
        assert event in page
    assert "Rotate webhook URL" in page
    assert "latest webhook deliveries" in page.lower()


def test_a_support_manager_sees_the_url_and_may_rotate_it(client_for, support_manager, account):
    page = client_for(support_manager).get(change_url(account)).content.decode()

    assert webhook_url(account) in page
    assert rotate_url(account) in page


def test_other_staff_may_not_rotate(client_for, plain_staff, account):
    before = webhook_url(account)
    client = client_for(plain_staff)

    assert client.get(rotate_url(account)).status_code == 403
    assert client.post(rotate_url(account), {"post": "yes"}).status_code == 403
    assert webhook_url(TrustpilotAccount.objects.get(pk=account.pk)) == before


def test_the_confirmation_page_changes_nothing(client_for, superuser, account):
    before = webhook_url(account)

    page = client_for(superuser).get(rotate_url(account))

    assert page.status_code == 200
    assert "Yes, rotate the URL" in page.content.decode()
    assert webhook_url(TrustpilotAccount.objects.get(pk=account.pk)) == before


def test_a_post_without_the_csrf_token_is_refused(superuser, account):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    before = webhook_url(account)

    assert client.post(rotate_url(account), {"post": "yes"}).status_code == 403
    assert webhook_url(TrustpilotAccount.objects.get(pk=account.pk)) == before


def test_confirming_rotates_and_the_old_url_is_refused(client_for, superuser, account):
    old = webhook_url(account)

    answer = client_for(superuser).post(rotate_url(account), {"post": "yes"})

    assert answer.status_code == 302
    assert answer["Location"] == change_url(account)
    new = webhook_url(TrustpilotAccount.objects.get(pk=account.pk))
    assert new != old
    hook = Client()
    assert (
        hook.post(old.removeprefix("https://trustdesk.test"), b'{"events": []}', "application/json").status_code == 404
    )
    assert (
        hook.post(new.removeprefix("https://trustdesk.test"), b'{"events": []}', "application/json").status_code == 200
    )
    assert LogEntry.objects.filter(object_id=str(account.pk), change_message="Rotated the webhook URL.").exists()


def test_an_unknown_account_is_404(client_for, superuser):
    assert client_for(superuser).get(rotate_url(TrustpilotAccount(pk=999))).status_code == 404
