"""Trustpilot stopped showing a review as active, or showed it again (reviews.trustpilot.moderation).

Each change is a ReviewStatusChange, announced with review_status_changed in the same transaction,
so the Zendesk side's note on the ticket commits with it or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from reviews.models import Domain, Review, ReviewStatusChange
from reviews.signals import review_status_changed
from reviews.trustpilot.moderation import REMOVED


def status_changes_record(*, changes: Sequence[tuple[int, str, str]]) -> list[int]:
    """Store each (review pk, status before, status) and announce them; runs in the caller's transaction."""
    if not changes:
        return []
    rows = ReviewStatusChange.objects.bulk_create(
        ReviewStatusChange(review_id=review_id, status_before=before, status=status)
        for review_id, before, status in changes
    )
    change_ids = [row.pk for row in rows]
    review_status_changed.send(sender=ReviewStatusChange, change_ids=change_ids)
    return change_ids


def review_removed(*, review: Review) -> bool:
    """Trustpilot answered 404 for the review: mark it removed, once. False when it already was."""
    with transaction.atomic():
        # The domain's lock, as ingestion takes it: a page being stored never crosses this change.
        Domain.objects.select_for_update().filter(pk=review.domain_id).values_list("pk", flat=True).get()
        before = Review.objects.filter(pk=review.pk).values_list("trustpilot_status", flat=True).get()
        if before == REMOVED:
            return False
        Review.objects.filter(pk=review.pk).update(trustpilot_status=REMOVED, updated_at=timezone.now())
        status_changes_record(changes=[(review.pk, before, REMOVED)])
    review.trustpilot_status = REMOVED
    return True
