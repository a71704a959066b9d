"""Zendesk's event callbacks (docs/zendesk.md §7): one handler per type_id, and the types left alone on purpose.

Every event is stored first, whatever its type or fate. A handler reads the event's `data`, calls
services and returns its verdict, kept on the stored event. Event callbacks are not signed, so an
event naming no Zendesk subdomain is refused, an instance event is acted on only when its metadata is
TrustDesk's own (integrations.metadata), an uninstall only when Zendesk's API confirms it (or a support
manager does), a purge only for a reviewer the account was sent, and a ticket id never replaces another.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from integrations.metadata import InvalidMetadata, StaleMetadata, instance_from
from integrations.models import ChannelEvent, ChannelInstance, ZendeskAccount
from integrations.services.access import app_uninstall_checkable, app_uninstall_doubt
from integrations.services.disconnect import instance_disconnect, zendesk_account_disconnect
from integrations.services.event_effects import (
    ResourceEvent,
    event_conclude,
    event_record,
    instance_activate,
    instance_deactivate,
    reviewer_delivered,
    reviewer_personal_data_purge,
    subdomain_valid,
    ticket_links_resolve,
    zendesk_account_install,
    zendesk_account_uninstall_report,
)

logger = logging.getLogger(__name__)

# Events sent to no account's address: how many are stored in any hour, and for how long.
UNADDRESSED_EVENTS_PER_HOUR = 1000
UNADDRESSED_EVENTS_KEPT_FOR = timedelta(days=30)
REVIEWER_PREFIX = "tp-consumer-"  # protocol.author()
RESOURCE_TYPES = frozenset(
    {
        "comment_on_new_ticket",
        "comment_on_existing_ticket",
        "comment_on_follow_up_ticket",
        "external_id_associated_with_channelback",
    }
)


Outcome = ChannelEvent.Outcome
UNINSTALL_REPORTED = (
    "TrustDesk has no Zendesk API token and installation id to check this unsigned uninstall with, so nothing "
    "was disconnected: a support manager can confirm it on the admin dashboard"
)


class Malformed(Exception):
    """The event lacks what its type needs: stored, not acted on."""


class Refused(Exception):
    """Nothing proves the event comes from Zendesk for what it names: stored, nothing changed."""


@dataclass(frozen=True)
class Verdict:
    """What TrustDesk made of one event: the outcome, why (unless simply acted on), a note for the admin."""

    outcome: str
    reason: str = ""
    note: str = ""


def acted_on(note: str = "") -> Verdict:
    return Verdict(Outcome.ACTED_ON, note=note)


def not_acted_on(reason: str) -> Verdict:
    return Verdict(Outcome.NOT_ACTED_ON, reason, note=f"not acted on: {reason}")


Handler = Callable[[ChannelEvent, Mapping[str, Any]], Verdict]


def create_integration(event: ChannelEvent, data: Mapping[str, Any]) -> Verdict:
    zendesk_account_install(subdomain=event.subdomain)
    return acted_on()


def destroy_integration(event: ChannelEvent, data: Mapping[str, Any]) -> Verdict:
    account = ZendeskAccount.objects.filter(subdomain=event.subdomain).first()
    if account is None:
        return not_acted_on("TrustDesk knows no Zendesk account with this subdomain; nothing to disconnect")
    if not app_uninstall_checkable(account=account):
        problem = zendesk_account_uninstall_report(account=account)
        if problem:
            return not_acted_on(problem)
        logger.warning("destroy_integration for %s recorded as a report: %s", account.subdomain, UNINSTALL_REPORTED)
        return Verdict(Outcome.UNINSTALL_REPORTED, UNINSTALL_REPORTED, note=UNINSTALL_REPORTED)
    doubt = app_uninstall_doubt(account=account)
    if doubt:
        logger.warning("destroy_integration for %s not acted on: %s", account.subdomain, doubt)
        return Verdict(Outcome.NOT_ACTED_ON, doubt, note=doubt)
    zendesk_account_disconnect(account=account, by=_by(event))
    return acted_on()


def activate_integration_instance(event: ChannelEvent, data: Mapping[str, Any]) -> Verdict:
    problem = instance_activate(instance=_instance(event, data))
    return Verdict(Outcome.NOT_ACTED_ON, problem, note=problem) if problem else acted_on()


def deactivate_integration_instance(event: ChannelEvent, data: Mapping[str, Any]) -> Verdict:
    note = instance_deactivate(instance=_instance(event, data))
    reason = _text(data, "deactivating_error")
    deactivated = f"deactivated by {_text(data, 'deactivated_by') or 'Zendesk'}" + (f": {reason}" if reason else "")
    return acted_on("; ".join(part for part in (deactivated, note) if part))


def destroy_integration_instance(event: ChannelEvent, data: Mapping[str, Any]) -> Verdict:
    instance_disconnect(instance=_instance(event, data), by=_by(event))
    return acted_on()


def destroy_user_identity(event: ChannelEvent, data: Mapping[str, Any]) -> Verdict:
    if "metadata" in data:
        _own_metadata(event, data)
    author = data.get("author")
    external_id = _text(author, "external_id") if isinstance(author, Mapping) else ""
    if not external_id:
        raise Malformed("data.author.external_id is missing")
    if not external_id.startswith(REVIEWER_PREFIX) or external_id == REVIEWER_PREFIX:
        raise Refused(f"{external_id} is not a Trustpilot reviewer sent by TrustDesk; nothing was purged")
    reviewer_id = external_id.removeprefix(REVIEWER_PREFIX)
    # Unsigned: without this, anyone naming a subdomain could erase any reviewer's data.
    if not reviewer_delivered(subdomain=event.subdomain, reviewer_id=reviewer_id):
        raise Refused(
            f"TrustDesk never delivered a review of {external_id} to this Zendesk account; nothing was purged"
        )
    purged = reviewer_personal_data_purge(subdomain=event.subdomain, reviewer_id=reviewer_id)
    return acted_on(f"personal data of {external_id} removed from {purged} review(s)")


def resources_created_from_external_ids(event: ChannelEvent, data: Mapping[str, Any]) -> Verdict:
    items = data.get("resource_events")
    if not isinstance(items, list):
        raise Malformed("data.resource_events must be a list")
    resources, skipped = [], []
    for index, item in enumerate(items):
        resource = _resource(item)
        if resource is None:
            skipped.append(str(index))
        else:
            resources.append(resource)
    resolved = ticket_links_resolve(subdomain=event.subdomain, resources=resources)
    notes = list(resolved.conflicts)
    if resolved.unknown:
        notes.append("external ids TrustDesk did not send: " + ", ".join(resolved.unknown))
    if skipped:
        notes.append("unreadable resource events (by index): " + ", ".join(skipped))
    note = "; ".join(notes)
    if resolved.conflicts:
        return Verdict(Outcome.CONFLICT, "; ".join(resolved.conflicts), note=note)
    if len(resolved.unknown) == len(items):
        return Verdict(Outcome.NOT_ACTED_ON, note, note=note)
    return acted_on(note)


def store_only(event: ChannelEvent, data: Mapping[str, Any]) -> Verdict:
    """A report on a pull or channelback: its `error`, already stored, is what the admin needs."""
    return acted_on()


HANDLERS: dict[str, Handler] = {
    "create_integration": create_integration,
    "destroy_integration": destroy_integration,
    "create_integration_instance": activate_integration_instance,
    "activate_integration_instance": activate_integration_instance,
    "deactivate_integration_instance": deactivate_integration_instance,
    "destroy_integration_instance": destroy_integration_instance,
    "destroy_user_identity": destroy_user_identity,
    "pull_request": store_only,
    "channelback": store_only,
    "resources_created_from_external_ids": resources_created_from_external_ids,
}
# Every type_id in Zendesk's schema (event_callback_base.json) has a handler above; a type listed here
# would be stored and logged without any effect.
IGNORED: frozenset[str] = frozenset()


def events_receive(*, payloads: list[Any], account: ZendeskAccount | None, refusal: str = "") -> list[ChannelEvent]:
    """Store and handle each event, keeping its verdict on it; one event's problem never stops the others.

    `account`: the Zendesk account whose app address the events came to; None refuses them all, for `refusal`.
    """
    events = []
    for payload in payloads:
        event = event_record(payload=payload, account=account)
        verdict = _verdict(event, payload, account=account, refusal=refusal)
        event_conclude(event=event, outcome=verdict.outcome, reason=verdict.reason, note=verdict.note)
        events.append(event)
    return events


def unaddressed_events_storable(count: int) -> bool:
    """Whether `count` more events sent to no account's address may be stored for the admin to see.

    An app built before the app address keeps sending a real customer's events there, and those are kept;
    but anyone may send such batches, so at most UNADDRESSED_EVENTS_PER_HOUR are stored in any hour.
    """
    recent = ChannelEvent.objects.filter(
        zendesk_account__isnull=True, received_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    return recent + count <= UNADDRESSED_EVENTS_PER_HOUR


def unaddressed_events_prune(*, kept_for: timedelta = UNADDRESSED_EVENTS_KEPT_FOR) -> int:
    """Forget refused events that came to no account's address, once older than `kept_for`."""
    old = ChannelEvent.objects.filter(zendesk_account__isnull=True, received_at__lt=timezone.now() - kept_for)
    return old.delete()[0]


def _verdict(event: ChannelEvent, payload: Any, *, account: ZendeskAccount | None, refusal: str) -> Verdict:
    try:
        return _dispatch(event, payload, account=account, refusal=refusal)
    except StaleMetadata as exc:
        if exc.still_disconnected:
            # Zendesk's copy from before a disconnect TrustDesk made (or a destroy delivered again):
            # nothing of a disconnected instance can change, so there is nothing to refuse either.
            return not_acted_on(f"{exc}, and it still is")
        return _refused(exc)
    except (InvalidMetadata, Refused) as exc:
        return _refused(exc)
    except Malformed as exc:
        return not_acted_on(str(exc))
    except Exception:
        logger.exception("Handling Zendesk event %s (%s) failed", event.pk, event.type_id)
        reason = "handling failed unexpectedly (see TrustDesk's log); nothing may have changed"
        return Verdict(Outcome.FAILED, reason, note=reason)


def _refused(exc: Exception) -> Verdict:
    logger.warning("Zendesk event refused: %s", exc)
    return Verdict(Outcome.REFUSED, str(exc), note=f"refused, nothing was changed: {exc}")


def _dispatch(event: ChannelEvent, payload: Any, *, account: ZendeskAccount | None, refusal: str) -> Verdict:
    if account is None:
        raise Refused(refusal or "the event came to no Zendesk account's address")
    if not isinstance(payload, Mapping):
        raise Malformed("an event must be a JSON object")
    if not event.type_id:
        raise Malformed("type_id is missing")
    subdomain = payload.get("subdomain")
    if not subdomain_valid(subdomain):
        raise Refused(f"subdomain {str(subdomain)[:80]!r} is not a Zendesk subdomain")
    if str(subdomain).lower() != account.subdomain:
        raise Refused(
            f"subdomain {subdomain!r} is not {account.subdomain}, the Zendesk account this address belongs to"
        )
    handler = HANDLERS.get(event.type_id)
    if handler is None:
        level = logging.INFO if event.type_id in IGNORED else logging.WARNING
        logger.log(level, "Zendesk event %s of type %r stored without handling", event.pk, event.type_id)
        return not_acted_on(f"TrustDesk does not handle events of type {event.type_id!r}")
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise Malformed("data must be an object")
    return handler(event, data)


def _instance(event: ChannelEvent, data: Mapping[str, Any]) -> ChannelInstance:
    """The instance the event's metadata names, which must be of the account whose address the event came to."""
    try:
        instance = instance_from(_text(data, "metadata"))
    except StaleMetadata as exc:
        _of_event_account(event, exc.instance)
        raise
    return _of_event_account(event, instance)


def _of_event_account(event: ChannelEvent, instance: ChannelInstance) -> ChannelInstance:
    if instance.zendesk_account_id != event.zendesk_account_id:
        raise Refused("the metadata is of an instance of another Zendesk account than this address's")
    return instance


def _own_metadata(event: ChannelEvent, data: Mapping[str, Any]) -> None:
    """Optional, but when sent it must be TrustDesk's own; from before a disconnect will do, since a
    privacy request is honoured whatever became of the instance (and needs no metadata at all)."""
    with contextlib.suppress(StaleMetadata):
        _instance(event, data)


def _by(event: ChannelEvent) -> str:
    return f"Zendesk {event.subdomain} ({event.type_id})"


def _resource(item: Any) -> ResourceEvent | None:
    if not isinstance(item, Mapping) or item.get("type_id") not in RESOURCE_TYPES:
        return None
    ticket_id = _number(item.get("follow_up_ticket_id")) or _number(item.get("ticket_id"))
    external_id = _text(item, "external_id")
    if ticket_id is None or not external_id:
        return None
    return ResourceEvent(external_id=external_id, ticket_id=ticket_id, comment_id=_number(item.get("comment_id")))


def _number(value: Any) -> int | None:
    """A Zendesk id: JSON numbers may arrive as floats; anything else, or out of a bigint's range, is none."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if value == int(value) and 0 < value < 2**63 else None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""
