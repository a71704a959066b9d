"""Internal notes from TrustDesk on a review's ticket, delivered on the ticket's next pull (or push).

Anything agents should know about a review without the reviewer seeing it (a reply that failed,
a review removed from Trustpilot) goes through note_queue. A note's external id is
`tp-note-<review id>-<note id>`: stable, and unique within Zendesk since Trustpilot's review ids are.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from integrations import protocol
from integrations.models import ChannelInstance, ReviewTicketLink, TicketNote
from integrations.services import outbox
from reviews.models import Review


def note_queue(
    *, review: Review, key: str, text: str, instances: Iterable[ChannelInstance] | None = None
) -> TicketNote:
    """Queue an internal note on the review's ticket; the same `key` again queues nothing more.

    The note goes to `instances`, or to every instance that delivered something of this review; a
    disconnected instance gets nothing, a deactivated one gets it when Zendesk pulls again.
    """
    with transaction.atomic():
        note, _ = TicketNote.objects.get_or_create(key=key, defaults={"review": review, "text": text})
        if instances is None:
            instance_ids = set(ReviewTicketLink.objects.filter(review=review).values_list("instance_id", flat=True))
        else:
            instance_ids = {instance.pk for instance in instances}
        locked = (
            ChannelInstance.objects.select_for_update(of=("self",))
            .filter(pk__in=instance_ids)
            .exclude(status=ChannelInstance.Status.DISCONNECTED)
            .order_by("pk")
        )
        external_id = protocol.note_external_id(note, review)
        for instance in locked:
            if ReviewTicketLink.objects.filter(instance=instance, external_id=external_id).exists():
                continue
            link = ReviewTicketLink(review=review, note=note, kind=ReviewTicketLink.Kind.NOTE, external_id=external_id)
            outbox.links_append(instance=instance, links=[link])
    return note
