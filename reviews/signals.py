"""Signals the Trustpilot side sends, so the Zendesk side can react without the two apps importing each other."""

from django.dispatch import Signal

# Sent inside the transaction that stored a page of reviews, with `domain`, `kind` (a SyncRun.Kind)
# and `result` (reviews.services.ingest.PageResult). Receivers write in the same transaction.
page_stored = Signal()

# Sent once a reply Zendesk had been answered 200 for (Reply.accepted_at) failed for good, with
# `reply_id`, after the failure is committed: the Zendesk side tells the agent.
reply_failed = Signal()

# Sent inside the transaction that recorded ReviewStatusChange rows, with `change_ids`: Trustpilot stopped
# showing those reviews as active, or showed them again. Receivers write in the same transaction.
review_status_changed = Signal()
