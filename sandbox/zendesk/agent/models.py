"""What Zendesk keeps of a channel, next to the sandbox's own tickets, comments and users: the accounts added under
TrustDesk's channel, and for each ticket, comment and end user a channel made, where it came from."""

from __future__ import annotations

from django.db import models

from sandbox.zendesk.models import SandboxComment, SandboxTicket, SandboxUser, SandboxZendesk


class ChannelAccount(models.Model):
    """An account an admin added under TrustDesk's channel (an integration instance): Zendesk keeps the name and
    metadata admin_ui posted to return_url, sends the metadata with every pull and channelback, and the state
    TrustDesk answered with the next pull."""

    zendesk = models.ForeignKey(SandboxZendesk, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    metadata = models.TextField()
    state = models.TextField(blank=True)
    pulled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ChannelTicket(models.Model):
    """A ticket a pull made: its thread, whom a reply goes to, and the review's page (from display_info)."""

    ticket = models.OneToOneField(SandboxTicket, on_delete=models.CASCADE, related_name="channel")
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="tickets")
    thread_id = models.CharField(max_length=511)
    recipient_id = models.CharField(max_length=255, blank=True)
    review_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "thread_id"], name="zendesk_sandbox_agent_thread_once")
        ]

    def __str__(self) -> str:
        return self.thread_id


class ChannelComment(models.Model):
    """A comment from a pulled resource, or an agent's reply sent as a channelback: the external_id (the resource's,
    or the one channelback answered; Zendesk imports no external_id twice), or why the channelback failed."""

    comment = models.OneToOneField(SandboxComment, on_delete=models.CASCADE, related_name="channel")
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    channelback_error = models.TextField(blank=True)
    is_reply = models.BooleanField(default=False, help_text="An agent's reply, sent as a channelback.")

    def __str__(self) -> str:
        return self.external_id or f"reply {self.comment_id}"


class ChannelUser(models.Model):
    """An end user Zendesk made for a resource's author, known by the author's external_id."""

    user = models.OneToOneField(SandboxUser, on_delete=models.CASCADE, related_name="channel")
    external_id = models.CharField(max_length=255, db_index=True)

    def __str__(self) -> str:
        return self.external_id
