"""Push: new resources reach Zendesk at once; pull delivers only what push did not."""

from __future__ import annotations

import json

import pytest
import responses

from integrations.models import ReviewTicketLink
from reviews.services import sync
from tests.zendesk_requests import ZendeskClient as Client  # posts form-encoded, as Zendesk does
from tests.zendesk_requests import keyed
from tests.zendesk_schemas import validate

pytestmark = pytest.mark.django_db(transaction=True)
PUSH_URL = "https://acme.zendesk.test/api/v2/any_channel/push"


@pytest.fixture
def pushing(channel, settings, live_server):
    settings.ZENDESK_PUSH_CLIENT_ID = "trustdesk_push"
    settings.ZENDESK_API_URL = "https://{subdomain}.zendesk.test"
    channel.instance.instance_push_id = "push-instance-1"
    channel.instance.push_token = "zendesk-push-token"
    channel.instance.save()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(live_server.url)
        yield mock


def answer_with(codes_for):
    """A push endpoint answering each resource with the code codes_for(position, call) gives."""
    calls = []

    def callback(request):
        body = json.loads(request.body)
        validate("push_parameters.json", body)
        calls.append(body)
        results = [
            {"external_resource_id": r["external_id"], "status": {"code": codes_for(i, len(calls))}}
            for i, r in enumerate(body["external_resources"])
        ]
        return 200, {}, json.dumps({"results": results})

    return callback, calls


def pull(channel, state=""):
    return Client().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": state}).json()


def test_new_reviews_are_pushed_at_once_and_not_pulled_again(connected, channel, pushing):
    callback, calls = answer_with(lambda i, call: "success")
    pushing.add_callback(responses.POST, PUSH_URL, callback=callback)

    sync.domain_poll(domain=connected.domain, client=connected.client)

    links = ReviewTicketLink.objects.filter(instance=channel.instance)
    assert calls and calls[0]["instance_push_id"] == "push-instance-1"
    assert pushing.calls[0].request.headers["Authorization"] == "Bearer zendesk-push-token"
    assert sum(len(c["external_resources"]) for c in calls) == links.count() > 0
    assert not links.filter(pushed_at__isnull=True).exists()
    assert pull(channel)["external_resources"] == []


def test_halted_resources_are_sent_again_and_refused_ones_left_to_pull(connected, channel, pushing):
    callback, calls = answer_with(
        lambda i, call: ("processing_error" if i == 0 else "halted") if call == 1 else "success"
    )
    pushing.add_callback(responses.POST, PUSH_URL, callback=callback)

    sync.domain_poll(domain=connected.domain, client=connected.client)

    refused = ReviewTicketLink.objects.get(instance=channel.instance, pushed_at__isnull=True)
    assert refused.push_error == "processing_error"
    assert len(calls) == 2
    assert [r["external_id"] for r in pull(channel)["external_resources"]] == [refused.external_id]


def test_a_rate_limited_push_is_retried_and_pull_still_delivers_meanwhile(connected, channel, pushing):
    pushing.add(responses.POST, PUSH_URL, status=429, headers={"Retry-After": "30"})

    run = sync.domain_poll(domain=connected.domain, client=connected.client)  # the push task asks for a retry

    assert run.status == "succeeded"
    links = ReviewTicketLink.objects.filter(instance=channel.instance)
    assert len(pull(channel)["external_resources"]) == links.count() > 0


def test_a_refused_push_token_leaves_everything_to_pull(connected, channel, pushing):
    pushing.add(responses.POST, PUSH_URL, status=401, json={"error": "invalid_token"})

    sync.domain_poll(domain=connected.domain, client=connected.client)

    assert (
        len(pull(channel)["external_resources"]) == ReviewTicketLink.objects.filter(instance=channel.instance).count()
    )


@pytest.mark.parametrize(("status", "body"), [(401, {"error": "invalid_token"}), (400, {"error": "RecordInvalid"})])
def test_a_push_refused_as_a_whole_is_not_sent_again_and_the_refusal_stays_on_each_link(
    connected, channel, pushing, status, body
):
    from integrations.services import push

    pushing.add(responses.POST, PUSH_URL, status=status, json=body)
    sync.domain_poll(domain=connected.domain, client=connected.client)
    sent = len(pushing.calls)

    assert push.instance_push(instance_id=channel.instance.pk) == 0  # nothing left that push may send

    links = ReviewTicketLink.objects.filter(instance=channel.instance)
    assert len(pushing.calls) == sent == 1
    error = body["error"]
    assert {link.push_error for link in links} == {
        f"Zendesk refused the push ({status}): HTTP {status} from Zendesk: {error}"
    }
    assert len(pull(channel)["external_resources"]) == links.count() > 0


def test_a_push_is_not_redirected_with_its_token(connected, channel, pushing):
    pushing.add(responses.POST, PUSH_URL, status=302, headers={"Location": "https://elsewhere.test/steal"})
    pushing.add(responses.POST, "https://elsewhere.test/steal", json={"results": []})

    sync.domain_poll(domain=connected.domain, client=connected.client)

    assert [call.request.url for call in pushing.calls] == [PUSH_URL]
    assert pull(channel)["external_resources"]


def test_without_a_push_client_nothing_is_pushed(connected, channel, pushing, settings):
    settings.ZENDESK_PUSH_CLIENT_ID = ""

    sync.domain_poll(domain=connected.domain, client=connected.client)

    assert not pushing.calls
    assert pull(channel)["external_resources"]
