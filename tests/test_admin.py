"""The Django admin: every model lists, searches and shows its records; secrets never appear."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.urls import reverse

from integrations.models import ChannelInstance, ZendeskAccount
from reviews.models import SyncRun
from tests import factories
from tests.admin_models import ADMIN_MODELS

pytestmark = pytest.mark.django_db

SECRETS = ("tpa-visible-access", "tpr-visible-refresh", "zendesk-visible-api", "zendesk-visible-push")


@pytest.fixture
def world(db):
    account = factories.TrustpilotAccountFactory(
        name="Acme Business", access_token=SECRETS[0], refresh_token=SECRETS[1]
    )
    zendesk = factories.ZendeskAccountFactory(subdomain="acme", api_token=SECRETS[2])
    instance = factories.ChannelInstanceFactory(
        zendesk_account=zendesk, trustpilot_account=account, push_token=SECRETS[3], name="Acme reviews"
    )
    domain = factories.DomainFactory(account=account, name="acme.example")
    instance.domains.add(domain)
    review = factories.ReviewFactory(domain=domain, title="Parcel arrived broken", stars=1)
    reply = factories.ReplyFactory(review=review, message="Sorry about the parcel")
    link = factories.ReviewTicketLinkFactory(instance=instance, review=review, zendesk_ticket_id=4242)
    restriction = factories.AccessRestrictionFactory(zendesk_account=zendesk)
    run = factories.SyncRunFactory(domain=domain)
    event = factories.ChannelEventFactory(instance=instance, subdomain="acme", error="Pull timed out")
    return {
        "reviews_trustpilotaccount": (account, "Acme Business"),
        "reviews_domain": (domain, "acme.example"),
        "reviews_review": (review, "Parcel arrived broken"),
        "reviews_reply": (reply, "Sorry about the parcel"),
        "reviews_syncrun": (run, "acme.example"),
        "integrations_zendeskaccount": (zendesk, "acme"),
        "integrations_channelinstance": (instance, "Acme reviews"),
        "integrations_reviewticketlink": (link, review.trustpilot_id),
        "integrations_accessrestriction": (restriction, "acme"),
        "integrations_channelevent": (event, "Pull timed out"),
    }


def ciphertexts() -> list[str]:
    columns = [
        ("reviews_trustpilotaccount", "access_token"),
        ("reviews_trustpilotaccount", "refresh_token"),
        ("integrations_zendeskaccount", "api_token"),
        ("integrations_channelinstance", "push_token"),
    ]
    values = []
    with connection.cursor() as cursor:
        for table, column in columns:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
            values += [row[0] for row in cursor.fetchall()]
    return values


@pytest.mark.parametrize("model", ADMIN_MODELS)
@pytest.mark.parametrize("role", ["superuser", "support_manager"])
def test_every_page_lists_searches_and_shows_without_a_secret(client_for, request, world, role, model):
    client = client_for(request.getfixturevalue(role))
    obj, search_term = world[model]
    hidden = [*SECRETS, *ciphertexts()]

    pages = [
        client.get(reverse(f"admin:{model}_changelist")),
        client.get(reverse(f"admin:{model}_changelist"), {"q": search_term}),
        client.get(reverse(f"admin:{model}_change", args=[obj.pk])),
    ]

    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert not [secret for secret in hidden if secret in html]
    change_url = reverse(f"admin:{model}_change", args=[obj.pk])
    assert change_url in pages[0].content.decode()
    assert change_url in pages[1].content.decode()


def test_account_page_says_whether_tokens_are_stored(client_for, superuser, world):
    account = world["reviews_trustpilotaccount"][0]

    html = client_for(superuser).get(reverse("admin:reviews_trustpilotaccount_change", args=[account.pk])).content

    assert b"Tokens stored" in html
    assert b'alt="True"' in html


def test_a_zendesk_api_token_is_write_only_and_its_change_is_in_the_history(client_for, superuser):
    client = client_for(superuser)

    response = client.post(
        reverse("admin:integrations_zendeskaccount_add"),
        {
            "subdomain": "newco",
            "api_user": "ops@newco.example",
            "new_api_token": "zd-typed-in-token",
            "restriction-TOTAL_FORMS": "0",
            "restriction-INITIAL_FORMS": "0",
            "instances-TOTAL_FORMS": "0",
            "instances-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    account = ZendeskAccount.objects.get(subdomain="newco")
    assert account.api_token.reveal() == "zd-typed-in-token"
    page = client.get(reverse("admin:integrations_zendeskaccount_change", args=[account.pk])).content.decode()
    assert "zd-typed-in-token" not in page
    assert 'name="new_api_token"' in page
    history = LogEntry.objects.get(object_id=str(account.pk))
    assert "zd-typed-in-token" not in history.change_message


def test_leaving_the_token_empty_keeps_the_stored_one(client_for, superuser):
    account = factories.ZendeskAccountFactory(subdomain="keepco", api_token="zd-keep-me")

    response = client_for(superuser).post(
        reverse("admin:integrations_zendeskaccount_change", args=[account.pk]),
        {
            "api_user": "someone-else@keepco.example",
            "new_api_token": "",
            "restriction-TOTAL_FORMS": "0",
            "restriction-INITIAL_FORMS": "0",
            "instances-TOTAL_FORMS": "0",
            "instances-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.api_user == "someone-else@keepco.example"
    assert account.api_token.reveal() == "zd-keep-me"


def test_an_instances_domains_and_sync_cannot_be_changed_behind_the_account_page(client_for, superuser, world):
    instance = world["integrations_channelinstance"][0]
    other = factories.DomainFactory(account=instance.trustpilot_account, name="other.example")
    url = reverse("admin:integrations_channelinstance_change", args=[instance.pk])
    client = client_for(superuser)

    page = client.get(url).content.decode()
    response = client.post(
        url, {"name": "Renamed", "domains": [other.pk], "sync_unanswered": "on", "sync_unanswered_days": "365"}
    )

    assert 'name="name"' in page
    for field in ("domains", "sync_unanswered", "sync_unanswered_days"):
        assert f'name="{field}"' not in page
    assert response.status_code == 302
    saved = ChannelInstance.objects.get(pk=instance.pk)
    assert saved.name == "Renamed"
    assert [domain.name for domain in saved.domains.all()] == ["acme.example"]
    assert (saved.sync_unanswered, saved.sync_unanswered_days) == (
        instance.sync_unanswered,
        instance.sync_unanswered_days,
    )
    assert not SyncRun.objects.exclude(pk=world["reviews_syncrun"][0].pk).exists()
