from django.apps import AppConfig


class TrustDeskConfig(AppConfig):
    name = "trustdesk"
    verbose_name = "TrustDesk"

    def ready(self) -> None:
        from trustdesk import checks  # noqa: F401  (registers the system checks)
