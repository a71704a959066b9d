from django.apps import AppConfig


class TrustDeskConfig(AppConfig):
    name = "trustdesk"
    verbose_name = "TrustDesk"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from trustdesk import (
            checks,  # noqa: F401  (registers the system checks)
            pg_arrays,
        )

        connection_created.connect(pg_arrays.register, dispatch_uid="trustdesk.pg_arrays")
