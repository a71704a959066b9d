"""Trustpilot's own Python client (python-trustpilot) against the sandbox over loopback, as a new user drives it.

The client signs in only with the password grant, sends its first call bare and re-authenticates on a 401 or
403, and retries nothing else: where the sandbox answers otherwise than Trustpilot, these tests fail.
"""

from __future__ import annotations

import asyncio

import pytest
import requests
from trustpilot import async_client, client

from sandbox.trustpilot import faults, seed
from sandbox.trustpilot.auth import API_KEY, API_SECRET
from sandbox.trustpilot.models import Review, Token

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10
REPLY = "Thank you for telling us.\nWe have refunded the delivery charge."
# The client falls back on these when an argument is left out; a developer's own must not leak into a test.
CLIENT_ENVIRONMENT = (
    "TRUSTPILOT_API_HOST",
    "TRUSTPILOT_API_KEY",
    "TRUSTPILOT_API_SECRET",
    "TRUSTPILOT_USERNAME",
    "TRUSTPILOT_PASSWORD",
    "TRUSTPILOT_API_VERSION",
    "TRUSTPILOT_API_TOKEN_ISSUER_PATH",
    "TRUSTPILOT_USER_AGENT",
)


@pytest.fixture
def base_url(live_sandbox, monkeypatch):
    for name in CLIENT_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    seed.demo_seed(reviews_per_unit=12)
    return live_sandbox


def new_session(base_url: str, **credentials: str) -> client.TrustpilotSession:
    """A session set up as python-trustpilot's README says, with the sandbox as the API host."""
    given = {"api_key": API_KEY, "api_secret": API_SECRET, "username": seed.DEMO_EMAIL, "password": seed.DEMO_PASSWORD}
    return client.TrustpilotSession(api_host=base_url, **(given | credentials))


@pytest.fixture
def session(base_url):
    with new_session(base_url) as opened:
        yield opened


def shop_id(session: client.TrustpilotSession) -> str:
    found = session.get("/business-units/find", params={"name": "shop.example"}, timeout=TIMEOUT)
    assert found.status_code == 200
    return str(found.json()["id"])


def test_a_new_user_signs_in_with_the_password_grant_lists_reads_and_replies(session):
    assert session.access_token is None

    unit_id = shop_id(session)
    listed = session.get(f"/private/business-units/{unit_id}/reviews", params={"perPage": 5}, timeout=TIMEOUT)

    assert session.access_token.startswith("tpa-")
    token = Token.objects.get(value=session.access_token)
    assert (token.user.email, token.api_key) == (seed.DEMO_EMAIL, API_KEY)
    assert session.headers["apikey"] == API_KEY
    assert listed.status_code == 200
    newest = Review.objects.filter(business_unit_id=unit_id).order_by("-created_at", "-id")[:5]
    assert [review["id"] for review in listed.json()["reviews"]] == [review.id for review in newest]

    chosen = newest[0]
    one = session.get(f"/private/reviews/{chosen.id}", timeout=TIMEOUT)
    assert one.status_code == 200
    assert (one.json()["stars"], one.json()["title"], one.json()["text"]) == (chosen.stars, chosen.title, chosen.text)
    assert one.json()["businessUnit"]["id"] == unit_id

    posted = session.post(f"/private/reviews/{chosen.id}/reply", json={"message": REPLY}, timeout=TIMEOUT)
    assert posted.status_code == 201

    read_back = session.get(f"/private/reviews/{chosen.id}", timeout=TIMEOUT).json()["companyReply"]
    assert read_back["text"] == REPLY
    assert read_back["authorBusinessUserId"] == token.user.id
    listed_again = session.get(f"/private/business-units/{unit_id}/reviews", params={"perPage": 5}, timeout=TIMEOUT)
    assert listed_again.json()["reviews"][0]["companyReply"]["text"] == REPLY
    assert Review.objects.get(pk=chosen.pk).reply_text == REPLY
    assert Token.objects.filter(kind=Token.Kind.ACCESS).count() == 1


def test_the_clients_bare_first_call_gets_a_403_and_it_signs_in_once(base_url, session):
    bare = requests.get(f"{base_url}/v1/business-units/find", params={"name": "shop.example"}, timeout=TIMEOUT)
    assert bare.status_code == 403
    assert bare.headers["Content-Type"] == "text/html"
    sign_ins: list[str | None] = []
    sign_in = session.get_request_auth_headers

    def counted() -> object:
        sign_ins.append(session.access_token)
        return sign_in()

    session.get_request_auth_headers = counted

    first = session.get("/private/me", timeout=TIMEOUT)
    second = session.get("/private/me", timeout=TIMEOUT)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["businessUser"]["email"] == seed.DEMO_EMAIL
    assert sign_ins == [None]


def test_an_unknown_api_key_ends_in_the_403_with_no_token(base_url):
    with new_session(base_url, api_key="not-a-key") as session:
        response = session.get("/business-units/find", params={"name": "shop.example"}, timeout=TIMEOUT)

        assert response.status_code == 403
        assert response.headers["Server"] == "CloudFront"
        assert session.access_token is None
    assert not Token.objects.exists()


def test_a_wrong_password_is_refused_and_the_private_call_stays_unauthorized(base_url):
    with new_session(base_url, password="not-the-password") as session:
        response = session.get("/private/me", timeout=TIMEOUT)

        assert response.status_code == 401
        assert response.json()["message"] == "Unauthorized"
        assert session.access_token is None
    assert not Token.objects.exists()


def test_an_expired_token_gets_a_401_and_the_client_signs_in_again(session):
    assert session.get("/private/me", timeout=TIMEOUT).status_code == 200
    first_token = session.access_token
    faults.access_tokens_expire()

    response = session.get("/private/me", timeout=TIMEOUT)

    assert response.status_code == 200
    assert session.access_token.startswith("tpa-")
    assert session.access_token != first_token
    assert Token.objects.filter(kind=Token.Kind.ACCESS).count() == 2


def test_an_injected_429_reaches_the_client_with_retry_after(session):
    assert session.get("/private/me", timeout=TIMEOUT).status_code == 200
    faults.faults_set(fail_next=1, fail_status=429)

    limited = session.get("/private/me", timeout=TIMEOUT)
    after = session.get("/private/me", timeout=TIMEOUT)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["errorCode"] == 1008
    assert after.status_code == 200


def test_the_rate_limit_answers_the_client_429_with_the_seconds_left_in_the_minute(session):
    assert session.get("/private/me", timeout=TIMEOUT).status_code == 200
    faults.faults_reset()
    faults.faults_set(rate_limit_per_minute=1)

    # Three calls: at most one minute boundary falls between them, so at least one is over the limit.
    answers = [session.get("/private/me", timeout=TIMEOUT) for _ in range(3)]

    limited = [answer for answer in answers if answer.status_code == 429]
    assert limited
    assert all(1 <= int(answer.headers["Retry-After"]) <= 60 for answer in limited)
    assert limited[0].json()["message"] == "Too many requests: the sandbox allows 1 calls per minute"


def test_the_async_client_signs_in_on_the_403_and_reads_a_review(base_url):
    review = Review.objects.filter(business_unit__identifying_name="shop.example").order_by("id").first()
    assert review is not None

    async def read() -> tuple[int, dict[str, object]]:
        session = async_client.TrustpilotAsyncSession(
            api_host=base_url,
            api_key=API_KEY,
            api_secret=API_SECRET,
            username=seed.DEMO_EMAIL,
            password=seed.DEMO_PASSWORD,
        )
        response = await session.get(f"/private/reviews/{review.id}")
        return response.status, await response.json()

    status, body = asyncio.run(read())

    assert status == 200
    assert (body["id"], body["text"]) == (review.id, review.text)
