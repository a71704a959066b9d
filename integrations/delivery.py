"""What "delivered to Zendesk" means for a review-ticket link, written once.

Pull stamps first_delivered_at on the links it answers with; push stamps pushed_at and
first_delivered_at together. A link with a sequence that carries neither stamp is still waiting for
Zendesk, whichever way it will go. A channelback's reply has no sequence: Zendesk wrote it, so it never waits.
"""

from __future__ import annotations

from django.db.models import Q

AWAITING_DELIVERY = Q(sequence__isnull=False, first_delivered_at__isnull=True, pushed_at__isnull=True)
DELIVERED = Q(first_delivered_at__isnull=False) | Q(pushed_at__isnull=False)
