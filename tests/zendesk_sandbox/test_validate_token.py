"""validate_token as the sandbox serves it, and TrustDesk's push token check against it over real loopback HTTP."""

from __future__ import annotations

import socket

import pytest
import requests

from integrations.services.push_token import PushTokenCheck, push_token_check
from sandbox.zendesk.models import SandboxPushToken
from sandbox.zendesk.push_tokens import push_token_issue
from sandbox.zendesk.seed import zendesk_sandbox_seed
from tests.zendesk_sandbox.helpers import TIMEOUT, control

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/api/v2/any_channel/validate_token"
REFUSED = {"error": "Couldn't authenticate you"}


def validate(zendesk, token: str | None, body: object, *, path: str = PATH) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.post(zendesk.base_url + path, json=body, headers=headers, timeout=TIMEOUT)


def test_a_token_issued_for_the_instance_is_answered_200_with_an_empty_body(live_zendesk):
    token = push_token_issue("acme", "push-123")

    answers = [validate(live_zendesk, token, {"instance_push_id": "push-123"}, path=p) for p in (PATH, f"{PATH}.json")]

    assert [(answer.status_code, answer.content) for answer in answers] == [(200, b""), (200, b"")]


def test_a_request_id_beside_the_instance_push_id_is_accepted(live_zendesk):
    token = push_token_issue("acme", "push-123")

    answer = validate(live_zendesk, token, {"instance_push_id": "push-123", "request_id": "td-check-1"})

    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("token", "body"),
    [
        pytest.param(lambda issued: "not-a-token", {"instance_push_id": "push-123"}, id="unknown token"),
        pytest.param(lambda issued: issued, {"instance_push_id": "push-other"}, id="another instance_push_id"),
        pytest.param(lambda issued: issued, {}, id="no instance_push_id"),
        pytest.param(lambda issued: issued, {"instance_push_id": 123}, id="instance_push_id not a string"),
        pytest.param(lambda issued: issued, ["push-123"], id="body not an object"),
        pytest.param(lambda issued: None, {"instance_push_id": "push-123"}, id="no Authorization"),
        pytest.param(lambda issued: "", {"instance_push_id": "push-123"}, id="empty Bearer"),
    ],
)
def test_anything_else_is_refused_with_zendesks_401(live_zendesk, token, body):
    issued = push_token_issue("acme", "push-123")

    answer = validate(live_zendesk, token(issued), body)

    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == REFUSED


def test_the_api_token_is_not_a_push_token(live_zendesk):
    push_token_issue("acme", "push-123")

    basic = requests.post(
        live_zendesk.base_url + PATH, json={"instance_push_id": "push-123"}, auth=live_zendesk.auth, timeout=TIMEOUT
    )
    bearer = validate(live_zendesk, live_zendesk.token, {"instance_push_id": "push-123"})

    assert (basic.status_code, bearer.status_code) == (401, 401)


def test_a_token_belongs_to_its_subdomain(live_zendesk):
    zendesk_sandbox_seed(subdomain="globex")
    token = push_token_issue("globex", "push-123")

    answer = validate(live_zendesk, token, {"instance_push_id": "push-123"})

    assert answer.status_code == 401


def test_only_a_digest_is_kept_and_checking_records_nothing(live_zendesk):
    token = push_token_issue("acme", "push-123")
    before = list(SandboxPushToken.objects.values())

    validate(live_zendesk, token, {"instance_push_id": "push-123"})
    validate(live_zendesk, "not-a-token", {"instance_push_id": "push-123"})

    assert list(SandboxPushToken.objects.values()) == before
    assert token not in str(before)


def test_issuing_needs_a_seeded_account_and_an_instance_push_id(live_zendesk):
    with pytest.raises(LookupError, match="zendesk_sandbox_seed"):
        push_token_issue("nobody", "push-123")
    with pytest.raises(ValueError, match="instance_push_id"):
        push_token_issue("acme", "")


def test_the_control_switch_makes_validate_token_answer_503_until_turned_off(live_zendesk):
    token = push_token_issue("acme", "push-123")

    switched = control(live_zendesk, "validate_token", {"unavailable": True})
    down = validate(live_zendesk, token, {"instance_push_id": "push-123"})
    rest = requests.get(live_zendesk.base_url + "/api/v2/groups.json", auth=live_zendesk.auth, timeout=TIMEOUT)
    control(live_zendesk, "validate_token", {"unavailable": False})
    up = validate(live_zendesk, token, {"instance_push_id": "push-123"})

    assert switched.json()["validate_token_unavailable"] is True
    assert down.status_code == 503
    assert down.json()["error"] == "ServiceUnavailable"
    assert rest.status_code == 200
    assert up.status_code == 200


def test_reset_turns_the_switch_off(live_zendesk):
    control(live_zendesk, "validate_token", {"unavailable": True})

    reset = control(live_zendesk, "reset")

    assert reset.json()["validate_token_unavailable"] is False


@pytest.mark.parametrize("body", [{}, {"unavailable": 1}, {"unavailable": "yes"}, {"unavailable": True, "x": 1}])
def test_the_switch_refuses_bad_settings_with_400(live_zendesk, body):
    response = control(live_zendesk, "validate_token", body)

    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest"


def test_injected_failures_reach_validate_token_like_any_api_call(live_zendesk):
    token = push_token_issue("acme", "push-123")
    control(live_zendesk, "fail_next", {"status": 429, "retry_after": 3})

    limited = validate(live_zendesk, token, {"instance_push_id": "push-123"})

    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")


# TrustDesk's check, through its client, against the sandbox.


def test_the_check_calls_a_token_the_sandbox_issued_valid(live_zendesk):
    token = push_token_issue("acme", "push-123")

    assert push_token_check(subdomain="acme", instance_push_id="push-123", token=token) is PushTokenCheck.VALID


def test_the_check_calls_an_unknown_token_invalid(live_zendesk):
    push_token_issue("acme", "push-123")

    result = push_token_check(subdomain="acme", instance_push_id="push-123", token="not-a-token")

    assert result is PushTokenCheck.INVALID


def test_the_check_calls_the_token_of_another_instance_invalid(live_zendesk):
    token = push_token_issue("acme", "push-123")

    result = push_token_check(subdomain="acme", instance_push_id="push-456", token=token)

    assert result is PushTokenCheck.INVALID


def test_the_check_does_not_know_while_zendesk_answers_503(live_zendesk):
    token = push_token_issue("acme", "push-123")
    control(live_zendesk, "validate_token", {"unavailable": True})

    result = push_token_check(subdomain="acme", instance_push_id="push-123", token=token)

    assert result is PushTokenCheck.UNKNOWN


def test_the_check_does_not_know_when_the_connection_is_refused(live_zendesk, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.ZENDESK_API_URL = f"http://127.0.0.1:{port}/sandbox/zendesk/{{subdomain}}"
    token = push_token_issue("acme", "push-123")

    result = push_token_check(subdomain="acme", instance_push_id="push-123", token=token)

    assert result is PushTokenCheck.UNKNOWN
