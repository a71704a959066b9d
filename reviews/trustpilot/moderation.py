"""Whether Trustpilot shows a review: the one rule TrustDesk applies to a review's `status` and `reportData`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ACTIVE = ""  # what Review.trustpilot_status holds while Trustpilot shows the review
REMOVED = "removed"  # TrustDesk's own word: Trustpilot answered 404 for the review
HIDDEN = "hidden"
REPORTED = "reported"


def review_status(raw: Mapping[str, Any]) -> str:
    """ACTIVE, or why Trustpilot does not show the review as active, from the review object
    (docs/trustpilot.md §4.4).

    - `status` is documented only by the example "active"; any other non-empty value is taken to
      mean the review is not active, and is returned as Trustpilot wrote it [UNCONFIRMED: the other
      values are undocumented]. A missing or null `status` counts as active, since the field is nullable
      and the public review object (docs/trustpilot.md §4.5) has none.
    - `reportData` is null on a review nobody reported. An object means the review was reported;
      with `reviewVisibility` "hidden" (the doc example) Trustpilot hides it: HIDDEN, otherwise REPORTED
      [UNCONFIRMED: the other `reviewVisibility` values, and whether a report is ever cleared, are undocumented].
    """
    status = raw.get("status")
    if isinstance(status, str) and status.strip() and status.strip().lower() != "active":
        return status.strip().lower()[:64]
    report = raw.get("reportData")
    if isinstance(report, Mapping) and report:
        visibility = report.get("reviewVisibility")
        return HIDDEN if isinstance(visibility, str) and visibility.lower() == HIDDEN else REPORTED
    return ACTIVE
