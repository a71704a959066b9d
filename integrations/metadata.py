"""The metadata Zendesk stores for a channel instance: an HMAC-signed reference, never a token.

Zendesk shows metadata to its admins and sends it back on every pull, channelback and instance event
(docs/zendesk.md §2.3). TrustDesk puts only the instance's id and its metadata version in
it, signed with SECRET_KEY (django.core.signing), so forged or altered metadata is refused and no secret
leaks. Disconnecting an instance raises its version (services.disconnect): every copy handed out
before, by Zendesk or kept by anyone who saw it, then reaches nothing, even once the instance is back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from django.core import signing
from django.db.models import QuerySet

from integrations.models import ChannelInstance

SALT = "trustdesk.zendesk.channel-metadata"
# Metadata signed before versions existed ({"instance": id}) is version 1, so installed accounts keep working.
FIRST_VERSION = 1


class InvalidMetadata(Exception):
    """Missing, forged or unknown metadata: the caller is not a channel instance TrustDesk knows."""


class StaleMetadata(InvalidMetadata):
    """TrustDesk's own metadata for a known instance, but not at the instance's version: from before its last
    disconnect (or, after a database restore, from after it)."""

    def __init__(self, instance: ChannelInstance, *, version: int) -> None:
        since = "the instance was disconnected since"
        if version > instance.metadata_version:  # only a database restored from an older backup does this
            since = "it is newer than the instance's"
        super().__init__(f"metadata of channel instance {instance.pk} is out of date: {since}")
        self.instance = instance

    @property
    def still_disconnected(self) -> bool:
        """The instance has not come back since: the copy names it, and it serves nothing anyone could reach."""
        return self.instance.status == ChannelInstance.Status.DISCONNECTED


@dataclass(frozen=True)
class Signed:
    instance_id: int
    version: int


def metadata_for(instance: ChannelInstance) -> str:
    value = {"instance": instance.pk, "version": instance.metadata_version}
    return signing.dumps(value, salt=SALT, compress=True)


def signed_from(metadata: str) -> Signed:
    """What TrustDesk signed into the metadata; nothing is looked up."""
    if not metadata:
        raise InvalidMetadata("metadata is missing")
    try:
        value = signing.loads(metadata, salt=SALT)
    except signing.BadSignature:
        raise InvalidMetadata("metadata is not signed by this TrustDesk") from None
    if not isinstance(value, dict):
        raise InvalidMetadata("metadata names no channel instance")
    instance_id, version = value.get("instance"), value.get("version", FIRST_VERSION)
    if not _whole(instance_id):
        raise InvalidMetadata("metadata names no channel instance")
    if not _whole(version) or version < FIRST_VERSION:
        raise InvalidMetadata("metadata carries no valid version")
    return Signed(instance_id=instance_id, version=version)


def instance_id_from(metadata: str) -> int:
    return signed_from(metadata).instance_id


def instance_from(metadata: str, *, queryset: QuerySet[ChannelInstance] | None = None) -> ChannelInstance:
    """The instance the metadata names, only at the instance's current version (pull, channelback, events);
    read through `queryset` when the caller wants other columns with it."""
    signed = signed_from(metadata)
    instance = _instance(signed, queryset)
    if signed.version != instance.metadata_version:
        raise StaleMetadata(instance, version=signed.version)
    return instance


def instance_for_setup(metadata: str, *, subdomain: str) -> ChannelInstance:
    """The instance whose account page Zendesk opens in this Zendesk account (admin_ui).

    Metadata from before a disconnect still opens a disconnected instance: its admin is led to a fresh
    Trustpilot sign-in, and reconnecting hands Zendesk metadata at the current version. Once the instance
    is back (active or deactivated), older copies open nothing.
    """
    signed = signed_from(metadata)
    instance = _instance(signed)
    if instance.zendesk_account.subdomain.lower() != subdomain.lower():
        raise InvalidMetadata("metadata names a channel instance of another Zendesk account")
    if signed.version == instance.metadata_version:
        return instance
    if signed.version < instance.metadata_version and instance.status == ChannelInstance.Status.DISCONNECTED:
        return instance
    raise StaleMetadata(instance, version=signed.version)


def _instance(signed: Signed, queryset: QuerySet[ChannelInstance] | None = None) -> ChannelInstance:
    if queryset is None:
        queryset = ChannelInstance.objects.select_related("zendesk_account", "trustpilot_account")
    try:
        return queryset.get(pk=signed.instance_id)
    except ChannelInstance.DoesNotExist:
        raise InvalidMetadata("metadata names a channel instance TrustDesk does not know") from None


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
