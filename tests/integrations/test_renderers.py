"""The channel endpoints' JSON renderer writes what DRF's JSONRenderer writes, byte for byte."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from integrations.renderers import ChannelJSONRenderer
from reviews.services import sync
from tests.zendesk_requests import ZendeskClient, keyed

PAYLOADS = [
    {},
    [],
    {"external_resources": [], "state": "0"},
    {"text": '★★★☆☆ (3/5) Très bien · 日本語 "quoted" \\ back\\slash </script> \x00\x1f\x7f'},
    {"separators": "line\u2028paragraph\u2029end", "emoji": "👍🏽"},
    {"created": datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=UTC), "naive": datetime(2024, 1, 1, 12)},
    {"day": date(2024, 2, 29), "span": timedelta(days=1, seconds=5)},
    {"lazy": gettext_lazy("Trustpilot"), "id": uuid.UUID(int=7), "amount": Decimal("12.50")},
    {"big": 2**63 - 1, "bigger": 2**64, "negative": -(2**63)},
    {"nested": [[{"a": [1, True, False, None]}]], "tuple": (1, "two")},
    {1: "integer key"},
]


@pytest.mark.parametrize("data", PAYLOADS)
def test_the_channel_renderer_writes_what_drf_writes(data):
    assert ChannelJSONRenderer().render(data) == JSONRenderer().render(data)


def test_indented_output_is_left_to_drf():
    data = {"a": [1, 2]}
    media_type = "application/json; indent=4"

    assert ChannelJSONRenderer().render(data, media_type) == JSONRenderer().render(data, media_type)


def test_what_drf_cannot_encode_is_refused_the_same_way():
    with pytest.raises(TypeError):
        JSONRenderer().render({"value": object()})
    with pytest.raises(TypeError):
        ChannelJSONRenderer().render({"value": object()})


@pytest.mark.django_db(transaction=True)
def test_a_pull_answers_the_bytes_drf_would_write(connected, channel):
    sync.domain_poll(domain=connected.domain, client=connected.client)

    response = ZendeskClient().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": ""})

    assert response.status_code == 200 and response.json()["external_resources"]
    assert response.content == JSONRenderer().render(response.json())
