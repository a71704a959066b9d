from django.apps import AppConfig


class ZendeskAgentConfig(AppConfig):
    name = "sandbox.zendesk.agent"
    label = "zendesk_sandbox_agent"
    verbose_name = "Zendesk sandbox: agent view"
