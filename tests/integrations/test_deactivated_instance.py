"""Reviews that arrive while Zendesk has an instance deactivated reach it once Zendesk reactivates it."""

from __future__ import annotations

import json

import pytest
import responses

from integrations.models import ChannelInstance, ReviewTicketLink
from integrations.services.event_effects import instance_activate, instance_deactivate
from reviews.models import Review
from reviews.services import sync
from tests.zendesk_requests import ZendeskClient, keyed

pytestmark = pytest.mark.django_db(transaction=True)
PUSH_URL = "https://acme.zendesk.test/api/v2/any_channel/push"


def pull(channel, state=""):
    return ZendeskClient().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": state}).json()


def unanswered_ids(connected) -> list[str]:
    reviews = Review.objects.filter(domain=connected.domain, company_reply_text="").order_by("created_at_trustpilot")
    return [f"tp-review-{review.trustpilot_id}" for review in reviews]


def test_reviews_polled_while_deactivated_are_pulled_after_the_reactivation(connected, channel):
    instance_deactivate(instance=channel.instance)

    sync.domain_poll(domain=connected.domain, client=connected.client)
    instance_activate(instance=ChannelInstance.objects.get(pk=channel.instance.pk))
    body = pull(channel)

    assert unanswered_ids(connected)
    assert [resource["external_id"] for resource in body["external_resources"]] == unanswered_ids(connected)
    assert pull(channel, body["state"])["external_resources"] == []


def test_the_reactivation_pushes_what_waited_and_nothing_was_pushed_before(connected, channel, settings, live_server):
    settings.ZENDESK_PUSH_CLIENT_ID = "trustdesk_push"
    settings.ZENDESK_API_URL = "https://{subdomain}.zendesk.test"
    ChannelInstance.objects.filter(pk=channel.instance.pk).update(instance_push_id="push-instance-1")
    pushed: list[str] = []

    def accept(request):
        resources = json.loads(request.body)["external_resources"]
        pushed.extend(resource["external_id"] for resource in resources)
        results = [{"external_resource_id": r["external_id"], "status": {"code": "success"}} for r in resources]
        return 200, {}, json.dumps({"results": results})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(live_server.url)
        mock.add_callback(responses.POST, PUSH_URL, callback=accept)
        instance_deactivate(instance=ChannelInstance.objects.get(pk=channel.instance.pk))
        sync.domain_poll(domain=connected.domain, client=connected.client)
        pushed_while_deactivated = list(pushed)

        instance_activate(instance=ChannelInstance.objects.get(pk=channel.instance.pk))

    assert pushed_while_deactivated == []
    assert pushed == unanswered_ids(connected)
    assert not ReviewTicketLink.objects.filter(instance=channel.instance, pushed_at__isnull=True).exists()
    assert pull(channel)["external_resources"] == []
