"""Template access to who may fetch the Zendesk app, for the admin's user links."""

from __future__ import annotations

from django import template

from trustdesk.permissions import User, can_download_zendesk_app

register = template.Library()


@register.filter
def may_download_zendesk_app(user: User) -> bool:
    return can_download_zendesk_app(user)
