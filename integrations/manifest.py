"""The integration manifest Zendesk reads from manifest_url (docs/zendesk.md §1): one per Zendesk account, with
every URL under that account's secret app address (integrations.app_address)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from integrations.app_address import keyed_url, public
from integrations.models import ZendeskAccount
from trustdesk import __version__

NAME = "Trustpilot"


def manifest_id(account: ZendeskAccount, *, base: str | None = None) -> str:
    """Globally unique and stable for one deployment and account, as Zendesk asks (a URI); holds no secret,
    since it comes back in every event."""
    return public(f"/zendesk/accounts/{account.subdomain}", base=base)


def build_manifest(account: ZendeskAccount) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "name": NAME,
        "id": manifest_id(account),
        "author": "TrustDesk",
        "version": __version__,
        "channelback_files": False,
        "create_followup_tickets": True,
        "urls": {
            "admin_ui": keyed_url(account, "admin_ui"),
            "pull_url": keyed_url(account, "pull"),
            "channelback_url": keyed_url(account, "channelback"),
            "clickthrough_url": keyed_url(account, "clickthrough"),
            "healthcheck_url": keyed_url(account, "healthcheck"),
            "event_callback_url": keyed_url(account, "event_callback"),
            "about_url": keyed_url(account, "about"),
        },
    }
    if settings.ZENDESK_PUSH_CLIENT_ID:
        manifest["push_client_id"] = settings.ZENDESK_PUSH_CLIENT_ID
    return manifest
