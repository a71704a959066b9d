from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox.trustpilot"
    label = "trustpilot_sandbox"
    verbose_name = "Trustpilot sandbox"
