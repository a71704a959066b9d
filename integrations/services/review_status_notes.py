"""Telling agents that Trustpilot stopped showing a review as active, or showed it again: an internal note.

One note per ReviewStatusChange, on every ticket the review has. A review never delivered to Zendesk
has no ticket: nothing is queued, and outbox opens no ticket for a review that is not active.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.dispatch import receiver

from integrations.models import ReviewTicketLink
from integrations.services.notes import note_queue
from reviews.models import ReviewStatusChange
from reviews.signals import review_status_changed
from reviews.trustpilot.moderation import ACTIVE, HIDDEN, REMOVED, REPORTED


@receiver(review_status_changed, dispatch_uid="integrations.review_status_notes.queue_notes")
def queue_notes(sender: Any, change_ids: list[int], **kwargs: Any) -> int:
    changes = ReviewStatusChange.objects.filter(pk__in=change_ids).select_related("review").order_by("pk")
    ticketed = set(
        ReviewTicketLink.objects.filter(
            review__in={change.review_id for change in changes}, kind=ReviewTicketLink.Kind.REVIEW
        ).values_list("review_id", flat=True)
    )
    queued = 0
    for change in changes:
        if change.review_id in ticketed:
            note_queue(review=change.review, key=f"review-status-{change.pk}", text=status_note(change))
            queued += 1
    return queued


def status_note(change: ReviewStatusChange) -> str:
    noticed = f"{change.detected_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if change.status == ACTIVE:
        return f"Trustpilot shows this review as active again (noticed on {noticed})."
    if change.status == REMOVED:
        return (
            f"This review was removed from Trustpilot (noticed on {noticed}): Trustpilot no longer finds it, "
            "and a reply to it cannot be published."
        )
    if change.status in (HIDDEN, REPORTED):
        verb = "hidden after a report" if change.status == HIDDEN else "reported"
        reason = _report_reason(change.review.raw)
        return f"Trustpilot reports this review as {verb} (noticed on {noticed}){reason}."
    return f"Trustpilot reports this review as {change.status}, not active (noticed on {noticed})."


def _report_reason(raw: dict[str, Any]) -> str:
    report = raw.get("reportData")
    reasons = report.get("reasons") if isinstance(report, dict) else None
    if isinstance(reasons, list) and reasons:
        return "; reasons given: " + ", ".join(str(reason) for reason in reasons[:5])
    return ""
