"""Reviews a consumer writes, edits or deletes while the sandbox runs, each announced by webhook."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from sandbox.trustpilot import webhooks
from sandbox.trustpilot.errors import bad_request
from sandbox.trustpilot.models import BusinessUnit, Review, new_id
from sandbox.trustpilot.seed_content import build_review

MAX_TITLE = 500
MAX_TEXT = 10_000
CONTENT = ("stars", "title", "text")


def content_parse(data: Mapping[str, Any], *, allowed: tuple[str, ...] = CONTENT) -> dict[str, Any]:
    """Validated stars (1-5), title and text from a control request; a bad value is a 400 naming it."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise bad_request(f"Unknown field {sorted(unknown)[0]!r}; known: {', '.join(allowed)}")
    content: dict[str, Any] = {}
    if "stars" in data:
        stars = data["stars"]
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            raise bad_request("stars must be a whole number from 1 to 5")
        content["stars"] = stars
    for name, limit in (("title", MAX_TITLE), ("text", MAX_TEXT)):
        if name in data:
            if not isinstance(data[name], str) or len(data[name]) > limit:
                raise bad_request(f"{name} must be a string of at most {limit} characters")
            content[name] = data[name]
    return content


def review_write(unit: BusinessUnit, **content: Any) -> Review:
    """A new review of the unit, now, with made-up content where none is given; sends service-review-created."""
    now = timezone.now()
    review_id = new_id()
    review = build_review(random.Random(review_id), unit=unit, review_id=review_id, created_at=now, now=now)  # noqa: S311 (demo content)
    for name, value in content.items():
        setattr(review, name, value)
    with transaction.atomic():
        review.save(force_insert=True)
        webhooks.reviews_announce(webhooks.CREATED, [review])
    return review


def review_edit(review: Review, **content: Any) -> Review:
    """The consumer edits the review (updatedAt is now); sends service-review-updated."""
    for name, value in content.items():
        setattr(review, name, value)
    review.updated_at = timezone.now()
    with transaction.atomic():
        review.save(update_fields=[*content, "updated_at"])
        webhooks.reviews_announce(webhooks.UPDATED, [review])
    return review


def review_delete(review: Review) -> Review:
    """The consumer deletes the review: 404 everywhere, in no list; sends service-review-deleted."""
    review.removed = True
    with transaction.atomic():
        review.save(update_fields=["removed"])
        webhooks.reviews_announce(webhooks.DELETED, [review])
    return review
