"""Links to Trustpilot's public pages."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings


def public_review_url(review_id: str, template: str | None = None) -> str:
    """The review's public page. The URL pattern is [UNCONFIRMED] (docs/trustpilot.md §4.6):
    TRUSTPILOT_REVIEW_URL sets it.

    Pull passes the template once for its 200 links instead of reading settings for each.
    """
    return (template or settings.TRUSTPILOT_REVIEW_URL).format(review_id=quote(review_id, safe=""))
