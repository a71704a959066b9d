"""The sandbox's state: business users, business units, reviews, tokens and faults.

Everything lives in the database because web and worker processes share one sandbox.
Trustpilot's nullable strings (referenceId, referralEmail, companyReply.text) are stored as ""
and rendered as null, the Django convention for text columns.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

ID_LENGTH = 24
ACCESS_TOKEN_LIFETIME = 360_000  # 100 hours, as Trustpilot documents (docs/trustpilot.md §2.4)
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600  # 30 days, as documented; 90 days has been observed


def new_id() -> str:
    """Trustpilot ids are 24 hex characters (Mongo ObjectId style)."""
    return secrets.token_hex(ID_LENGTH // 2)


class BusinessUser(models.Model):
    """A login to Trustpilot Business."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=new_id, editable=False)
    name = models.CharField(max_length=255)
    email = models.EmailField(unique=True)
    password = models.CharField(max_length=255, help_text="A django.contrib.auth hash, never the password.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        return check_password(raw_password, self.password)


class BusinessUnit(models.Model):
    """One reviewed domain, e.g. shop.example."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=new_id, editable=False)
    identifying_name = models.CharField(max_length=255, unique=True)
    display_name = models.CharField(max_length=255)
    website_url = models.URLField(blank=True)
    country = models.CharField(max_length=2, default="GB")
    users = models.ManyToManyField(BusinessUser, related_name="business_units", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["identifying_name"]

    def __str__(self) -> str:
        return self.identifying_name


class Review(models.Model):
    """A service review with at most one company reply (the latest one wins)."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=new_id, editable=False)
    business_unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="reviews")
    stars = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    language = models.CharField(max_length=16, default="en")
    consumer_id = models.CharField(max_length=ID_LENGTH, default=new_id)
    consumer_name = models.CharField(max_length=255)
    consumer_location = models.CharField(max_length=255, blank=True)
    consumer_review_count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Set when the reviewer edited the review.")
    reference_id = models.CharField(max_length=255, blank=True)
    referral_email = models.EmailField(blank=True)
    is_verified = models.BooleanField(default=False)
    reply_text = models.TextField(blank=True)
    reply_created_at = models.DateTimeField(null=True, blank=True)
    reply_updated_at = models.DateTimeField(null=True, blank=True)
    reply_author = models.ForeignKey(BusinessUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Moderation (docs/trustpilot.md §4.4): `status` and `reportData` as Trustpilot renders them; a removed review is
    # kept here so the control endpoint can bring it back, but the API answers 404 for it and lists it nowhere.
    status = models.CharField(max_length=64, default="active", help_text='Rendered as "status"; "" is null.')
    report_data = models.JSONField(null=True, blank=True, help_text='Rendered as "reportData".')
    removed = models.BooleanField(default=False, help_text="Gone from Trustpilot: 404, and in no list.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The id breaks ties, so deep pages stay stable and are read straight from the index.
            models.Index(fields=["business_unit", "created_at", "id"], name="sandbox_review_bu_created"),
            models.Index(fields=["business_unit", "stars", "created_at", "id"], name="sandbox_review_bu_stars"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="sandbox_review_stars_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ {self.title or self.id}"

    @property
    def has_reply(self) -> bool:
        return bool(self.reply_text)

    @property
    def source(self) -> str:
        return "InvitationApi" if self.reference_id else "Organic"


class AuthorizationCode(models.Model):
    """What /authenticate hands the browser: single use, short lived, bound to its redirect_uri."""

    code = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(BusinessUser, on_delete=models.CASCADE, related_name="+")
    api_key = models.CharField(max_length=100)
    redirect_uri = models.TextField()
    expires_at = models.DateTimeField()
    used = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"code for {self.user_id}"


class Token(models.Model):
    """An access or refresh token. Tokens of one sign-in share a grant, so revoking it ends them all."""

    class Kind(models.TextChoices):
        ACCESS = "access", "Access"
        REFRESH = "refresh", "Refresh"

    value = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    user = models.ForeignKey(BusinessUser, on_delete=models.CASCADE, related_name="+")
    api_key = models.CharField(max_length=100)
    grant = models.CharField(max_length=32, db_index=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.kind} token for {self.user_id}"


class UnitListing(models.TextChoices):
    """How the sandbox answers the [UNCONFIRMED] user and listing endpoints (docs/trustpilot.md §3.1)."""

    NAMED = "named", "Units listed with their names"
    UNNAMED = "unnamed", "Units listed by id only, as seen against staging"
    NO_ME = "no_me", "No /v1/private/me endpoint"
    NO_LISTING = "no_listing", "The user's units are not listed"


class Faults(models.Model):
    """The one configuration row (pk 1) for injected faults, limits and sign-in variants; all off by default."""

    latency_ms = models.PositiveIntegerField(default=0)
    fail_next = models.PositiveIntegerField(default=0, help_text="How many of the next /v1 calls fail.")
    fail_status = models.PositiveSmallIntegerField(default=503)
    retry_after = models.PositiveIntegerField(
        default=0, help_text="Retry-After seconds: sent with a 503 unless 0, and with a 429 (1 for 0)."
    )
    rate_limit_per_minute = models.PositiveIntegerField(default=0, help_text="Calls per API key; 0 is no limit.")
    access_token_lifetime = models.PositiveIntegerField(default=ACCESS_TOKEN_LIFETIME)
    refresh_token_lifetime = models.PositiveIntegerField(default=REFRESH_TOKEN_LIFETIME)
    new_review_every_seconds = models.PositiveIntegerField(default=0, help_text="0 is off.")
    # Trustpilot's sign-in as it may turn out to be (docs/trustpilot.md §2.1, §2.3, §3.1).
    echo_state = models.BooleanField(default=True, help_text="The sign-in redirect carries state back.")
    unit_listing = models.CharField(max_length=16, choices=UnitListing.choices, default=UnitListing.NAMED)
    strict_opener_policy = models.BooleanField(
        default=False, help_text="The sign-in page sends Cross-Origin-Opener-Policy: same-origin."
    )
    send_app_enduser = models.BooleanField(default=True, help_text="Token answers carry app_enduser.")
    # Trustpilot's answers as they may turn out to be [UNCONFIRMED] (docs/trustpilot.md §6.3, §5.5, §6.2).
    forbidden_unit = models.CharField(
        max_length=255, blank=True, help_text="A business unit (id or domain) whose private review list answers 403."
    )
    reformat_replies = models.BooleanField(
        default=False, help_text="Company replies are read back with markup and other whitespace."
    )
    send_retry_after = models.BooleanField(
        default=True, help_text="429s carry Retry-After; false plays a Trustpilot that sends none."
    )
    # Its webhooks as they may turn out to be [UNCONFIRMED] (docs/trustpilot.md §4.7).
    webhook_batches = models.BooleanField(
        default=True, help_text="Events that happen together go in one POST; false sends one POST per event."
    )
    webhook_deleted_id_only = models.BooleanField(
        default=False, help_text="service-review-deleted carries only the review's id."
    )
    webhook_consumer_display_name = models.BooleanField(
        default=False, help_text="The reviewer's name is consumer.displayName, as in the API, not consumer.name."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "faults"

    def __str__(self) -> str:
        return "Sandbox faults"


class WebhookSubscription(models.Model):
    """A URL that receives the business unit's service-review webhooks (Integrations > Developers > Webhooks)."""

    business_unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.URLField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["business_unit", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "url"], name="sandbox_webhook_subscription_once")
        ]

    def __str__(self) -> str:
        return f"{self.business_unit} → {self.url}"


class RateCounter(models.Model):
    """Calls answered for one API key in one clock minute."""

    api_key = models.CharField(max_length=100)
    minute = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "minute"], name="sandbox_rate_counter_once")]

    def __str__(self) -> str:
        return f"{self.api_key} {self.minute:%H:%M}: {self.calls}"
