"""Checking a push token with Zendesk's validate_token, with HTTP mocked at the client: every status class."""

from __future__ import annotations

import json
import logging

import pytest
import requests
import responses

from integrations.services.push_token import TIMEOUT_SECONDS, PushTokenCheck, push_token_check
from integrations.zendesk import errors
from integrations.zendesk.client import ZendeskClient
from tests.zendesk_schemas import Validator, format_checker, needs_schemas, registry

URL = "https://acme.zendesk.com/api/v2/any_channel/validate_token"
TOKEN = "zd-push-token-4f1c9e"


def check() -> PushTokenCheck:
    return push_token_check(subdomain="acme", instance_push_id="push-123", token=TOKEN)


@responses.activate
def test_a_token_zendesk_accepts_is_valid_and_is_sent_as_bearer():
    responses.post(URL, status=200, body="")

    assert check() is PushTokenCheck.VALID
    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.body) == {"instance_push_id": "push-123"}


@responses.activate
def test_one_attempt_with_a_short_timeout():
    responses.post(URL, status=503)

    check()

    assert len(responses.calls) == 1
    assert TIMEOUT_SECONDS <= 5
    assert responses.calls[0].request.req_kwargs["timeout"] == TIMEOUT_SECONDS


@needs_schemas
@responses.activate
def test_the_body_keeps_to_the_push_schemas_rules_for_its_fields():
    # Zendesk publishes no schema for validate_token; its fields are the push request's (docs/zendesk.md §8.3).
    push = registry()["push_parameters.json"].contents["properties"]
    schema = {
        "type": "object",
        "required": ["instance_push_id"],
        "properties": {"instance_push_id": push["instance_push_id"], "request_id": push["request_id"]},
        "additionalProperties": False,
    }
    responses.post(URL, status=200)

    check()

    Validator(schema, registry=registry(), format_checker=format_checker).validate(
        json.loads(responses.calls[0].request.body)
    )


@pytest.mark.parametrize("status", [200, 201, 204])
@responses.activate
def test_any_2xx_is_valid(status):
    responses.post(URL, status=status)

    assert check() is PushTokenCheck.VALID


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "BadRequest"}),
        (401, {"error": "Couldn't authenticate you"}),
        (403, {"error": "Forbidden"}),
        (404, {"error": "RecordNotFound", "description": "Not found"}),
        (422, {"error": "RecordInvalid", "description": "Record validation errors"}),
    ],
)
@responses.activate
def test_zendesks_refusal_is_invalid(status, body):
    responses.post(URL, status=status, json=body)

    assert check() is PushTokenCheck.INVALID


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"status": 429, "headers": {"Retry-After": "30"}}, id="rate limited"),
        pytest.param({"status": 500}, id="500"),
        pytest.param({"status": 502, "body": "<html>Bad gateway</html>"}, id="502 html"),
        pytest.param({"status": 503, "json": {"error": "ServiceUnavailable"}}, id="503"),
        pytest.param({"status": 302}, id="a redirect without a location"),
        pytest.param({"status": 301, "headers": {"Location": "https://elsewhere.example/"}}, id="a redirect"),
        pytest.param({"body": requests.ConnectTimeout("connect timed out")}, id="connect timeout"),
        pytest.param({"body": requests.ReadTimeout("read timed out")}, id="read timeout"),
        pytest.param({"body": requests.ConnectionError("connection refused")}, id="connection error"),
        pytest.param({"body": requests.exceptions.ChunkedEncodingError("cut short")}, id="unreadable answer"),
    ],
)
@responses.activate
def test_an_outage_leaves_the_question_open_and_warns_without_the_token(answer, caplog):
    responses.post(URL, **answer)

    with caplog.at_level(logging.INFO, logger="integrations.services.push_token"):
        result = check()

    assert result is PushTokenCheck.UNKNOWN
    assert len(responses.calls) == 1
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "acme" in record.getMessage()
    assert TOKEN not in caplog.text


@responses.activate
def test_a_token_echoed_in_zendesks_answer_is_not_logged(caplog):
    responses.post(URL, status=401, json={"error": "InvalidToken", "description": f"token {TOKEN} is revoked"})

    with caplog.at_level(logging.INFO, logger="integrations.services.push_token"):
        assert check() is PushTokenCheck.INVALID

    assert "InvalidToken" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("subdomain", "instance_push_id", "token"),
    [
        ("acme", "push-123", ""),
        ("acme", "", TOKEN),
        ("evil.example/x?", "push-123", TOKEN),
        ("evil.example#", "push-123", TOKEN),
        ("acme\n", "push-123", TOKEN),
    ],
)
@responses.activate
def test_what_zendesk_could_never_accept_is_invalid_without_a_call(subdomain, instance_push_id, token):
    result = push_token_check(subdomain=subdomain, instance_push_id=instance_push_id, token=token)

    assert result is PushTokenCheck.INVALID
    assert len(responses.calls) == 0


@responses.activate
def test_the_client_raises_zendesks_refusal_for_the_service_to_judge():
    responses.post(URL, status=401, json={"error": "Couldn't authenticate you"})
    client = ZendeskClient(subdomain="acme")

    with pytest.raises(errors.AuthError, match="HTTP 401 from Zendesk: Couldn't authenticate you"):
        client.validate_push_token(access_token=TOKEN, instance_push_id="push-123")
