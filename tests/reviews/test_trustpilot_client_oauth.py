"""OAuth against Trustpilot (docs/trustpilot.md §2): the sign-in URL, token calls and revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from reviews.trustpilot import errors
from reviews.trustpilot.types import TokenSet
from tests.fixtures import load_fixture
from tests.reviews.trustpilot_support import (
    API_KEY,
    AUTHORIZE,
    BASIC_AUTH,
    REVOKE_URL,
    TOKEN_URL,
    add_fixture,
    form_of,
    make_client,
    sent,
)

REDIRECT_URI = "https://trustdesk.example/trustpilot/callback?from=admin&x=1"


def test_authorization_url_carries_client_id_redirect_uri_response_type_and_state_url_encoded():
    url = make_client().authorization_url(redirect_uri=REDIRECT_URI, state="s t/a+te&=1")

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == AUTHORIZE
    assert parse_qs(parts.query) == {
        "client_id": [API_KEY],
        "redirect_uri": [REDIRECT_URI],
        "response_type": ["code"],
        "state": ["s t/a+te&=1"],
    }
    assert "https%3A%2F%2Ftrustdesk.example%2Ftrustpilot%2Fcallback%3Ffrom%3Dadmin%26x%3D1" in parts.query
    assert "&=1" not in parts.query


def test_authorization_url_makes_no_http_call():
    client = make_client()

    client.authorization_url(redirect_uri=REDIRECT_URI, state="abc")

    assert client.calls == 0


@responses.activate
def test_exchange_code_posts_a_form_with_basic_app_auth_and_returns_the_token_set():
    add_fixture("POST", TOKEN_URL, "token_response_synthetic.json")
    before = datetime.now(UTC)

    tokens = make_client().exchange_code(code="c0de-From-Trustpilot", redirect_uri=REDIRECT_URI)

    after = datetime.now(UTC)
    assert isinstance(tokens, TokenSet)
    assert tokens.access_token == "tpa-Fq3ZkX9wLm2Rt8YvNc4Hd7Jp"
    assert tokens.refresh_token == "tpr-Vb6Ns1Qe5Gw0Ky3Ua8Mi2Lo4"
    # "expires_in": "360000" and "refresh_token_expires_in": "7776000" arrive as strings (docs/trustpilot.md §2.3).
    assert before + timedelta(seconds=360000) <= tokens.access_expires_at <= after + timedelta(seconds=360000)
    assert tokens.refresh_expires_at is not None
    assert before + timedelta(days=90) <= tokens.refresh_expires_at <= after + timedelta(days=90)
    assert tokens.access_expires_at.tzinfo is not None
    request = sent()
    assert request.method == "POST"
    assert request.headers["Authorization"] == BASIC_AUTH
    assert request.headers["apikey"] == API_KEY
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {
        "grant_type": ["authorization_code"],
        "code": ["c0de-From-Trustpilot"],
        "redirect_uri": [REDIRECT_URI],
    }


@responses.activate
def test_refresh_tokens_uses_the_accesstoken_endpoint_with_the_refresh_grant():
    add_fixture("POST", TOKEN_URL, "token_response_synthetic.json")

    tokens = make_client().refresh_tokens(refresh_token="tpr-Old")

    assert tokens.refresh_token == "tpr-Vb6Ns1Qe5Gw0Ky3Ua8Mi2Lo4"
    request = sent()
    assert request.url == TOKEN_URL
    assert request.headers["Authorization"] == BASIC_AUTH
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {"grant_type": ["refresh_token"], "refresh_token": ["tpr-Old"]}


@responses.activate
def test_a_token_answer_without_refresh_token_expires_in_has_no_refresh_expiry():
    add_fixture("POST", TOKEN_URL, "token_response_documented_synthetic.json")
    before = datetime.now(UTC)

    tokens = make_client().refresh_tokens(refresh_token="tpr-Old")

    assert tokens.access_token == "tpa-Documented5hAp3Only"
    assert tokens.refresh_expires_at is None
    assert tokens.access_expires_at >= before + timedelta(seconds=359999)


@responses.activate
def test_a_token_answer_with_numbers_as_numbers_is_read_too():
    body = load_fixture("trustpilot", "token_response_synthetic.json")
    body.update(expires_in=360000, refresh_token_expires_in=7776000)
    responses.post(TOKEN_URL, json=body)
    before = datetime.now(UTC)

    tokens = make_client().refresh_tokens(refresh_token="tpr-Old")

    assert tokens.access_expires_at >= before + timedelta(seconds=360000)
    assert tokens.refresh_expires_at is not None
    assert tokens.refresh_expires_at >= before + timedelta(days=90)


@responses.activate
def test_a_token_answer_keeps_app_enduser_but_never_shows_it_in_repr():
    add_fixture("POST", TOKEN_URL, "token_response_synthetic.json")

    tokens = make_client().exchange_code(code="c0de", redirect_uri=REDIRECT_URI)

    assert tokens.app_enduser == "5f3c2a1b9d8e7f6a5b4c3d2e"
    assert "5f3c2a1b9d8e7f6a5b4c3d2e" not in repr(tokens)
    assert "app_enduser" not in repr(tokens)


@responses.activate
def test_a_token_answer_without_app_enduser_has_it_empty():
    add_fixture("POST", TOKEN_URL, "token_response_documented_synthetic.json")

    tokens = make_client().refresh_tokens(refresh_token="tpr-Old")

    assert tokens.app_enduser == ""


@pytest.mark.parametrize("value", [{"id": "x"}, 12345, None, "   "])
@responses.activate
def test_an_app_enduser_that_is_not_text_is_ignored_rather_than_refused(value):
    body = load_fixture("trustpilot", "token_response_synthetic.json")
    body["app_enduser"] = value
    responses.post(TOKEN_URL, json=body)

    tokens = make_client().refresh_tokens(refresh_token="tpr-Old")

    assert tokens.app_enduser == ""
    assert tokens.access_token == "tpa-Fq3ZkX9wLm2Rt8YvNc4Hd7Jp"


@responses.activate
def test_a_token_answer_without_access_token_raises_unavailable():
    add_fixture("POST", TOKEN_URL, "token_response_without_access_token_synthetic.json")

    with pytest.raises(errors.Unavailable) as caught:
        make_client().exchange_code(code="c0de", redirect_uri=REDIRECT_URI)

    assert "access_token" in caught.value.message
    assert not isinstance(caught.value, errors.OutcomeUnknown)


@responses.activate
def test_a_token_answer_that_is_not_json_raises_unavailable():
    responses.post(TOKEN_URL, body="<html>oops</html>", content_type="text/html")

    with pytest.raises(errors.Unavailable, match="unreadable answer"):
        make_client().exchange_code(code="c0de", redirect_uri=REDIRECT_URI)


@responses.activate
def test_a_refused_refresh_token_raises_bad_request_with_trustpilots_message():
    add_fixture("POST", TOKEN_URL, "error_malformed_synthetic.json", status=400)

    with pytest.raises(errors.BadRequest) as caught:
        make_client().refresh_tokens(refresh_token="tpr-Used-Already")

    assert caught.value.status == 400
    assert caught.value.message == "The request was malformed"
    assert caught.value.error_code == 1001


@responses.activate
def test_a_token_call_answered_503_is_not_repeated():
    responses.post(TOKEN_URL, status=503)
    responses.post(TOKEN_URL, status=200, json=load_fixture("trustpilot", "token_response_synthetic.json"))
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    with pytest.raises(errors.Unavailable) as caught:
        client.refresh_tokens(refresh_token="tpr-Old")

    assert caught.value.status == 503
    assert client.calls == 1
    assert len(responses.calls) == 1
    assert delays == []


@responses.activate
def test_a_token_call_answered_429_is_repeated_after_retry_after():
    responses.post(TOKEN_URL, status=429, headers={"Retry-After": "3"})
    add_fixture("POST", TOKEN_URL, "token_response_synthetic.json")
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    tokens = client.refresh_tokens(refresh_token="tpr-Old")

    assert tokens.access_token == "tpa-Fq3ZkX9wLm2Rt8YvNc4Hd7Jp"
    assert delays == [3.0]
    assert client.calls == 2


@responses.activate
def test_a_token_call_that_times_out_reading_has_an_unknown_outcome_and_is_not_repeated():
    # The refresh token may already have rotated on Trustpilot's side (docs/trustpilot.md §2.5).
    responses.post(TOKEN_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    client = make_client()

    with pytest.raises(errors.OutcomeUnknown):
        client.refresh_tokens(refresh_token="tpr-Old")

    assert client.calls == 1


@responses.activate
def test_revoke_posts_the_token_as_a_form_with_basic_app_auth():
    responses.post(REVOKE_URL, status=200, body="")

    result = make_client().revoke(token="tpr-Vb6Ns1Qe5Gw0Ky3Ua8Mi2Lo4")

    assert result is None
    request = sent()
    assert request.method == "POST"
    assert request.headers["Authorization"] == BASIC_AUTH
    assert request.headers["apikey"] == API_KEY
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {"token": ["tpr-Vb6Ns1Qe5Gw0Ky3Ua8Mi2Lo4"]}


@responses.activate
def test_revoke_with_an_unknown_token_raises_auth_error():
    responses.post(REVOKE_URL, status=401, json={"message": "Unauthorized"})

    with pytest.raises(errors.AuthError) as caught:
        make_client().revoke(token="tpr-Unknown")

    assert caught.value.status == 401
    assert caught.value.message == "Unauthorized"
