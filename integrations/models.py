"""Zendesk side: Zendesk accounts, channel instances, review-ticket links, access restrictions, events."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from reviews.models import Domain, Reply, Review, ReviewEdit, TrustpilotAccount
from reviews.sync_period import SyncPeriod
from trustdesk import url_secrets
from trustdesk.fields import EncryptedTextField


class ZendeskAccount(models.Model):
    """A Zendesk account (subdomain) where TrustDesk's app is installed."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISCONNECTED = "disconnected", "Disconnected"

    subdomain = models.CharField(max_length=63, unique=True, help_text="The part before .zendesk.com")
    api_user = models.CharField(
        max_length=255, blank=True, help_text="Email of the Zendesk user whose API token TrustDesk uses."
    )
    api_token = EncryptedTextField()
    installation_id = models.BigIntegerField(
        null=True, blank=True, help_text="Id of TrustDesk's app installation in this Zendesk account."
    )
    # Custom ticket fields filled on new review tickets, when set (ids from Zendesk's Admin Center).
    ticket_field_stars = models.BigIntegerField(null=True, blank=True)
    ticket_field_domain = models.BigIntegerField(null=True, blank=True)
    ticket_field_language = models.BigIntegerField(null=True, blank=True)
    ticket_field_review_url = models.BigIntegerField(null=True, blank=True)
    # The account's custom roles and groups as [{"id", "name"}], loaded from Zendesk for the access page.
    zendesk_roles = models.JSONField(default=list, blank=True, editable=False)
    zendesk_groups = models.JSONField(default=list, blank=True, editable=False)
    directory_loaded_at = models.DateTimeField(null=True, blank=True, editable=False)
    directory_error = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    disconnected_by = models.CharField(max_length=255, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    # A destroy_integration event TrustDesk could not check with Zendesk (no API token or installation id):
    # unsigned, so it disconnects nothing until a support manager confirms it on the dashboard.
    uninstall_reported_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The secret in every URL of this account's app (/zendesk/a/<secret>/…): Zendesk signs nothing it sends,
    # so knowing the app's manifest URL is what proves a request comes from this account's Zendesk.
    # Kept encrypted, to rebuild the app; found by its SHA-256, so no lookup compares the secret itself.
    url_secret = EncryptedTextField()
    # NULL, not "", until save() gives the account its secret: unique allows many NULLs, not many "".
    url_secret_digest = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    url_secret_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Zendesk account"
        ordering = ["subdomain"]
        permissions = [("disconnect_zendeskaccount", "Can disconnect a Zendesk account")]

    def __str__(self) -> str:
        return self.subdomain

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.url_secret_digest is None:
            self.url_secret_replace()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], *URL_SECRET_FIELDS}
        super().save(*args, **kwargs)

    @property
    def has_api_token(self) -> bool:
        return self.api_token is not None

    def url_secret_replace(self) -> None:
        """A new secret: every URL of the app built before stops working once this is saved."""
        secret = url_secrets.new()
        self.url_secret = secret
        self.url_secret_digest = url_secrets.digest(secret)
        self.url_secret_created_at = timezone.now()


URL_SECRET_FIELDS = ("url_secret", "url_secret_digest", "url_secret_created_at")


class ChannelInstance(models.Model):
    """One account added under the Trustpilot channel in Zendesk ("Add account")."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DEACTIVATED = "deactivated", "Deactivated"
        DISCONNECTED = "disconnected", "Disconnected"

    SyncPeriod = SyncPeriod

    zendesk_account = models.ForeignKey(ZendeskAccount, on_delete=models.PROTECT, related_name="instances")
    name = models.CharField(max_length=255)
    locale = models.CharField(max_length=16, default="en-US")
    instance_push_id = models.CharField(max_length=255, blank=True)
    push_token = EncryptedTextField()
    trustpilot_account = models.ForeignKey(
        TrustpilotAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="instances"
    )
    domains = models.ManyToManyField(Domain, blank=True, related_name="instances")
    sync_unanswered = models.BooleanField(
        default=False, help_text="Bring in reviews left unanswered during the period, as new tickets."
    )
    sync_unanswered_days = models.PositiveSmallIntegerField(choices=SyncPeriod.choices, default=SyncPeriod.MONTH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    # The sequence number of the newest resource queued for this instance (see ReviewTicketLink.sequence).
    last_sequence = models.BigIntegerField(default=0, editable=False)
    # Signed into the metadata Zendesk keeps; a disconnect raises it, so every copy of older metadata is dead.
    metadata_version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["zendesk_account__subdomain", "name"]
        permissions = [
            ("disconnect_channelinstance", "Can disconnect a channel instance"),
            ("sync_channelinstance", "Can start a sync of unanswered reviews"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.zendesk_account})"


class TicketNote(models.Model):
    """An internal note TrustDesk adds to a review's ticket (integrations.services.notes.note_queue).

    `key` names what the note is about (e.g. "reply-failed-42"): the same key never makes a second note.
    """

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="ticket_notes")
    key = models.CharField(max_length=100, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note {self.key} on {self.review.trustpilot_id}"


class ReviewTicketLink(models.Model):
    """What TrustDesk delivered to Zendesk for one instance: a review, an edit, a reply or a note, and its ticket."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Review"
        REVIEW_UPDATE = "review_update", "Review update"
        REPLY = "reply", "Reply"
        NOTE = "note", "Internal note"

    instance = models.ForeignKey(ChannelInstance, on_delete=models.PROTECT, related_name="links")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="ticket_links")
    edit = models.ForeignKey(ReviewEdit, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket_links")
    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket_links")
    note = models.ForeignKey(TicketNote, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket_links")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    external_id = models.CharField(max_length=255)
    # Order of delivery within the instance, given under the instance's row lock, so numbers are taken in
    # commit order and a pull cursor never skips a resource committed late. Empty for a channelback's
    # reply, which Zendesk already has.
    sequence = models.BigIntegerField(null=True, blank=True)
    zendesk_ticket_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    zendesk_comment_id = models.BigIntegerField(null=True, blank=True)
    first_delivered_at = models.DateTimeField(null=True, blank=True)
    # Delivered by push: a pull skips it. push_error keeps Zendesk's word when a push was refused.
    pushed_at = models.DateTimeField(null=True, blank=True)
    push_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "review-ticket link"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "external_id"], name="link_external_id_unique_per_instance"),
            models.UniqueConstraint(fields=["instance", "sequence"], name="link_sequence_unique_per_instance"),
        ]
        indexes = [
            # Pull's queue: only what is not pushed, so an instance whose resources all go by push still
            # answers an empty pull from the index's end instead of walking every pushed link after its cursor.
            models.Index(fields=["instance", "sequence"], condition=Q(pushed_at__isnull=True), name="link_pull_queue"),
        ]

    def __str__(self) -> str:
        return self.external_id


class SetupSession(models.Model):
    """One run of the admin_ui page in Zendesk: from Zendesk's POST to the return_url, across the Trustpilot sign-in.

    Kept server-side because the page lives in a third-party iframe where cookies cannot be relied on,
    and because the push token Zendesk sends must never travel in a URL. `key` is the setup page's own
    secret: it travels only in POST bodies and is replaced once a Trustpilot sign-in is claimed.
    `sign_in_key` can do nothing but open a Trustpilot sign-in for this setup, whose grant only the
    setup page that opened it can claim (see TrustpilotSignIn).
    """

    key = models.CharField(max_length=64, unique=True)
    sign_in_key = models.CharField(max_length=64, unique=True)
    subdomain = models.CharField(max_length=63)
    return_url = models.URLField(max_length=2000)
    locale = models.CharField(max_length=16, default="en-US")
    name = models.CharField(max_length=255, blank=True)
    # The pull cursor Zendesk posted (its `state`), handed back to it unchanged on the finish page.
    cursor = models.CharField(max_length=18, blank=True)
    instance = models.ForeignKey(ChannelInstance, on_delete=models.CASCADE, null=True, blank=True)
    instance_push_id = models.CharField(max_length=255, blank=True)
    push_token = EncryptedTextField()
    trustpilot_account = models.ForeignKey(TrustpilotAccount, on_delete=models.SET_NULL, null=True, blank=True)
    # The business units the signed-in Trustpilot user can access: [{"id", "name", "display_name"}].
    business_units = models.JSONField(default=list, blank=True)
    # False when Trustpilot listed no business units for the user: the admin types their domains.
    units_listed = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "admin page session"

    def __str__(self) -> str:
        return f"Setup for {self.subdomain} ({self.created_at:%Y-%m-%d %H:%M})"


class TrustpilotSignIn(models.Model):
    """One Trustpilot sign-in window opened for a setup, and the grant it brought back until it is claimed.

    The callback keeps the tokens here instead of on the setup: only the setup page that opened the
    window can claim them, with the code the window hands it (postMessage to its opener) or, when the
    opener was cut, the short code the window shows for the admin to type.
    """

    session = models.ForeignKey(SetupSession, on_delete=models.CASCADE, related_name="sign_ins")
    nonce = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    signed_in_at = models.DateTimeField(null=True, blank=True)
    # The grant, while unclaimed: tokens (JSON, encrypted), who signed in, and what they may access.
    tokens = EncryptedTextField()
    business_user = models.JSONField(default=dict, blank=True)
    business_units = models.JSONField(default=list, blank=True)
    units_listed = models.BooleanField(default=True)
    claim_code_hash = models.CharField(max_length=64, blank=True)
    short_code_hash = models.CharField(max_length=64, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Trustpilot sign-in"

    def __str__(self) -> str:
        return f"Trustpilot sign-in for {self.session.subdomain} ({self.created_at:%Y-%m-%d %H:%M})"


class AccessRestriction(models.Model):
    """Which Zendesk roles and groups may use TrustDesk's app in one Zendesk account.

    Allowed roles and groups are lists of {"id": int, "name": str}: names are kept so the admin
    can show them without calling Zendesk.
    """

    class SyncStatus(models.TextChoices):
        NOT_SYNCED = "not_synced", "Not written to Zendesk yet"
        PENDING = "pending", "Waiting to be written to Zendesk"
        SYNCED = "synced", "Synced to Zendesk"
        FAILED = "failed", "Failed"

    zendesk_account = models.OneToOneField(ZendeskAccount, on_delete=models.CASCADE, related_name="restriction")
    role_restriction_enabled = models.BooleanField(default=False)
    allowed_roles = models.JSONField(default=list, blank=True)
    group_restriction_enabled = models.BooleanField(default=False)
    allowed_groups = models.JSONField(default=list, blank=True)
    sync_status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.NOT_SYNCED)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["zendesk_account__subdomain"]

    def __str__(self) -> str:
        return f"Access to TrustDesk in {self.zendesk_account}"

    @property
    def role_ids(self) -> list[int] | None:
        """The allowed role ids, or None when the role restriction is off."""
        return [int(role["id"]) for role in self.allowed_roles] if self.role_restriction_enabled else None

    @property
    def group_ids(self) -> list[int] | None:
        return [int(group["id"]) for group in self.allowed_groups] if self.group_restriction_enabled else None

    @property
    def restricts(self) -> bool:
        return self.role_restriction_enabled or self.group_restriction_enabled

    def allows(self, *, role_id: int | None, group_ids: list[int]) -> bool:
        """Several roles are OR-ed, several groups OR-ed; with both on an agent needs one of each
        (docs/zendesk.md §10.1)."""
        roles, groups = self.role_ids, self.group_ids
        role_ok = roles is None or (role_id is not None and role_id in roles)
        group_ok = groups is None or bool(set(groups) & set(group_ids))
        return role_ok and group_ok

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in ("allowed_roles", "allowed_groups"):
            problem = _id_name_list_problem(getattr(self, field))
            if problem:
                errors[field] = problem
        if self.role_restriction_enabled and not self.allowed_roles and "allowed_roles" not in errors:
            errors["allowed_roles"] = "Choose at least one role, or turn the role restriction off."
        if self.group_restriction_enabled and not self.allowed_groups and "allowed_groups" not in errors:
            errors["allowed_groups"] = "Choose at least one group, or turn the group restriction off."
        if errors:
            raise ValidationError(errors)


def _id_name_list_problem(value: object) -> str:
    if not isinstance(value, list):
        return 'Expected a list such as [{"id": 123, "name": "Support"}].'
    for item in value:
        if not (isinstance(item, dict) and isinstance(item.get("id"), int) and isinstance(item.get("name"), str)):
            return f'Each entry needs an integer "id" and a "name"; {item!r} does not.'
    return ""


class ChannelEvent(models.Model):
    """One event from a Zendesk event callback, stored as received, with what TrustDesk made of it."""

    class Outcome(models.TextChoices):
        ACTED_ON = "acted_on", "Acted on"
        NOT_ACTED_ON = "not_acted_on", "Not acted on"
        REFUSED = "refused", "Refused"
        CONFLICT = "conflict", "Conflict"
        UNINSTALL_REPORTED = "uninstall_reported", "Uninstall reported"
        FAILED = "failed", "Failed"

    zendesk_account = models.ForeignKey(
        ZendeskAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    instance = models.ForeignKey(
        ChannelInstance, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    subdomain = models.CharField(max_length=63, blank=True, db_index=True)
    type_id = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(help_text="The event exactly as Zendesk sent it.")
    error = models.TextField(blank=True, help_text="The error Zendesk reported in this event, if any.")
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="The event's own timestamp.")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, db_index=True)
    outcome_reason = models.TextField(
        blank=True, help_text="Why TrustDesk refused the event or did not act on it, or the conflict it found."
    )

    class Meta:
        verbose_name = "Zendesk event"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type_id} from {self.subdomain or 'unknown'}"


class RefusedRequest(models.Model):
    """A request to a channel endpoint refused for its address: no secret, no account's secret, or one
    account's secret used for another account. Kept so the admin can see an outdated app or a stranger."""

    zendesk_account = models.ForeignKey(
        ZendeskAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="refused_requests"
    )
    endpoint = models.CharField(max_length=32)
    code = models.CharField(max_length=32, help_text="The error answered, e.g. wrong_zendesk_account.")
    reason = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.endpoint} refused: {self.code}"
