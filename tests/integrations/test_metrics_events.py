"""The counted figures: Trustpilot calls and 429s, pull and push latency, added up across processes of a host."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import responses
from django.utils import timezone
from prometheus_client import REGISTRY

from integrations.models import ReviewTicketLink
from integrations.services.push import instance_push
from integrations.zendesk.client import PushResult
from reviews.trustpilot import errors
from tests import factories
from tests.reviews.trustpilot_support import API_KEY, BUSINESS_UNIT_ID, REVIEWS_URL, TOKEN, make_client
from tests.zendesk_requests import ZendeskClient as Client  # posts form-encoded, as Zendesk does
from tests.zendesk_requests import keyed
from trustdesk.metrics import api_key_label

ROOT = Path(__file__).resolve().parents[2]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@responses.activate
def test_a_429_from_trustpilot_is_counted_with_every_call_for_the_key():
    key = api_key_label(API_KEY)
    before_429 = sample("trustdesk_trustpilot_rate_limited_total", key=key)
    before_calls = sample("trustdesk_trustpilot_calls_total", key=key, status="429")
    before_ok = sample("trustdesk_trustpilot_calls_total", key=key, status="200")
    responses.add(responses.GET, REVIEWS_URL, status=429, headers={"Retry-After": "0"})
    responses.add(responses.GET, REVIEWS_URL, status=429, headers={"Retry-After": "0"})
    responses.add(responses.GET, REVIEWS_URL, json={"reviews": []})

    make_client().review_page(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID)

    assert sample("trustdesk_trustpilot_rate_limited_total", key=key) == before_429 + 2
    assert sample("trustdesk_trustpilot_calls_total", key=key, status="429") == before_calls + 2
    assert sample("trustdesk_trustpilot_calls_total", key=key, status="200") == before_ok + 1


@responses.activate
def test_a_call_that_got_no_answer_is_counted_as_none():
    key = api_key_label(API_KEY)
    before = sample("trustdesk_trustpilot_calls_total", key=key, status="none")
    responses.add(responses.GET, REVIEWS_URL, body=requests.ConnectionError("refused"))

    with pytest.raises(errors.Unavailable):
        make_client(max_attempts=1).review_page(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID)

    assert sample("trustdesk_trustpilot_calls_total", key=key, status="none") == before + 1


@pytest.mark.django_db(transaction=True)
def test_each_pull_is_timed(channel):
    before = sample("trustdesk_zendesk_pull_duration_seconds_count")

    response = Client().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": ""})

    assert response.status_code == 200
    assert sample("trustdesk_zendesk_pull_duration_seconds_count") == before + 1
    assert sample("trustdesk_zendesk_pull_duration_seconds_bucket", le="+Inf") >= before + 1


class AcceptingZendesk:
    def push(self, *, access_token, instance_push_id, request_id, resources):
        return [PushResult(external_id=r["external_id"], code="success", description="") for r in resources]


@pytest.mark.django_db
def test_push_latency_runs_from_the_link_being_queued_to_zendesk_accepting_it(settings):
    settings.ZENDESK_PUSH_CLIENT_ID = "trustdesk_push"
    instance = factories.ChannelInstanceFactory()
    link = factories.ReviewTicketLinkFactory(instance=instance, sequence=1)
    ReviewTicketLink.objects.filter(pk=link.pk).update(created_at=timezone.now() - timedelta(seconds=45))
    before_count = sample("trustdesk_zendesk_push_latency_seconds_count")
    before_sum = sample("trustdesk_zendesk_push_latency_seconds_sum")
    before_within_30 = sample("trustdesk_zendesk_push_latency_seconds_bucket", le="30.0")

    assert instance_push(instance_id=instance.pk, client=AcceptingZendesk()) == 1  # type: ignore[arg-type]

    assert sample("trustdesk_zendesk_push_latency_seconds_count") == before_count + 1
    assert 45 <= sample("trustdesk_zendesk_push_latency_seconds_sum") - before_sum < 60
    assert sample("trustdesk_zendesk_push_latency_seconds_bucket", le="30.0") == before_within_30


MULTIPROCESS_SCRIPT = textwrap.dedent(
    """
    import json, multiprocessing, urllib.request
    import django
    django.setup()
    from django.conf import settings
    from trustdesk import metrics

    def work(_):
        metrics.count_trustpilot_answer("shared-key", 429)
        metrics.PULL_DURATION.observe(0.2)

    if __name__ == "__main__":
        with multiprocessing.get_context("fork").Pool(3) as pool:
            pool.map(work, range(6))
        totals = {}
        for family in metrics.event_metrics():
            for s in family.samples:
                totals[s.name + json.dumps(s.labels, sort_keys=True)] = s.value
        served = metrics.serve_worker_metrics()
        port = settings.TRUSTDESK_METRICS_WORKER_PORT
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        print(json.dumps({"totals": totals, "served": served, "text": text}))
    """
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_processes_of_one_host_add_up_through_the_multiprocess_directory(tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "TRUSTDESK_METRICS_WORKER_PORT": str(port),
        "TRUSTDESK_METRICS_WORKER_ADDRESS": "127.0.0.1",
    }
    result = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    key = api_key_label("shared-key")
    assert report["totals"][f'trustdesk_trustpilot_rate_limited_total{{"key": "{key}"}}'] == 6
    assert report["totals"]["trustdesk_zendesk_pull_duration_seconds_count{}"] == 6
    assert report["served"] is True
    assert f'trustdesk_trustpilot_rate_limited_total{{key="{key}"}} 6.0' in report["text"]
