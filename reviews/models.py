"""Trustpilot side: connected business users, their domains, reviews, replies and sync runs."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from trustdesk import url_secrets
from trustdesk.fields import EncryptedTextField


class TrustpilotAccount(models.Model):
    """A Trustpilot Business user who allowed TrustDesk to read reviews and post replies."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_REAUTHORIZATION = "needs_reauthorization", "Needs re-authorization"
        DISCONNECTED = "disconnected", "Disconnected"

    # Trustpilot's id for the business user; when Trustpilot did not say who signed in, a placeholder
    # ("unknown-…") that identifies nothing there, with business_user_known off.
    business_user_id = models.CharField(max_length=64, unique=True)
    business_user_known = models.BooleanField(
        default=True, help_text="Off when Trustpilot did not say which business user signed in."
    )
    name = models.CharField(max_length=255, blank=True, help_text="The user's name, else their email.")
    email = models.EmailField(blank=True)
    access_token = EncryptedTextField()
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    # When TrustDesk received the access token: a 403 soon after is about the business unit, not the token.
    access_token_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    refresh_token = EncryptedTextField()
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.CONNECTED, db_index=True)
    status_reason = models.TextField(blank=True)
    # While set and in the future, one process is refreshing the tokens and the others wait for it.
    refresh_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Free text: the Zendesk admin who clicked "Allow" is not a Django user.
    connected_by = models.CharField(max_length=255, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_by = models.CharField(max_length=255, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    # The secret in the account's webhook URL (/trustpilot/webhooks/<secret>): Trustpilot signs no webhook
    # (docs/trustpilot.md §4.7), so the URL is what admits a delivery. Kept encrypted, to show it in the admin;
    # found by its SHA-256, so no lookup compares the secret itself. NULL until save() gives one.
    webhook_secret = EncryptedTextField()
    webhook_secret_digest = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    webhook_secret_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Trustpilot account"
        ordering = ["name", "business_user_id"]
        permissions = [("disconnect_trustpilotaccount", "Can disconnect a Trustpilot account")]

    def __str__(self) -> str:
        if self.name or self.email:
            return self.name or self.email
        return self.business_user_id if self.business_user_known else f"Unknown Trustpilot user #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.webhook_secret_digest is None:
            self.webhook_secret_replace()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], *WEBHOOK_SECRET_FIELDS}
        super().save(*args, **kwargs)

    def webhook_secret_replace(self) -> None:
        """A new webhook secret: the URL pasted into Trustpilot before stops working once this is saved."""
        secret = url_secrets.new()
        self.webhook_secret = secret
        self.webhook_secret_digest = url_secrets.digest(secret)
        self.webhook_secret_created_at = timezone.now()

    @property
    def author_id(self) -> str | None:
        """The id a reply is attributed to (authorBusinessUserId), or None when the user is unknown."""
        return self.business_user_id if self.business_user_known else None

    @property
    def has_tokens(self) -> bool:
        return self.access_token is not None or self.refresh_token is not None


WEBHOOK_SECRET_FIELDS = ("webhook_secret", "webhook_secret_digest", "webhook_secret_created_at")


class Domain(models.Model):
    """A Trustpilot business unit (one reviewed domain) that TrustDesk polls."""

    business_unit_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255, db_index=True, help_text="Identifying name, e.g. example.com")
    display_name = models.CharField(max_length=255, blank=True)
    account = models.ForeignKey(
        TrustpilotAccount,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="domains",
        help_text="The Trustpilot account whose tokens read this domain's reviews.",
    )
    enabled = models.BooleanField(default=True, help_text="Poll this domain for new and edited reviews.")
    poll_watermark = models.DateTimeField(
        null=True, blank=True, help_text="Creation time of the newest review seen; the next poll starts here."
    )
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_successful_poll_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Trustpilot refused the business unit to a fresh token: the account lost access, and polling stopped.
    access_denied_at = models.DateTimeField(
        null=True, blank=True, help_text="When Trustpilot refused this domain to its account; polling stops."
    )
    access_denied_reason = models.TextField(blank=True)
    # The poll scheduler (reviews.schedule) sets when the domain is next polled, from the budget of its API key.
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    # The last Trustpilot webhook that named one of this domain's reviews; while they arrive, polls relax.
    last_webhook_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("sync_domain", "Can start a sync of unanswered reviews")]

    def __str__(self) -> str:
        return self.name

    @property
    def accessible(self) -> bool:
        return self.access_denied_at is None


class Review(models.Model):
    """A Trustpilot service review, as last read from Trustpilot."""

    trustpilot_id = models.CharField(max_length=64, unique=True)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="reviews")
    stars = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    language = models.CharField(max_length=16, blank=True)
    reviewer_id = models.CharField(max_length=64, blank=True)
    reviewer_name = models.CharField(max_length=255, blank=True)
    reference_id = models.CharField(max_length=255, blank=True, help_text="The order or reference id, if any.")
    reviewer_email = models.EmailField(blank=True)
    is_verified = models.BooleanField(default=False)
    created_at_trustpilot = models.DateTimeField(db_index=True)
    updated_at_trustpilot = models.DateTimeField(null=True, blank=True)
    company_reply_text = models.TextField(blank=True)
    company_reply_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True, help_text="The review as Trustpilot last sent it.")
    # reviews.trustpilot.moderation.review_status: "" while Trustpilot shows the review, else why it does not
    # ("removed" when Trustpilot answered 404 for it). Each change is a ReviewStatusChange.
    trustpilot_status = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Empty while the review is active on Trustpilot."
    )
    # Zendesk asked to forget the reviewer (destroy_user_identity): later reads from Trustpilot stay scrubbed.
    personal_data_purged_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at_trustpilot"]
        indexes = [models.Index(fields=["domain", "created_at_trustpilot"])]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="review_stars_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ {self.title or self.trustpilot_id}"

    @property
    def has_reply(self) -> bool:
        return bool(self.company_reply_text)


class ReviewEdit(models.Model):
    """A reviewer changed stars, title or text after TrustDesk first read the review."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="edits")
    stars_before = models.PositiveSmallIntegerField()
    stars = models.PositiveSmallIntegerField()
    title_before = models.CharField(max_length=500, blank=True)
    title = models.CharField(max_length=500, blank=True)
    text_before = models.TextField(blank=True)
    text = models.TextField(blank=True)
    edited_at = models.DateTimeField(null=True, blank=True, help_text="updatedAt at Trustpilot, when given.")
    detected_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"Edit of {self.review.trustpilot_id}: {self.stars_before}★ → {self.stars}★"


class ReviewStatusChange(models.Model):
    """Trustpilot stopped showing a review as active (hidden, reported, removed, …), or showed it again."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="status_changes")
    status_before = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=64, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.review.trustpilot_id}: {self.status_before or 'active'} → {self.status or 'active'}"


class Reply(models.Model):
    """A company reply to a review: sent from Zendesk, or seen on Trustpilot."""

    class Origin(models.TextChoices):
        ZENDESK = "zendesk", "Zendesk"
        TRUSTPILOT = "trustpilot", "Trustpilot"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded"

    class Failure(models.TextChoices):
        NONE = "", "None"
        REFUSED = "refused", "Refused by Trustpilot"
        REVIEW_REMOVED = "review_removed", "Review removed from Trustpilot"
        REAUTHORIZATION = "reauthorization", "Trustpilot account needs re-authorization"
        GAVE_UP = "gave_up", "Trustpilot unavailable for too long"

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="replies")
    message = models.TextField()
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.ZENDESK)
    # Zendesk's request_unique_identifier: the same channelback twice is one reply.
    zendesk_request_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    # While set and in the future, one process is publishing this reply and no other may post it.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True)
    # A failed reply is final: it is never published afterwards, whatever retries or repeats follow.
    failure = models.CharField(max_length=16, choices=Failure.choices, default=Failure.NONE, blank=True)
    # Zendesk was answered 200 before the reply was published: a later failure must be reported to the agent.
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When, and how, the agent was told of the failure (report_error, or an internal note on the ticket).
    failure_reported_at = models.DateTimeField(null=True, blank=True, editable=False)
    failure_reported_by = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "replies"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Reply to {self.review.trustpilot_id} ({self.get_status_display()})"


class SyncRun(models.Model):
    """One poll of a domain, or one "sync unanswered reviews" backfill, with its progress."""

    class Kind(models.TextChoices):
        POLL = "poll", "Poll for new reviews"
        RESCAN = "rescan", "Re-scan for edits"
        BACKFILL = "backfill", "Sync unanswered reviews"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    pages_fetched = models.PositiveIntegerField(default=0)
    reviews_seen = models.PositiveIntegerField(default=0)
    reviews_new = models.PositiveIntegerField(default=0)
    reviews_skipped = models.PositiveIntegerField(
        default=0, help_text="Reviews Trustpilot sent that could not be read (see error)."
    )
    tickets_queued = models.PositiveIntegerField(
        "new tickets", default=0, help_text="Reviews, edits and replies this run queued for delivery to Zendesk."
    )
    # Where a resumed run picks up (date window and page), so a worker crash loses no work.
    checkpoint = models.JSONField(default=dict, blank=True)
    progress_percent = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    error = models.TextField(blank=True)
    requested_by = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Heartbeat: a running backfill that stops updating this was lost with its worker and is resumed.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["domain", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.domain} ({self.get_status_display()})"


class RateBudgetWindow(models.Model):
    """Calls made with one Trustpilot API key in one fixed time window, shared by every process."""

    key = models.CharField(max_length=64)
    window_seconds = models.PositiveIntegerField()
    window_index = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_seconds", "window_index"], name="rate_budget_window_unique")
        ]

    def __str__(self) -> str:
        return f"{self.count} calls in window {self.window_index} of {self.window_seconds}s"


class WebhookDelivery(models.Model):
    """One POST Trustpilot made to an account's webhook URL, and what re-reading its reviews found.

    The body is only a hint (docs/trustpilot.md §4.7): `reviews` keeps the review ids and event names it
    named, never its text. Each account keeps its latest deliveries only (reviews.services.webhooks).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(TrustpilotAccount, on_delete=models.CASCADE, related_name="webhook_deliveries")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    events = models.PositiveIntegerField(default=0, help_text="Events in the body, as sent.")
    reviews = models.JSONField(default=list, blank=True, help_text="[event name, review id] pairs to re-read.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stored = models.PositiveIntegerField(default=0, help_text="Reviews re-read and stored as a poll stores them.")
    removed = models.PositiveIntegerField(default=0, help_text="Reviews Trustpilot answered 404 for.")
    ignored = models.PositiveIntegerField(
        default=0, help_text="Reviews of business units that are not this account's enabled domains, or unknown."
    )
    coalesced = models.PositiveIntegerField(default=0, help_text="Reviews already re-read since this arrived.")
    failed = models.PositiveIntegerField(default=0, help_text="Reviews Trustpilot refused to read (see error).")
    # How many of `reviews` are done: a retry after an outage resumes at the next one.
    progress = models.PositiveIntegerField(default=0, editable=False)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["account", "received_at"])]

    def __str__(self) -> str:
        return f"Webhook to {self.account} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class WebhookReviewRead(models.Model):
    """When an account last re-read a review for a webhook: a delivery that arrived before that read starts
    needs no read of its own, so a review named many times costs one call."""

    account = models.ForeignKey(TrustpilotAccount, on_delete=models.CASCADE, related_name="+")
    trustpilot_id = models.CharField(max_length=64)
    read_started_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "trustpilot_id"], name="webhook_review_read_once")]

    def __str__(self) -> str:
        return f"{self.trustpilot_id} read at {self.read_started_at:%H:%M:%S}"
