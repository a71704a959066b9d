"""The Refused requests list under a flood: anyone can send refused requests as fast as they like, and the
list must stay small enough to read and to store, while still showing each kind of refusal."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations import event_handlers, tasks
from integrations.app_address import (
    REFUSALS_KEPT_FOR,
    REFUSALS_RECORDED_EVERY,
    account_for_app,
    refusal_record,
    refusals_prune,
)
from integrations.models import ChannelEvent, RefusedRequest
from tests.zendesk_requests import ZendeskClient

pytestmark = pytest.mark.django_db
MADE_UP = "x" * 43


def test_a_flood_of_refused_pulls_is_recorded_once_a_minute():
    stranger = ZendeskClient()
    for _ in range(50):
        assert stranger.post(f"/zendesk/a/{MADE_UP}/pull", {"metadata": "{}", "state": ""}).status_code == 404

    assert RefusedRequest.objects.count() == 1


def test_each_endpoint_and_refusal_keeps_its_own_row():
    stranger = ZendeskClient()
    stranger.post(f"/zendesk/a/{MADE_UP}/pull", {"metadata": "{}"})
    stranger.post(f"/zendesk/a/{MADE_UP}/channelback", {"metadata": "{}"})
    stranger.post("/zendesk/pull", {"metadata": "{}"})

    assert sorted(RefusedRequest.objects.values_list("endpoint", "code")) == [
        ("channelback", "unknown_app_address"),
        ("pull", "app_address_required"),
        ("pull", "unknown_app_address"),
    ]


def test_the_same_refusal_is_recorded_again_after_a_minute():
    stranger = ZendeskClient()
    stranger.post(f"/zendesk/a/{MADE_UP}/pull", {"metadata": "{}"})
    RefusedRequest.objects.update(received_at=timezone.now() - REFUSALS_RECORDED_EVERY - timedelta(seconds=1))

    stranger.post(f"/zendesk/a/{MADE_UP}/pull", {"metadata": "{}"})

    assert RefusedRequest.objects.count() == 2


def test_refusals_naming_different_accounts_are_not_folded_together():
    acme, evil = account_for_app("acme"), account_for_app("evil")
    RefusedRequest.objects.create(zendesk_account=acme, endpoint="pull", code="wrong_zendesk_account")
    refusal_record(endpoint="pull", code="wrong_zendesk_account", account=evil)
    refusal_record(endpoint="pull", code="wrong_zendesk_account", account=acme)

    assert sorted(r.zendesk_account.subdomain for r in RefusedRequest.objects.all()) == ["acme", "evil"]


def test_refusals_older_than_a_month_are_pruned_by_the_daily_task():
    old = RefusedRequest.objects.create(endpoint="pull", code="unknown_app_address")
    RefusedRequest.objects.filter(pk=old.pk).update(received_at=timezone.now() - REFUSALS_KEPT_FOR - timedelta(hours=1))
    recent = RefusedRequest.objects.create(endpoint="pull", code="app_address_required")

    assert tasks.prune_refused_requests() == 1
    assert list(RefusedRequest.objects.all()) == [recent]
    assert refusals_prune() == 0


def post_events(path: str, size: int):
    batch = {"events": [{"type_id": "create_integration", "subdomain": "acme", "data": {}} for _ in range(size)]}
    return Client().post(path, json.dumps(batch), content_type="application/json")


def test_events_sent_to_no_accounts_address_are_stored_up_to_a_bound_per_hour(monkeypatch):
    monkeypatch.setattr(event_handlers, "UNADDRESSED_EVENTS_PER_HOUR", 150)
    answers = [post_events(f"/zendesk/a/{MADE_UP}/event_callback", 100) for _ in range(3)]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert ChannelEvent.objects.filter(zendesk_account__isnull=True).count() == 100  # the next 100 would pass 150
    assert set(ChannelEvent.objects.values_list("outcome", flat=True)) == {ChannelEvent.Outcome.REFUSED}
    assert RefusedRequest.objects.filter(endpoint="event_callback").count() == 1


def test_an_hour_later_unaddressed_events_are_stored_again(monkeypatch):
    monkeypatch.setattr(event_handlers, "UNADDRESSED_EVENTS_PER_HOUR", 100)
    post_events("/zendesk/event_callback", 100)
    ChannelEvent.objects.update(received_at=timezone.now() - timedelta(hours=1, seconds=1))

    assert post_events("/zendesk/event_callback", 1).status_code == 410
    assert ChannelEvent.objects.count() == 101


def test_unaddressed_events_older_than_a_month_are_pruned_and_addressed_ones_kept():
    acme = account_for_app("acme")
    post_events(f"/zendesk/a/{MADE_UP}/event_callback", 2)
    addressed = ChannelEvent.objects.create(
        zendesk_account=acme, subdomain="acme", type_id="create_integration", payload={}
    )
    month_ago = timezone.now() - event_handlers.UNADDRESSED_EVENTS_KEPT_FOR - timedelta(hours=1)
    ChannelEvent.objects.update(received_at=month_ago)
    RefusedRequest.objects.update(received_at=month_ago)

    assert tasks.prune_refused_requests() == 2 + 1  # the two events and their refused request
    assert list(ChannelEvent.objects.all()) == [addressed]
