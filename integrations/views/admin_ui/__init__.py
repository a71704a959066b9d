"""The account page Zendesk shows in an iframe (admin_ui, docs/zendesk.md §2), its Trustpilot sign-in, and About.

POST admin_ui → connect step (or, on edit with a working Trustpilot account, the domains step) →
Trustpilot sign-in in a window of its own (connect, callback), which hands its grant back to the setup
page that opened it → POST claim → domains step → finish page, which posts name, metadata and state to
Zendesk's return_url. See services/sign_in.py for why a grant must be claimed.
"""
