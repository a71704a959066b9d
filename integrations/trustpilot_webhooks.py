"""Where Trustpilot sends an account's webhooks: /trustpilot/webhooks/<secret> at TRUSTDESK_PUBLIC_URL.

Outside /zendesk/: Trustpilot, not Zendesk, calls it, and the secret is the Trustpilot account's
(reviews.services.webhooks), not a Zendesk account's app address.
"""

from __future__ import annotations

from django.urls import reverse

from integrations.app_address import public
from reviews.models import TrustpilotAccount
from reviews.services.webhooks import webhook_secret_ensure


def webhook_url(account: TrustpilotAccount, *, base: str | None = None) -> str:
    """The URL to paste into Trustpilot Business; an account stored before webhooks gets its secret now."""
    secret = webhook_secret_ensure(account=account)
    return public(reverse("trustpilot:webhook", kwargs={"secret": secret}), base=base)
