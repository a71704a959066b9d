"""The metadata Zendesk stores for a channel instance: an HMAC-signed reference, never a token.

Zendesk shows metadata to its admins and sends it back on every pull, channelback and instance event
(reference §2, §11 "Metadata size"). TrustDesk puts only the instance's id in it, signed with
SECRET_KEY (django.core.signing), so forged or altered metadata is refused and no secret leaks.
"""

from __future__ import annotations

from django.core import signing

from integrations.models import ChannelInstance

SALT = "trustdesk.zendesk.channel-metadata"


class InvalidMetadata(Exception):
    """Missing, forged or unknown metadata: the caller is not a channel instance TrustDesk knows."""


def metadata_for(instance: ChannelInstance) -> str:
    return signing.dumps({"instance": instance.pk}, salt=SALT, compress=True)


def instance_id_from(metadata: str) -> int:
    if not metadata:
        raise InvalidMetadata("metadata is missing")
    try:
        value = signing.loads(metadata, salt=SALT)
    except signing.BadSignature:
        raise InvalidMetadata("metadata is not signed by this TrustDesk") from None
    instance_id = value.get("instance") if isinstance(value, dict) else None
    if not isinstance(instance_id, int):
        raise InvalidMetadata("metadata names no channel instance")
    return instance_id


def instance_from(metadata: str) -> ChannelInstance:
    instance_id = instance_id_from(metadata)
    try:
        return ChannelInstance.objects.select_related("zendesk_account", "trustpilot_account").get(pk=instance_id)
    except ChannelInstance.DoesNotExist:
        raise InvalidMetadata("metadata names a channel instance TrustDesk does not know") from None
