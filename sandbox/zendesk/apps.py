from django.apps import AppConfig


class ZendeskSandboxConfig(AppConfig):
    name = "sandbox.zendesk"
    label = "zendesk_sandbox"
    verbose_name = "Zendesk sandbox"
