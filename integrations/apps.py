from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Zendesk"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from integrations.services import (
            outbox,  # noqa: F401  (connects the page_stored receiver)
            reply_failures,  # noqa: F401  (connects the reply_failed receiver)
            review_status_notes,  # noqa: F401  (connects the review_status_changed receiver)
        )
        from trustdesk.permissions import support_managers_group_ensure

        # Sent once per app; this app comes after reviews, so both apps' permissions exist by then.
        post_migrate.connect(support_managers_group_ensure, sender=self, dispatch_uid="support_managers_group")
