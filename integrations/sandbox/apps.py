from django.apps import AppConfig


class ZendeskSandboxConfig(AppConfig):
    name = "integrations.sandbox"
    label = "zendesk_sandbox"
    verbose_name = "Zendesk sandbox"
