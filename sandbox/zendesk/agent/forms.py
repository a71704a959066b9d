"""The agent view's forms: a reply, and an account to add under TrustDesk's channel."""

from __future__ import annotations

from typing import Any

from django import forms

from sandbox.zendesk.agent.desk import REPLY_STATUSES, SYNC_DAYS
from sandbox.zendesk.models import SandboxTicket, SandboxUser, SandboxZendesk


def agents_of(zendesk: SandboxZendesk) -> list[SandboxUser]:
    roles = [SandboxUser.Role.ADMIN, SandboxUser.Role.AGENT]
    return list(SandboxUser.objects.filter(account=zendesk, role__in=roles, active=True).order_by("zendesk_id"))


class ReplyForm(forms.Form):
    body = forms.CharField(max_length=65535, strip=True, widget=forms.Textarea(attrs={"rows": 6}))
    author_id = forms.TypedChoiceField(coerce=int, label="Reply as")
    status = forms.ChoiceField(
        choices=[(status.value, f"Submit as {status.label}") for status in REPLY_STATUSES],
        initial=SandboxTicket.Status.PENDING,
    )

    def __init__(self, *args: Any, zendesk: SandboxZendesk, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = agents_of(zendesk)
        field: Any = self.fields["author_id"]
        field.choices = [(agent.zendesk_id, f"{agent.name} ({agent.get_role_display()})") for agent in agents]
        # The API user is the admin whose token TrustDesk holds: the likeliest author, as in the seeded demo.
        field.initial = next((a.zendesk_id for a in agents if a.email.lower() == zendesk.api_user.lower()), None)


class AccountForm(forms.Form):
    email = forms.EmailField(required=False, label="Trustpilot sandbox login")
    password = forms.CharField(required=False, strip=False, widget=forms.PasswordInput)
    days = forms.TypedChoiceField(
        coerce=int, choices=[(days, f"Unanswered reviews of the last {days} days") for days in SYNC_DAYS], initial=30
    )
