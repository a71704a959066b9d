"""What disconnecting an account or a channel instance will remove and what it keeps, read before it runs.

The admin's confirmation page lists these; after the disconnect, the same plan says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet

from integrations.models import AccessRestriction, ChannelInstance, ReviewTicketLink, ZendeskAccount
from integrations.services.disconnect import IN_USE
from reviews.models import Domain, Reply, Review, SyncRun, TrustpilotAccount
from reviews.services.runs import ACTIVE


@dataclass
class DisconnectPlan:
    obj: Model
    trustpilot_accounts: list[TrustpilotAccount] = field(default_factory=list)
    trustpilot_accounts_kept: list[str] = field(default_factory=list)
    instances: list[ChannelInstance] = field(default_factory=list)
    api_token: bool = False
    restrictions: bool = False
    domains: list[str] = field(default_factory=list)
    backfills: int = 0
    reviews: int = 0
    replies: int = 0
    links: int = 0

    @property
    def nothing_to_do(self) -> bool:
        return not (self.trustpilot_accounts or self.instances or self.api_token or self.restrictions or self.backfills)

    @property
    def removed(self) -> list[str]:
        lines = [f"Trustpilot account {a}: tokens revoked at Trustpilot and deleted" for a in self.trustpilot_accounts]
        if self.instances:
            names = ", ".join(str(instance) for instance in self.instances)
            lines.append(
                f"{_count(len(self.instances), 'channel instance')} marked disconnected, push tokens deleted "
                f"({names}); Zendesk's next pull gets metadata_needs_update"
            )
        if self.api_token:
            lines.append("Zendesk API token deleted")
        if self.restrictions:
            lines.append("Access restrictions (allowed roles and groups) deleted")
        if self.domains:
            lines.append(f"Polling stopped for {_count(len(self.domains), 'domain')}: {', '.join(self.domains)}")
        if self.backfills:
            lines.append(f"{_count(self.backfills, 'queued or running sync')} of unanswered reviews cancelled")
        return lines

    @property
    def kept(self) -> list[str]:
        lines = [
            f"{_count(self.reviews, 'review')}, {_count(self.replies, 'reply', 'replies')}, "
            f"{_count(self.links, 'review-ticket link')} are kept"
        ]
        return lines + self.trustpilot_accounts_kept


def disconnect_plan(obj: Model) -> DisconnectPlan:
    if isinstance(obj, TrustpilotAccount):
        return _trustpilot_account_plan(obj)
    if isinstance(obj, ZendeskAccount):
        instances = ChannelInstance.objects.filter(zendesk_account=obj)
        plan = _instances_plan(obj, instances)
        plan.api_token = obj.api_token is not None
        plan.restrictions = AccessRestriction.objects.filter(zendesk_account=obj).exists()
        return plan
    if isinstance(obj, ChannelInstance):
        return _instances_plan(obj, ChannelInstance.objects.filter(pk=obj.pk))
    raise TypeError(f"{type(obj).__name__} cannot be disconnected")


def _trustpilot_account_plan(account: TrustpilotAccount) -> DisconnectPlan:
    plan = DisconnectPlan(obj=account)
    plan.instances = _to_disconnect(ChannelInstance.objects.filter(trustpilot_account=account))
    _add_account(plan, account)
    _count_kept(plan, reviews=Q(domain__account=account), links=Q(review__domain__account=account))
    return plan


def _instances_plan(obj: Model, instances: QuerySet[ChannelInstance]) -> DisconnectPlan:
    plan = DisconnectPlan(obj=obj)
    plan.instances = _to_disconnect(instances)
    leaving = {instance.pk for instance in instances}
    for account in TrustpilotAccount.objects.filter(instances__in=instances).distinct():
        others = ChannelInstance.objects.filter(trustpilot_account=account, status__in=IN_USE).exclude(pk__in=leaving)
        if others.exists():
            used_by = _count(others.count(), "other channel instance")
            plan.trustpilot_accounts_kept.append(f"Trustpilot account {account} stays connected: used by {used_by}")
        else:
            _add_account(plan, account)
    domains = Domain.objects.filter(instances__in=instances)
    _count_kept(plan, reviews=Q(domain__in=domains), links=Q(instance__in=instances))
    return plan


def _to_disconnect(instances: QuerySet[ChannelInstance]) -> list[ChannelInstance]:
    return list(
        instances.filter(Q(status__in=IN_USE) | Q(push_token__isnull=False) | ~Q(instance_push_id=""))
        .select_related("zendesk_account")
        .order_by("pk")
    )


def _add_account(plan: DisconnectPlan, account: TrustpilotAccount) -> None:
    if account.status != TrustpilotAccount.Status.DISCONNECTED or account.has_tokens:
        plan.trustpilot_accounts.append(account)
        plan.domains += list(
            Domain.objects.filter(account=account, enabled=True).order_by("name").values_list("name", flat=True)
        )
    plan.backfills += SyncRun.objects.filter(
        domain__account=account, kind=SyncRun.Kind.BACKFILL, status__in=ACTIVE
    ).count()


def _count_kept(plan: DisconnectPlan, *, reviews: Q, links: Q) -> None:
    review_ids = Review.objects.filter(reviews).values("pk")
    plan.reviews = Review.objects.filter(pk__in=review_ids).count()
    plan.replies = Reply.objects.filter(review__in=review_ids).count()
    plan.links = ReviewTicketLink.objects.filter(links).count()


def _count(number: int, singular: str, plural: str = "") -> str:
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"


@dataclass(frozen=True)
class DisconnectOutcome:
    summary: str
    problems: list[str]


def disconnect_outcome(plan: DisconnectPlan) -> DisconnectOutcome:
    """What the disconnect that followed `plan` did, read back from the database."""
    parts, problems = [], []
    unrevoked = []
    for account in TrustpilotAccount.objects.filter(pk__in=[a.pk for a in plan.trustpilot_accounts]):
        if account.status_reason:
            unrevoked.append(account)
            problems.append(f"Trustpilot account {account}: {account.status_reason}")
    revoked = len(plan.trustpilot_accounts) - len(unrevoked)
    if revoked:
        parts.append("tokens revoked" if revoked == 1 else f"tokens of {revoked} Trustpilot accounts revoked")
    if unrevoked:
        parts.append(f"tokens deleted without Trustpilot confirming the revocation ({len(unrevoked)})")
    if plan.instances:
        parts.append(f"{_count(len(plan.instances), 'instance')} disconnected")
    if plan.api_token:
        parts.append("API token deleted")
    if plan.restrictions:
        parts.append("restrictions deleted")
    if plan.backfills:
        parts.append(f"{_count(plan.backfills, 'sync')} cancelled")
    return DisconnectOutcome(summary=f"Disconnected: {', '.join(parts) or 'nothing left to remove'}", problems=problems)
