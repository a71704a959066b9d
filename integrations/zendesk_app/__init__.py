"""The private Zendesk app (a requirements-only installer) that points Zendesk at TrustDesk's manifest.

`build.app_package_build` makes the zip; `validate.app_package_problems` checks any zip offline against the
rules Zendesk's app validator (zendesk_apps_support) applies, since Zendesk's own validation needs its API.
"""
