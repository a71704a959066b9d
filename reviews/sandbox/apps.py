from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "reviews.sandbox"
    label = "trustpilot_sandbox"
    verbose_name = "Trustpilot sandbox"
