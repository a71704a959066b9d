"""The sandbox over real loopback HTTP, as a browser and as TrustDesk's client reach it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from reviews.trustpilot import errors
from reviews.trustpilot.client import TrustpilotClient
from sandbox.control import control_headers
from sandbox.trustpilot import seed
from sandbox.trustpilot.auth import API_KEY, API_SECRET
from sandbox.trustpilot.models import Review

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "https://trustdesk.test/trustpilot/callback"
TIMEOUT = 10


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture
def base_url(live_sandbox):
    seed.demo_seed(reviews_per_unit=30)
    return live_sandbox


def sign_in(base_url: str, state: str) -> str:
    """Go through the sign-in page like a browser: GET the form, POST it with its CSRF token, read the code."""
    _, answer = allow_in_browser(base_url, state)
    location = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert location["state"] == [state]
    return location["code"][0]


def allow_in_browser(base_url: str, state: str) -> tuple[requests.Response, requests.Response]:
    """The sign-in page and the redirect that clicking Allow on it answers."""
    query = {"client_id": API_KEY, "redirect_uri": CALLBACK, "response_type": "code", "state": state}
    with requests.Session() as browser:
        page = browser.get(f"{base_url}/authenticate", params=query, timeout=TIMEOUT)
        assert page.status_code == 200
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert csrf is not None
        form = {"csrfmiddlewaretoken": csrf.group(1), "email": seed.DEMO_EMAIL, "password": seed.DEMO_PASSWORD}
        answer = browser.post(page.url, data={**form, "action": "allow"}, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302
    return page, answer


def set_faults(base_url: str, **settings: object) -> dict[str, object]:
    response = requests.post(f"{base_url}/_control/faults", json=settings, headers=control_headers(), timeout=TIMEOUT)
    assert response.status_code == 200
    return response.json()


def test_a_browser_and_an_api_caller_go_through_the_whole_flow_over_http(base_url):
    code = sign_in(base_url, state="xyz 123")
    oauth = f"{base_url}/v1/oauth/oauth-business-users-for-applications"

    tokens = requests.post(
        f"{oauth}/accesstoken",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(API_KEY, API_SECRET),
        timeout=TIMEOUT,
    )
    assert tokens.status_code == 200
    headers = {"apikey": API_KEY, "Authorization": f"Bearer {tokens.json()['access_token']}"}
    me = requests.get(f"{base_url}/v1/private/me", headers=headers, timeout=TIMEOUT).json()["businessUser"]
    units = requests.get(
        f"{base_url}/v1/private/business-users/{me['id']}/business-units", headers=headers, timeout=TIMEOUT
    ).json()["businessUnits"]
    shop = next(unit for unit in units if unit["name"]["identifying"] == "shop.example")
    listing = requests.get(
        f"{base_url}/v1/private/business-units/{shop['id']}/reviews",
        params={"perPage": 20, "orderBy": "createdat.asc"},
        headers=headers,
        timeout=TIMEOUT,
    )
    next_page = requests.get(listing.json()["links"][0]["href"], headers=headers, timeout=TIMEOUT)
    first_id = listing.json()["reviews"][0]["id"]
    reply = requests.post(
        f"{base_url}/v1/private/reviews/{first_id}/reply",
        json={"message": "Merci ✨"},
        headers=headers,
        timeout=TIMEOUT,
    )

    assert me["email"] == seed.DEMO_EMAIL
    assert listing.status_code == 200 and len(listing.json()["reviews"]) == 20
    assert len(next_page.json()["reviews"]) == 10 and next_page.json()["links"] == []
    assert reply.status_code == 201
    assert Review.objects.get(pk=first_id).reply_text == "Merci ✨"


def test_trustdesks_client_reads_and_answers_the_sandbox(base_url, http):
    slept: list[float] = []
    client = TrustpilotClient(
        api_url=base_url,
        authorize_url=f"{base_url}/authenticate",
        api_key=API_KEY,
        api_secret=API_SECRET,
        sleep=slept.append,
        session=http,
    )
    tokens = client.exchange_code(code=sign_in(base_url, state="s"), redirect_uri=CALLBACK)
    user = client.business_user(access_token=tokens.access_token)
    units = client.user_business_units(access_token=tokens.access_token, user_id=user.id)
    public_shop = client.get_business_unit(business_unit_id=units[0].id)
    private_shop = client.get_business_unit(business_unit_id=units[0].id, access_token=tokens.access_token)
    shop = client.find_business_unit(domain="https://shop.example/")
    set_faults(base_url, fail_next=1, fail_status=503, retry_after=1)
    pages = list(client.review_pages(access_token=tokens.access_token, business_unit_id=shop.id, per_page=7))
    reviews = [review for page in pages for review in page.reviews]
    target = reviews[0]
    client.post_reply(
        access_token=tokens.access_token, review_id=target.id, message="Thanks!", author_business_user_id=user.id
    )
    replied = client.get_review(access_token=tokens.access_token, review_id=target.id)
    rotated = client.refresh_tokens(refresh_token=tokens.refresh_token)

    assert user.email == seed.DEMO_EMAIL
    assert {unit.name for unit in units} == {"shop.example", "boutique.example", "outlet.example"}
    assert public_shop == private_shop == units[0]
    assert tokens.app_enduser == user.id
    assert client.has_access(access_token=tokens.access_token, business_unit_id=shop.id) is True
    assert slept == [1.0]
    assert len(reviews) == 30 and len({review.id for review in reviews}) == 30
    assert all(not page.skipped for page in pages)
    assert replied.company_reply is not None and replied.company_reply.text == "Thanks!"
    assert rotated.refresh_token != tokens.refresh_token
    with pytest.raises(errors.BadRequest):
        client.refresh_tokens(refresh_token=tokens.refresh_token)


def test_with_echo_state_off_the_browser_comes_back_with_a_code_and_no_state(base_url):
    assert set_faults(base_url, echo_state=False)["echo_state"] is False

    _, answer = allow_in_browser(base_url, state="xyz")

    location = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert answer.headers["Location"].startswith(CALLBACK + "?")
    assert set(location) == {"code"}


def test_with_a_strict_opener_policy_the_sign_in_page_sends_same_origin(base_url):
    set_faults(base_url, strict_opener_policy=True)

    page, answer = allow_in_browser(base_url, state="xyz")
    requests.post(f"{base_url}/_control/reset", headers=control_headers(), timeout=TIMEOUT)
    page_after_reset, _ = allow_in_browser(base_url, state="xyz")

    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert page_after_reset.headers["Cross-Origin-Opener-Policy"] == "unsafe-none"


@pytest.mark.parametrize(
    ("unit_listing", "me_status", "listing_status"),
    [("named", 200, 200), ("unnamed", 200, 200), ("no_me", 404, 200), ("no_listing", 200, 403)],
)
def test_each_unit_listing_answers_over_http(base_url, unit_listing, me_status, listing_status):
    code = sign_in(base_url, state="s")
    token = requests.post(
        f"{base_url}/v1/oauth/oauth-business-users-for-applications/accesstoken",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(API_KEY, API_SECRET),
        timeout=TIMEOUT,
    ).json()
    set_faults(base_url, unit_listing=unit_listing)
    headers = {"apikey": API_KEY, "Authorization": f"Bearer {token['access_token']}"}

    me = requests.get(f"{base_url}/v1/private/me", headers=headers, timeout=TIMEOUT)
    listing = requests.get(
        f"{base_url}/v1/private/business-users/{token['app_enduser']}/business-units", headers=headers, timeout=TIMEOUT
    )

    assert (me.status_code, listing.status_code) == (me_status, listing_status)
    assert me.headers["Content-Type"] == listing.headers["Content-Type"] == "application/json"
    if listing_status == 200:
        first = listing.json()["businessUnits"][0]
        assert ("name" in first) is (unit_listing != "unnamed")
        unit_id = first["id"]
        private = requests.get(f"{base_url}/v1/private/business-units/{unit_id}", headers=headers, timeout=TIMEOUT)
        public = requests.get(f"{base_url}/v1/business-units/{unit_id}", headers={"apikey": API_KEY}, timeout=TIMEOUT)
        assert private.json()["name"]["identifying"] == public.json()["name"]["identifying"] == "boutique.example"
