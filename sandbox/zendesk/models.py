"""The Zendesk sandbox's state, per subdomain, in the database so web and worker processes share it.

Objects carry the id Zendesk would show (`zendesk_id`), unique within their subdomain, next to
Django's own primary key: two seeded subdomains use the same ids, as tests name them by constant.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SandboxZendesk(models.Model):
    """One fake Zendesk account: its plan, its API token user and its injected faults."""

    class Plan(models.TextChoices):
        ENTERPRISE = "enterprise", "Enterprise"
        PROFESSIONAL = "professional", "Professional"

    subdomain = models.CharField(max_length=63, unique=True)
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.ENTERPRISE)
    api_user = models.EmailField(help_text="The email half of the API token credentials.")
    api_token = models.CharField(max_length=64, help_text="A sandbox credential, printed by the seed command.")
    latency_ms = models.PositiveIntegerField(default=0)
    fail_next = models.PositiveIntegerField(default=0, help_text="How many of the next API calls fail.")
    fail_status = models.PositiveSmallIntegerField(default=503)
    retry_after = models.PositiveIntegerField(default=0, help_text="Seconds; sent with injected failures unless 0.")
    validate_token_unavailable = models.BooleanField(
        default=False, help_text="While on, validate_token answers 503 (Zendesk cannot check push tokens)."
    )
    # How Zendesk writes a restriction that is off: null or [] ([UNCONFIRMED], docs/zendesk.md §10.2).
    unused_restrictions_empty = models.BooleanField(
        default=False, help_text="While on, an installation shows a restriction that is off as [] instead of null."
    )
    # How Zendesk refuses a push body its schema does not allow: 400 or 422 ([UNCONFIRMED], docs/zendesk.md §8.2).
    push_invalid_status = models.PositiveSmallIntegerField(
        default=400, help_text="The status of a push whose body the schema refuses: 400, or 422 (RecordInvalid)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["subdomain"]

    def __str__(self) -> str:
        return self.subdomain

    @property
    def has_custom_roles(self) -> bool:
        return self.plan == self.Plan.ENTERPRISE


class Scoped(models.Model):
    account = models.ForeignKey(SandboxZendesk, on_delete=models.CASCADE, related_name="+")
    zendesk_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["zendesk_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "zendesk_id"], name="%(app_label)s_%(class)s_id_once")
        ]


class SandboxRole(Scoped):
    """A custom role (Enterprise plans only)."""

    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    role_type = models.PositiveSmallIntegerField(help_text="0 custom agent, 1 light agent, 4 admin.")

    def __str__(self) -> str:
        return self.name


class SandboxGroup(Scoped):
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    is_public = models.BooleanField(default=True)
    deleted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class SandboxUser(Scoped):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"
        END_USER = "end-user", "End user"

    name = models.CharField(max_length=255)
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    custom_role = models.ForeignKey(SandboxRole, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.email


class SandboxGroupMembership(Scoped):
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(SandboxGroup, on_delete=models.CASCADE, related_name="+")
    is_default = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"


class SandboxInstallation(Scoped):
    """TrustDesk's app as installed in the fake account; uninstalling keeps the row, marked."""

    app_id = models.BigIntegerField()
    settings = models.JSONField(default=dict)
    enabled = models.BooleanField(default=True)
    role_restrictions = models.JSONField(null=True, blank=True)
    group_restrictions = models.JSONField(null=True, blank=True)
    uninstalled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"installation {self.zendesk_id}"


class SandboxInstallationUpdate(models.Model):
    """Every PUT to an installation, answered or refused, so tests can see what TrustDesk sent."""

    account = models.ForeignKey(SandboxZendesk, on_delete=models.CASCADE, related_name="+")
    installation_id = models.BigIntegerField()
    raw_body = models.TextField(blank=True)
    body = models.JSONField(null=True, blank=True, help_text="The body parsed as JSON; null when it was not JSON.")
    status = models.PositiveSmallIntegerField(help_text="The HTTP status the sandbox answered.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"PUT installation {self.installation_id}: {self.status}"


class SandboxPushToken(models.Model):
    """A push token Zendesk gave TrustDesk for one integration instance, in an admin_ui POST (docs/zendesk.md §8.1).

    Only a digest is kept: the token itself is returned once, by push_token_issue.
    """

    account = models.ForeignKey(SandboxZendesk, on_delete=models.CASCADE, related_name="+")
    instance_push_id = models.CharField(max_length=255)
    token_digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, in hex.")
    # The channel account (integration instance) the agent view keeps for this instance_push_id; pushed
    # resources become its tickets. Made by the first push when no account was added through the agent view.
    channel = models.ForeignKey(
        "zendesk_sandbox_agent.ChannelAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"push token for {self.instance_push_id}"


class SandboxPush(models.Model):
    """Every push that passed authentication, with each resource's result and when it was received, so tests and
    benchmarks can see what TrustDesk pushed and how soon (GET /_control/pushes)."""

    account = models.ForeignKey(SandboxZendesk, on_delete=models.CASCADE, related_name="+")
    instance_push_id = models.CharField(max_length=255)
    request_id = models.CharField(max_length=64, blank=True)
    results = models.JSONField(default=list, help_text="[{external_resource_id, status: {code, description}}]")
    status = models.PositiveSmallIntegerField(help_text="The HTTP status the sandbox answered.")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"push {self.request_id or self.pk}: {self.status}"


class SandboxTicket(Scoped):
    """A ticket, created with POST /tickets (its id the account's next) or by a test; it has no assignee."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        HOLD = "hold", "On-hold"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    subject = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    requester_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ticket {self.zendesk_id}"


class SandboxAudit(models.Model):
    """One change to a ticket (its creation, a comment, a new status); its primary key is the id Zendesk shows."""

    ticket = models.ForeignKey(SandboxTicket, on_delete=models.CASCADE, related_name="audits")
    author_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"audit {self.pk} of {self.ticket}"


class SandboxComment(models.Model):
    """A ticket comment; its primary key is the id Zendesk shows."""

    ticket = models.ForeignKey(SandboxTicket, on_delete=models.CASCADE, related_name="comments")
    author_id = models.BigIntegerField()
    body = models.TextField()
    html_body = models.TextField()
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.ticket}"


class SandboxReportedError(models.Model):
    """Every report_error call that passed authentication, accepted or refused, so tests can see what TrustDesk sent.

    Zendesk would mark the channelback's comment as failed for the agent; the sandbox keeps the report.
    """

    account = models.ForeignKey(SandboxZendesk, on_delete=models.CASCADE, related_name="+")
    instance_push_id = models.CharField(max_length=255, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    body = models.JSONField(null=True, blank=True, help_text="The body parsed as JSON; null when it was not JSON.")
    status = models.PositiveSmallIntegerField(help_text="The HTTP status the sandbox answered.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"report_error for {self.external_id}: {self.status}"
