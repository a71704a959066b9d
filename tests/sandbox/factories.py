"""factory_boy factories for the sandbox's models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
from django.contrib.auth.hashers import make_password

from sandbox.trustpilot.models import BusinessUnit, BusinessUser, Review

EPOCH = datetime(2024, 1, 31, 13, 37, tzinfo=UTC)


class BusinessUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUser

    name = factory.Sequence(lambda n: f"Business user {n}")
    email = factory.Sequence(lambda n: f"user{n}@business.example")
    password = factory.LazyFunction(lambda: make_password("secret-password"))


class BusinessUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        skip_postgeneration_save = True

    identifying_name = factory.Sequence(lambda n: f"unit{n}.example")
    display_name = factory.Sequence(lambda n: f"Unit {n}")
    website_url = factory.LazyAttribute(lambda unit: f"https://{unit.identifying_name}")

    @factory.post_generation
    def users(self, create: bool, extracted: list[BusinessUser] | None, **kwargs: object) -> None:
        if create and extracted:
            self.users.add(*extracted)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    business_unit = factory.SubFactory(BusinessUnitFactory)
    stars = 4
    title = factory.Sequence(lambda n: f"Review {n}")
    text = "Fast delivery."
    language = "en"
    consumer_name = factory.Sequence(lambda n: f"Consumer {n}")
    created_at = factory.Sequence(lambda n: EPOCH + timedelta(minutes=n))
