"""The integration manifest Zendesk reads from manifest_url (reference §1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from trustdesk import __version__

NAME = "Trustpilot"


def absolute(view_name: str, *, base: str | None = None) -> str:
    return (base or settings.TRUSTDESK_PUBLIC_URL).rstrip("/") + reverse(view_name)


def build_manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "name": NAME,
        # Globally unique and stable for one deployment, as Zendesk asks (a URI).
        "id": absolute("zendesk:manifest"),
        "author": "TrustDesk",
        "version": __version__,
        "channelback_files": False,
        "create_followup_tickets": True,
        "urls": {
            "admin_ui": absolute("zendesk:admin_ui"),
            "pull_url": absolute("zendesk:pull"),
            "channelback_url": absolute("zendesk:channelback"),
            "clickthrough_url": absolute("zendesk:clickthrough"),
            "healthcheck_url": absolute("zendesk:healthcheck"),
            "event_callback_url": absolute("zendesk:event_callback"),
            "about_url": absolute("zendesk:about"),
        },
    }
    if settings.ZENDESK_PUSH_CLIENT_ID:
        manifest["push_client_id"] = settings.ZENDESK_PUSH_CLIENT_ID
    return manifest
