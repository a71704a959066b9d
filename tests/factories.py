"""factory_boy factories for every model."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from integrations.models import AccessRestriction, ChannelEvent, ChannelInstance, ReviewTicketLink, ZendeskAccount
from reviews.models import Domain, Reply, Review, SyncRun, TrustpilotAccount
from trustdesk.permissions import SUPPORT_MANAGERS


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")
    is_staff = True

    @factory.post_generation
    def support_manager(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=SUPPORT_MANAGERS))


class TrustpilotAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrustpilotAccount

    business_user_id = factory.Sequence(lambda n: f"{n:024x}")
    name = factory.Sequence(lambda n: f"Business user {n}")
    email = factory.Sequence(lambda n: f"owner{n}@shop.example")
    access_token = factory.Sequence(lambda n: f"tpa-access-token-{n:06d}")
    refresh_token = factory.Sequence(lambda n: f"tpr-refresh-token-{n:06d}")
    access_token_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=100))
    refresh_token_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    connected_by = "admin@acme.zendesk.com"
    connected_at = factory.LazyFunction(timezone.now)


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    business_unit_id = factory.Sequence(lambda n: f"b{n:023x}")
    name = factory.Sequence(lambda n: f"shop{n}.example")
    display_name = factory.Sequence(lambda n: f"Shop {n}")
    account = factory.SubFactory(TrustpilotAccountFactory)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    trustpilot_id = factory.Sequence(lambda n: f"r{n:023x}")
    domain = factory.SubFactory(DomainFactory)
    stars = 4
    title = factory.Sequence(lambda n: f"Review title {n}")
    text = "Quick delivery, friendly support."
    language = "en"
    reviewer_id = factory.Sequence(lambda n: f"c{n:023x}")
    reviewer_name = factory.Sequence(lambda n: f"Reviewer {n}")
    reviewer_email = factory.Sequence(lambda n: f"reviewer{n}@mail.example")
    created_at_trustpilot = factory.LazyFunction(timezone.now)
    raw = factory.LazyAttribute(lambda r: {"id": r.trustpilot_id, "stars": r.stars, "title": r.title})


class ReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reply

    review = factory.SubFactory(ReviewFactory)
    message = "Thank you for your review!"
    zendesk_request_id = factory.Sequence(lambda n: f"zd-request-{n}")


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    domain = factory.SubFactory(DomainFactory)
    kind = SyncRun.Kind.BACKFILL
    period_start = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    period_end = factory.LazyFunction(timezone.now)


class ZendeskAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ZendeskAccount

    subdomain = factory.Sequence(lambda n: f"acme{n}")
    api_user = factory.Sequence(lambda n: f"agent{n}@acme.example")
    api_token = factory.Sequence(lambda n: f"zendesk-api-token-{n:06d}")
    zendesk_roles = factory.LazyFunction(
        lambda: [
            {"id": 360001, "name": "Team lead"},
            {"id": 360002, "name": "Review responder"},
            {"id": 360003, "name": "Agent"},
        ]
    )
    zendesk_groups = factory.LazyFunction(lambda: [{"id": 7, "name": "Tier 2"}, {"id": 8, "name": "Reviews team"}])


class ChannelInstanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelInstance

    zendesk_account = factory.SubFactory(ZendeskAccountFactory)
    name = factory.Sequence(lambda n: f"Trustpilot {n}")
    instance_push_id = factory.Sequence(lambda n: f"push-{n}")
    push_token = factory.Sequence(lambda n: f"zendesk-push-token-{n:06d}")
    trustpilot_account = factory.SubFactory(TrustpilotAccountFactory)


class ReviewTicketLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewTicketLink

    instance = factory.SubFactory(ChannelInstanceFactory)
    review = factory.SubFactory(ReviewFactory)
    kind = ReviewTicketLink.Kind.REVIEW
    external_id = factory.LazyAttribute(lambda link: f"tp-review-{link.review.trustpilot_id}")


class AccessRestrictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessRestriction

    zendesk_account = factory.SubFactory(ZendeskAccountFactory)
    role_restriction_enabled = True
    allowed_roles = factory.LazyFunction(lambda: [{"id": 360001, "name": "Team lead"}])


class ChannelEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelEvent

    subdomain = "acme"
    type_id = "pull_request"
    payload = factory.LazyFunction(lambda: {"type_id": "pull_request", "error": "Timed out"})
    error = "Timed out"
