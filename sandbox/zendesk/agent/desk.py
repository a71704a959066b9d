"""What Zendesk does for its agents, over HTTP to TrustDesk at TRUSTDESK_PUBLIC_URL, with the manifest read at the
account's secret app address: add an account under the channel, pull resources into tickets and report them, and
send an agent's reply as a channelback.

No transaction is held across a call to TrustDesk: `make run` serves both from one process and one SQLite file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from integrations.app_address import manifest_url_for
from sandbox.channel_calls import CallFailed, Integration
from sandbox.simulator import Simulation
from sandbox.zendesk import push_tokens, tickets
from sandbox.zendesk.agent.models import ChannelAccount, ChannelComment, ChannelTicket, ChannelUser
from sandbox.zendesk.errors import ApiError
from sandbox.zendesk.models import SandboxTicket, SandboxUser, SandboxZendesk

# Zendesk pulls page after page while TrustDesk has more; a backlog deeper than this waits for the next click.
PULL_PAGES = 50
SYNC_DAYS = (7, 30, 90, 365)
# Sandbox tickets have no assignee, and Zendesk solves none without one (sandbox.zendesk.tickets).
REPLY_STATUSES = (SandboxTicket.Status.OPEN, SandboxTicket.Status.PENDING)
# What a call to TrustDesk raises when it fails: its refusal, no answer, or an answer that is not JSON.
FAILURES = (CallFailed, requests.RequestException, ValueError)


class DeskError(Exception):
    """What went wrong, worded for the person at the agent view."""


@dataclass
class PullSummary:
    tickets: int = 0
    comments: int = 0
    problems: list[str] = field(default_factory=list)


def failure_text(exc: Exception) -> str:
    if isinstance(exc, CallFailed) and exc.status is not None:
        return f"TrustDesk answered HTTP {exc.status}: {exc.reason}"
    if isinstance(exc, requests.RequestException):
        return f"TrustDesk could not be reached: {exc}"
    return f"TrustDesk's answer was not what Zendesk expects: {exc}"


def trustdesk_url() -> str:
    return str(settings.TRUSTDESK_PUBLIC_URL).rstrip("/")


@contextmanager
def integration_for(zendesk: SandboxZendesk) -> Iterator[Integration]:
    base = trustdesk_url()
    with requests.Session() as http:
        manifest_url = manifest_url_for(zendesk.subdomain, base=base)
        yield Integration.fetch(url=base, manifest_url=manifest_url, subdomain=zendesk.subdomain, http=http)


def account_add(zendesk: SandboxZendesk, *, email: str, password: str, sync_days: int) -> ChannelAccount:
    """Add an account as an admin would in Admin Center: TrustDesk's admin_ui, the Trustpilot sandbox's sign-in
    (the demo login unless another is given), every domain offered, and the return_url post of name and metadata."""
    base = trustdesk_url()
    with requests.Session() as http:
        simulation = Simulation(
            url=base,
            manifest_url=manifest_url_for(zendesk.subdomain, base=base),
            subdomain=zendesk.subdomain,
            email=email or Simulation.email,
            password=password or Simulation.password,
            sync_days=sync_days,
            say=lambda _: None,
            http=http,
        )
        try:
            simulation.fetch_manifest()
            push_configure(simulation)
            simulation.add_account()
        except FAILURES as exc:
            raise DeskError(f"The account was not added. {failure_text(exc)}") from None
    if simulation.instance_push_id:
        # TrustDesk may have pushed already, and the push made the instance's account: complete it.
        account = push_tokens.push_channel(zendesk, simulation.instance_push_id)
        account.name, account.metadata = simulation.name or account.name, simulation.metadata
        account.save(update_fields=["name", "metadata"])
        return account
    return ChannelAccount.objects.create(
        zendesk=zendesk, name=simulation.name or "Trustpilot", metadata=simulation.metadata
    )


def push_configure(simulation: Simulation) -> None:
    """With push_client_id in the manifest, Zendesk names the new integration instance and issues a push token
    for it, sent in the admin_ui POST (docs/zendesk.md §8.1)."""
    if simulation.manifest.get("push_client_id"):
        simulation.instance_push_id = f"sandbox-{uuid.uuid4().hex}"
        simulation.push_token = push_tokens.push_token_issue(simulation.subdomain, simulation.instance_push_id)


def pull_now(zendesk: SandboxZendesk) -> PullSummary:
    """Pull every channel account of this Zendesk until TrustDesk has nothing new, as Zendesk does every two
    minutes, then report the tickets and comments each page became."""
    summary = PullSummary()
    accounts = list(ChannelAccount.objects.filter(zendesk=zendesk))
    if not accounts:
        return summary
    try:
        with integration_for(zendesk) as integration:
            for account in accounts:
                try:
                    _pull(integration, account, summary)
                except FAILURES as exc:
                    summary.problems.append(f"{account.name}: {failure_text(exc)}")
    except FAILURES as exc:
        summary.problems.append(failure_text(exc))
    return summary


def _pull(integration: Integration, account: ChannelAccount, summary: PullSummary) -> None:
    for _ in range(PULL_PAGES):
        page = integration.pull(metadata=account.metadata, state=account.state)
        if page.metadata_needs_update:
            summary.problems.append(f"{account.name}: TrustDesk asks for this account to be set up again.")
            break
        if not page.resources:
            break
        events = resources_file(account, page.resources, summary)
        account.state = page.state
        account.save(update_fields=["state"])
        if events:
            integration.report_created(events)
    account.pulled_at = timezone.now()
    account.save(update_fields=["pulled_at"])


@transaction.atomic
def resources_file(account: ChannelAccount, resources: list[dict[str, Any]], summary: PullSummary) -> list[Any]:
    """Turn resources into tickets and comments as Zendesk does; the resource events that report them."""
    events = []
    for resource in resources:
        if not isinstance(resource, dict):
            continue
        try:
            event = resource_file(account, resource, summary)
        except ApiError as exc:
            summary.problems.append(f"{resource.get('external_id')!r} was not imported: {api_error_text(exc)}")
            continue
        if event is not None:
            events.append(event)
    return events


def already_imported(zendesk: SandboxZendesk, external_id: str) -> bool:
    """Zendesk imports an external_id once, whether it came by pull or by push."""
    return ChannelComment.objects.filter(comment__ticket__account=zendesk, external_id=external_id).exists()


def parent_missing(account: ChannelAccount, resource: dict[str, Any]) -> bool:
    """A resource that names a parent_id (and no thread_id) whose comment this account has no ticket for."""
    return bool(resource.get("parent_id")) and not resource.get("thread_id") and _ticket_for(account, resource) is None


def resource_file(account: ChannelAccount, resource: dict[str, Any], summary: PullSummary) -> dict[str, Any] | None:
    """One resource on its ticket, through the sandbox's own ticket create and update (each change an audit);
    the resource event that reports it, or None when nothing was made."""
    zendesk = account.zendesk
    external_id = str(resource.get("external_id") or "")[:255]
    if not external_id or already_imported(zendesk, external_id):
        return None
    channel = _ticket_for(account, resource)
    author, author_external_id = _end_user(zendesk, resource.get("author"))
    public = not resource.get("internal_note")
    comment = {"body": str(resource.get("message") or ""), "author_id": author.zendesk_id, "public": public}
    if channel is None:
        values = {"subject": _subject(resource), "requester_id": author.zendesk_id, "status": "new", "comment": comment}
        change = tickets.ticket_create(zendesk, body={"ticket": values}, api_user=zendesk.api_user)
        ChannelTicket.objects.create(
            ticket=change.ticket,
            account=account,
            thread_id=str(resource.get("thread_id") or "") or external_id,
            recipient_id=author_external_id,
            review_url=_review_url(resource),
        )
        kind = "comment_on_new_ticket"
        summary.tickets += 1
    else:
        update: dict[str, Any] = {"comment": comment}
        if public and channel.ticket.status in (SandboxTicket.Status.PENDING, SandboxTicket.Status.SOLVED):
            update["status"] = SandboxTicket.Status.OPEN  # the requester wrote again
        change = tickets.ticket_update(
            zendesk, ticket_id=channel.ticket.zendesk_id, body={"ticket": update}, api_user=zendesk.api_user
        )
        kind = "comment_on_existing_ticket"
    added = change.comment
    if added is None:
        return None
    # The comment keeps the resource's time and HTML, as Zendesk shows them.
    added.created_at = _when(resource.get("created_at"))
    added.html_body = str(resource.get("html_message") or "") or added.html_body
    added.save(update_fields=["created_at", "html_body"])
    ChannelComment.objects.create(comment=added, external_id=external_id)
    summary.comments += 1
    return {"type_id": kind, "external_id": external_id, "ticket_id": change.ticket.zendesk_id, "comment_id": added.pk}


def _ticket_for(account: ChannelAccount, resource: dict[str, Any]) -> ChannelTicket | None:
    """The ticket of the resource's thread_id, or of the comment its parent_id names; None: a new ticket."""
    found = ChannelTicket.objects.filter(account=account).select_related("ticket")
    if resource.get("thread_id"):
        return found.filter(thread_id=str(resource["thread_id"])).first()
    if resource.get("parent_id"):
        return found.filter(ticket__comments__channel__external_id=str(resource["parent_id"])).first()
    return None


def _end_user(zendesk: SandboxZendesk, author: Any) -> tuple[SandboxUser, str]:
    """The end user Zendesk keeps for a resource's author, made the first time the author writes."""
    data = author if isinstance(author, dict) else {}
    external_id = str(data.get("external_id") or "unknown")[:255]
    known = ChannelUser.objects.filter(user__account=zendesk, external_id=external_id).select_related("user").first()
    if known is not None:
        return known.user, external_id
    user = SandboxUser.objects.create(
        account=zendesk,
        zendesk_id=_next_user_id(zendesk),
        name=str(data.get("name") or external_id)[:255],
        email="",
        role=SandboxUser.Role.END_USER,
    )
    ChannelUser.objects.create(user=user, external_id=external_id)
    return user, external_id


def _next_user_id(zendesk: SandboxZendesk) -> int:
    highest = SandboxUser.objects.filter(account=zendesk).aggregate(highest=Max("zendesk_id"))["highest"]
    return int(highest or 0) + 1


def _subject(resource: dict[str, Any]) -> str:
    fields = resource.get("fields")
    if not isinstance(fields, list):
        fields = []
    subject = next((f.get("value") for f in fields if isinstance(f, dict) and f.get("id") == "subject"), None)
    return str(subject or resource.get("message") or "")[:255]


def _review_url(resource: dict[str, Any]) -> str:
    """The first http(s) link named review_url in the resource's display_info, as TrustDesk's app shows it."""
    infos = resource.get("display_info")
    for info in infos if isinstance(infos, list) else []:
        data = info.get("data") if isinstance(info, dict) else None
        url = data.get("review_url") if isinstance(data, dict) else None
        if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 2000:
            return url
    return ""


def _when(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return timezone.now()
    return when if timezone.is_aware(when) else when.replace(tzinfo=UTC)


def reply_send(
    zendesk: SandboxZendesk, ticket: SandboxTicket, *, text: str, author_id: int, status: str
) -> ChannelComment:
    """Submit the agent's public comment and status, as Zendesk does, then send the comment as a channelback; it
    keeps TrustDesk's external_id, or why it did not go out (Zendesk marks such a comment as failed)."""
    channel = ChannelTicket.objects.filter(ticket=ticket).select_related("account").first()
    if channel is None:
        raise DeskError("This ticket did not come from a channel: a reply has nowhere to go.")
    if status not in REPLY_STATUSES:
        raise DeskError(f"{status!r} is not a status a reply can set.")
    values = {"comment": {"body": text, "author_id": author_id, "public": True}, "status": status}
    try:
        change = tickets.ticket_update(
            zendesk, ticket_id=ticket.zendesk_id, body={"ticket": values}, api_user=zendesk.api_user
        )
    except ApiError as exc:
        raise DeskError(api_error_text(exc)) from None
    if change.comment is None:
        raise DeskError("The reply made no comment.")
    reply = ChannelComment.objects.create(comment=change.comment, is_reply=True)
    parent = (
        ChannelComment.objects.filter(comment__ticket=ticket, comment__public=True, is_reply=False)
        .exclude(external_id="")
        .order_by("-comment_id")
        .first()
    )
    try:
        with integration_for(zendesk) as integration:
            reply.external_id = integration.channelback(
                metadata=channel.account.metadata,
                message=text,
                parent_id=parent.external_id if parent else channel.thread_id,
                thread_id=channel.thread_id,
                recipient_id=channel.recipient_id,
            )
    except FAILURES as exc:
        reply.channelback_error = failure_text(exc)
        reply.save(update_fields=["channelback_error"])
        raise DeskError(f"The reply was not sent. {reply.channelback_error}") from None
    reply.save(update_fields=["external_id"])
    return reply


def api_error_text(exc: ApiError) -> str:
    details = exc.body.get("details")
    if isinstance(details, dict):
        problems = [d.get("description", "") for items in details.values() for d in items if isinstance(d, dict)]
        if problems:
            return "; ".join(problems)
    return str(exc.body.get("description") or exc.body.get("error") or exc)
