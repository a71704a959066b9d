""" "Sync unanswered reviews…" for a channel instance: each of its domains, once it is active."""

from __future__ import annotations

from integrations.models import ChannelInstance
from reviews.admin_sync import SyncAdminMixin
from reviews.models import Domain


class InstanceSyncAdminMixin(SyncAdminMixin):
    def sync_domains(self, obj: ChannelInstance) -> tuple[list[Domain], str]:
        if obj.status != ChannelInstance.Status.ACTIVE:
            # Backfills deliver only to active instances: this one would receive nothing.
            return [], f"it is {obj.get_status_display().lower()}"
        domains = list(obj.domains.select_related("account").order_by("name"))
        return domains, "" if domains else "it has no domains"
