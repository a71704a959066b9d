"""admin_ui's headers for life in Zendesk's iframe, with the Trustpilot sign-in in a popup it opens."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from sandbox.trustpilot.auth import API_KEY
from tests.integrations.test_admin_ui import zendesk_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zendesk_unreachable")]

LOCAL_ZENDESK = "http://acme.localhost:8123/zendesk/channels/integration_service_instances/editor_finalizer"


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.TRUSTDESK_SANDBOX = True
    settings.TRUSTPILOT_AUTHORIZE_URL = "https://trustdesk.test/sandbox/trustpilot/authenticate"
    settings.TRUSTPILOT_API_KEY = API_KEY
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.zendesk.com", "{subdomain}.localhost"]


def test_zendesk_hosts_may_frame_admin_ui_through_csp_not_x_frame_options():
    response = zendesk_post(return_url=LOCAL_ZENDESK)

    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert policy.endswith("frame-ancestors https://acme.zendesk.com http://acme.localhost:* https://acme.localhost:*")


def test_every_page_of_the_sign_in_popup_keeps_its_opener():
    # Cross-Origin-Opener-Policy: same-origin (Django's default) would cut the popup off from the setup
    # page that opened it, under Zendesk's top-level page of another origin.
    start = zendesk_post()
    connect_link = unescape(
        re.search(r'href="(/zendesk/admin_ui/connect\?setup=[^"]+)"', start.content.decode()).group(1)
    )
    connect = Client().get(connect_link)
    sign_in = Client().get(connect["Location"].removeprefix("https://trustdesk.test"))
    refused = Client().get("/zendesk/admin_ui/callback", {"state": "forged"})

    assert (connect.status_code, sign_in.status_code, refused.status_code) == (302, 200, 400)
    for response in (start, connect, sign_in, refused):
        assert response.headers["Cross-Origin-Opener-Policy"] == "unsafe-none"
    for response in (connect, refused):  # the sign-in window's own pages are never framed
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
