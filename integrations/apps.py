from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Zendesk"

    def ready(self) -> None:
        from integrations.services import outbox  # noqa: F401  (connects the page_stored receiver)
