"""A fake of the parts of Zendesk's REST API that TrustDesk's admin calls, served under /sandbox/zendesk/."""
