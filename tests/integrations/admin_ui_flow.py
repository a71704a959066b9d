"""The admin_ui connect flow as browsers walk it, over the Trustpilot sandbox's real HTTP sign-in page.

Each party has its own cookie jar: `Setup` is the setup page in Zendesk's iframe (a Django test Client that
keeps no cookie it is not given), `SignInWindow` is the Trustpilot sign-in window, a top-level window with
cookies of its own. Nothing is shared between them but what the pages themselves hand over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client

from sandbox.trustpilot import seed
from tests.integrations.test_admin_ui import RETURN_URL
from tests.zendesk_requests import admin_ui_path

CALLBACK = "https://trustdesk.test/zendesk/admin_ui/callback"


def text(response) -> str:
    return response.content.decode()


def hidden(html: str, form_id: str, name: str) -> str:
    form = re.search(rf'<form id="{form_id}".*?</form>', html, re.S)
    assert form is not None, f"no form #{form_id}"
    value = re.search(rf'name="{name}" value="([^"]*)"', form.group(0))
    assert value is not None, f"no field {name} in #{form_id}"
    return unescape(value.group(1))


@dataclass
class Setup:
    """The setup page in Zendesk's iframe: what it shows, and the forms it can post."""

    client: Client = field(default_factory=Client)
    page: str = ""
    status: int = 0

    def open(self, **fields: str) -> Setup:
        form = {"name": "", "metadata": "", "state": "", "return_url": RETURN_URL, "subdomain": "acme"}
        data = {**form, "locale": "en-US", **fields}
        return self.post(admin_ui_path(data["subdomain"]), data)

    def post(self, path: str, data: dict[str, object]) -> Setup:
        response = self.client.post(path, data)
        self.page, self.status = text(response), response.status_code
        return self

    @property
    def sign_in_link(self) -> str:
        return unescape(re.search(r'href="(/zendesk/admin_ui/connect\?setup=[^"]+)"', self.page).group(1))

    @property
    def key(self) -> str:
        return hidden(self.page, "claim", "session")

    def claim(self, code: str) -> Setup:
        return self.post("/zendesk/admin_ui/claim", {"session": self.key, "code": code})

    def choose(self, **fields: object) -> Setup:
        data = {"session": hidden(self.page, "domains-form", "session"), "days": "30", **fields}
        return self.post("/zendesk/admin_ui/domains", data)


@dataclass
class SignedIn:
    """The sign-in window after Allow: the claim code it would hand its opener, the short code it shows."""

    status: int
    page: str

    @property
    def claim_code(self) -> str:
        match = re.search(r'data-claim="([^"]+)"', self.page)
        assert match is not None, "the window holds no claim code"
        return unescape(match.group(1))

    @property
    def short_code(self) -> str:
        match = re.search(r'id="short-code">([A-Z0-9-]+)<', self.page)
        assert match is not None, "the window shows no code"
        return match.group(1)


@dataclass
class SignInWindow:
    """A Trustpilot sign-in window: TrustDesk's connect and callback pages, and the sandbox's sign-in page."""

    client: Client = field(default_factory=Client)
    email: str = seed.DEMO_EMAIL
    password: str = seed.DEMO_PASSWORD

    def open(self, link: str) -> str:
        """Follow the setup page's Connect Trustpilot link: TrustDesk answers with Trustpilot's sign-in URL."""
        response = self.client.get(link)
        assert response.status_code == 302, text(response)
        return response["Location"]

    def sign_in(self, link: str, *, action: str = "allow") -> SignedIn:
        back = trustpilot_sign_in(self.open(link), email=self.email, password=self.password, action=action)
        return self.come_back(back)

    def come_back(self, query: dict[str, str]) -> SignedIn:
        response = self.client.get("/zendesk/admin_ui/callback", query)
        return SignedIn(status=response.status_code, page=text(response))


def trustpilot_sign_in(
    sign_in_url: str, *, email: str = seed.DEMO_EMAIL, password: str = seed.DEMO_PASSWORD, action: str = "allow"
) -> dict[str, str]:
    """Sign in on the sandbox's page as a person would; returns the query Trustpilot sends back."""
    with requests.Session() as browser:
        page = browser.get(sign_in_url, timeout=10)
        assert page.status_code == 200, page.text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        form = {"csrfmiddlewaretoken": token, "email": email, "password": password}
        answer = browser.post(sign_in_url, data={**form, "action": action}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"https://{location.netloc}{location.path}" == CALLBACK
    return {key: values[0] for key, values in parse_qs(location.query).items()}
