"""The Zendesk sandbox's agent view, at /sandbox/zendesk/<subdomain>/agent/: an account's tickets in the browser.

It does what Zendesk does for a channel: add an account under TrustDesk's channel through admin_ui, pull its
resources into tickets and report them, and send an agent's reply to TrustDesk as a channelback, so that
`make run` shows a review become a ticket and the reply land on the Trustpilot sandbox's review page.
"""
