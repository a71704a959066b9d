"""A test client that posts as Zendesk does: form-encoded (docs/zendesk.md §3.1), never multipart, to the
Zendesk account's secret app address (`keyed`).

Django's test client posts a dict as multipart, which the channel endpoints refuse (integrations/views/base.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.test import Client

from integrations.app_address import account_for_app, keyed_path
from integrations.forms import SUBDOMAIN
from integrations.metadata import StaleMetadata, instance_from
from integrations.models import ChannelInstance, ZendeskAccount

FORM = "application/x-www-form-urlencoded"


class ZendeskClient(Client):
    def post(self, path: str, data: Any = None, content_type: str = FORM, **extra: Any) -> Any:  # type: ignore[override]
        if content_type == FORM and isinstance(data, Mapping):
            data = urlencode(data, doseq=True)
        return super().post(path, data, content_type=content_type, **extra)


def keyed(view: str, of: str | ZendeskAccount | ChannelInstance) -> str:
    """The path of a channel endpoint at the secret app address of the Zendesk account `of` names: the
    account, one of its instances, or TrustDesk's metadata of one (older copies too)."""
    if isinstance(of, str):
        try:
            of = instance_from(of)
        except StaleMetadata as stale:
            of = stale.instance
    account = of if isinstance(of, ZendeskAccount) else of.zendesk_account
    return keyed_path(account, view)


def admin_ui_path(subdomain: object = "acme") -> str:
    """Where the Zendesk account `subdomain` opens admin_ui: its own app's address (the account is made as a
    build of its app would). A subdomain no account could have goes to acme's, whose form check refuses it."""
    valid = isinstance(subdomain, str) and SUBDOMAIN.fullmatch(subdomain.strip())
    return keyed("admin_ui", account_for_app(subdomain.strip() if valid else "acme"))  # type: ignore[union-attr]
