"""Switches for the ways Trustpilot's API may answer [UNCONFIRMED]: a unit refused with 403, reformatted replies."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from sandbox.control import control_headers
from sandbox.trustpilot import faults
from sandbox.trustpilot.models import Review
from tests.sandbox import factories
from tests.sandbox.helpers import FAULTS_URL, review_url, reviews_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["id", "identifying_name"])
def test_forbidden_unit_refuses_that_units_review_list_only(api, demo, name):
    refused, other = demo.units[0], demo.units[1]

    response = Client().post(
        FAULTS_URL,
        {"forbidden_unit": getattr(refused, name)},
        content_type="application/json",
        headers=control_headers(),
    )

    assert response.status_code == 200
    assert response.json()["forbidden_unit"] == getattr(refused, name)
    assert api.get(reviews_url(refused.id)).status_code == 403
    assert api.get(reviews_url(refused.id)).json()["errorCode"] == 1005
    assert api.get(reviews_url(other.id)).status_code == 200


def test_forbidden_unit_must_be_a_string(sandbox_on):
    response = Client().post(
        FAULTS_URL, {"forbidden_unit": 5}, content_type="application/json", headers=control_headers()
    )

    assert response.status_code == 400


def test_reformat_replies_reads_the_reply_back_with_markup_but_the_same_words(api, unit):
    review = factories.ReviewFactory(
        business_unit=unit, reply_text="Thanks & sorry!\nWe called you.\n\nBest", reply_created_at=timezone.now()
    )
    faults.faults_set(reformat_replies=True)

    listed = api.get(reviews_url(unit.id)).json()["reviews"][0]["companyReply"]["text"]
    single = api.get(review_url(review.id)).json()["companyReply"]["text"]

    assert listed == single == " <p>Thanks &amp; sorry!<br />\r\nWe called you.  </p>\r\n<p>Best  </p>\n"
    assert Review.objects.get(pk=review.pk).reply_text == "Thanks & sorry!\nWe called you.\n\nBest"
