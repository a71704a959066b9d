"""Stand-ins for Trustpilot and Zendesk, for development and tests only.

Installed and routed only when TRUSTDESK_SANDBOX is on (trustdesk/settings.py, trustdesk/urls.py), so a
production database never gets their tables. Nothing in trustdesk/, reviews/ or integrations/ imports this
package (the import-linter contracts in pyproject.toml).
"""
