"""Whether a company reply read from Trustpilot was written there, or is TrustDesk's own in another form.

Trustpilot may read a reply back with markup, escaped characters or other whitespace, and for a few
minutes from a cache that still shows the reply before (docs/trustpilot.md §5.5). How it
does either is [UNCONFIRMED]; the two guesses live here: reply_words and SENT_WITHIN.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from reviews.trustpilot.types import CompanyReply

# An HTML tag: a letter after "<", so "<3" or "a < b" in a reply stay text.
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
# How far Trustpilot's time for a reply may lie from TrustDesk's sent_at (the post, clocks apart).
SENT_WITHIN = timedelta(minutes=5)


@dataclass(frozen=True)
class SentReply:
    """A reply TrustDesk sent (or may have: an attempt whose outcome is unknown has no sent_at)."""

    message: str
    sent_at: datetime | None


def reply_words(text: str) -> str:
    """The reply's text without markup, entities or differences of whitespace: what two copies share."""
    return " ".join(html.unescape(TAG.sub(" ", text)).split())


def written_on_trustpilot(seen: CompanyReply, *, sent: Sequence[SentReply], author_id: str | None) -> bool:
    """Whether the reply is a new one written in Trustpilot Business, which agents must be told about.

    Not when it has the words of a reply TrustDesk sent, or is by TrustDesk's business user at the time
    TrustDesk sent one, or is older than TrustDesk's latest reply (a cached copy, not a reply written since).
    """
    words = reply_words(seen.text)
    if any(reply_words(reply.message) == words for reply in sent):
        return False
    when = seen.changed_at
    sent_times = [reply.sent_at for reply in sent if reply.sent_at is not None]
    if when is None or not sent_times:
        return True
    by_us = author_id is not None and seen.author_business_user_id == author_id
    if by_us and any(abs(when - sent_at) <= SENT_WITHIN for sent_at in sent_times):
        return False
    return when >= max(sent_times) - SENT_WITHIN
