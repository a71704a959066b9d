"""Reading Trustpilot's JSON into typed objects, tolerating what real answers vary in
(docs/trustpilot.md §2.3, §4.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import responses

from reviews.trustpilot import parsing
from reviews.trustpilot.parsing import ParseError, parse_datetime, parse_review, parse_token_set
from tests.fixtures import load_fixture
from tests.reviews.trustpilot_support import BUSINESS_UNIT_ID, REVIEWS_URL, TOKEN, add_fixture, make_client

NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


def fixture_review(index: int) -> dict:
    return load_fixture("trustpilot", "private_reviews_page_synthetic.json")["reviews"][index]


# --- Timestamps ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2013-09-07T13:37:00", datetime(2013, 9, 7, 13, 37, tzinfo=UTC)),
        ("2013-09-07T13:37:00Z", datetime(2013, 9, 7, 13, 37, tzinfo=UTC)),
        ("2013-09-07T13:37:00z", datetime(2013, 9, 7, 13, 37, tzinfo=UTC)),
        ("2013-09-07T09:34:44.000Z", datetime(2013, 9, 7, 9, 34, 44, tzinfo=UTC)),
        ("2013-09-07T09:34:44.250Z", datetime(2013, 9, 7, 9, 34, 44, 250000, tzinfo=UTC)),
        ("2013-09-07T15:37:00+02:00", datetime(2013, 9, 7, 13, 37, tzinfo=UTC)),
        ("2013-09-07T15:37:00.000+02:00", datetime(2013, 9, 7, 13, 37, tzinfo=UTC)),
        ("2013-09-07T08:37:00-05:00", datetime(2013, 9, 7, 13, 37, tzinfo=UTC)),
        ("2013-09-08T00:37:00+11:00", datetime(2013, 9, 7, 13, 37, tzinfo=UTC)),
        (" 2013-09-07T13:37:00Z ", datetime(2013, 9, 7, 13, 37, tzinfo=UTC)),
        ("2013-09-07", datetime(2013, 9, 7, tzinfo=UTC)),
    ],
)
def test_timestamps_with_or_without_zone_become_aware_utc(text, expected):
    parsed = parse_datetime(text)

    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("empty", [None, ""])
def test_an_empty_timestamp_is_none(empty):
    assert parse_datetime(empty) is None


@pytest.mark.parametrize("bad", ["yesterday", "07/09/2013 13:37", "2013-13-45T99:00:00", 1378561020, ["2013-09-07"]])
def test_an_unreadable_timestamp_raises_parse_error(bad):
    with pytest.raises(ParseError):
        parse_datetime(bad)


def test_window_bounds_are_sent_in_utc_without_zone_or_fraction():
    local = datetime(2026, 3, 29, 3, 15, 59, 500000, tzinfo=timezone(timedelta(hours=2)))

    assert parsing.format_datetime(local) == "2026-03-29T01:15:59"


# --- Reviews --------------------------------------------------------------------------------------------


@responses.activate
def test_a_page_with_broken_reviews_keeps_the_good_ones_and_lists_why_the_others_were_skipped():
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_with_broken_items_synthetic.json")

    page = make_client().review_page(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID, per_page=20)

    assert [review.id for review in page.reviews] == ["651ea0114c1d8b0012a3b501", "651ea0774c1d8b0012a3b507"]
    assert page.skipped == [
        "missing id",
        "review 651ea0334c1d8b0012a3b503: stars should be 1 to 5, got 0",
        "review 651ea0444c1d8b0012a3b504: stars should be 1 to 5, got '5'",
        "unreadable date-time 'yesterday at noon'",
        "consumer should be an object, got str",
    ]
    assert page.item_count == 7
    assert page.reviews[1].created_at == datetime(2026, 11, 3, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id": ""}, "missing id"),
        ({"id": 12345}, "missing id"),
        ({"stars": 6}, "stars should be 1 to 5, got 6"),
        ({"stars": True}, "stars should be 1 to 5, got True"),
        ({"stars": 4.0}, "stars should be 1 to 5, got 4.0"),
        ({"stars": None}, "stars should be 1 to 5, got None"),
        ({"createdAt": None}, "missing createdAt"),
        ({"updatedAt": "not a date"}, "unreadable date-time 'not a date'"),
        ({"companyReply": "Thanks!"}, "companyReply should be an object, got str"),
        ({"businessUnit": ["x"]}, "businessUnit should be an object, got list"),
        ({"title": {"en": "Hi"}}, "title should be text, got dict"),
    ],
)
def test_a_review_with_a_broken_field_raises_parse_error_naming_it(changes, reason):
    with pytest.raises(ParseError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_review({**fixture_review(0), **changes})


@pytest.mark.parametrize("item", [None, "651e9a2f4c1d8b0012a3b4c5", ["id"], 5])
def test_an_item_that_is_not_an_object_raises_parse_error(item):
    with pytest.raises(ParseError, match="a review should be an object"):
        parse_review(item)


def test_unknown_extra_fields_are_ignored_and_kept_in_raw():
    data = {**fixture_review(0), "sentimentScore": 0.12, "aiSummary": {"text": "…"}, "experimentalFlag": True}

    review = parse_review(data)

    assert review == parse_review(fixture_review(0))
    assert review.raw["sentimentScore"] == 0.12


def test_a_review_without_optional_fields_parses_to_empty_values():
    review = parse_review(load_fixture("trustpilot", "review_minimal_synthetic.json"))

    assert review.id == "651ea1884c1d8b0012a3b618"
    assert review.stars == 3
    assert review.title == ""
    assert review.text == "OK."
    assert review.business_unit_id == ""
    assert review.consumer_id == ""
    assert review.consumer_name == ""
    assert review.reference_id == ""
    assert review.referral_email == ""
    assert review.updated_at is None
    assert review.company_reply is None
    assert review.is_verified is False


def test_a_company_reply_with_empty_text_counts_as_no_reply():
    review = parse_review({**fixture_review(0), "companyReply": {"text": "", "createdAt": "2026-11-03T10:00:00Z"}})

    assert review.company_reply is None


def test_a_company_reply_changed_at_is_its_update_or_else_its_creation():
    answered = parse_review(fixture_review(1))
    edited_reply = load_fixture("trustpilot", "review_synthetic.json")

    assert answered.company_reply is not None
    assert answered.company_reply.changed_at == datetime(2026, 10, 29, 7, 45, tzinfo=UTC)
    assert parse_review(edited_reply).company_reply.changed_at == datetime(2026, 10, 29, 9, 15, tzinfo=UTC)


def test_a_consumer_without_display_name_falls_back_to_name():
    review = parse_review({**fixture_review(0), "consumer": {"id": "c1", "name": "Ana Luísa"}})

    assert review.consumer_name == "Ana Luísa"


def test_a_numeric_reference_id_is_read_as_text():
    assert parse_review({**fixture_review(0), "referenceId": 104293}).reference_id == "104293"


def test_an_id_with_surrounding_spaces_is_trimmed():
    assert parse_review({**fixture_review(0), "id": " 651e9a2f4c1d8b0012a3b4c5\n"}).id == "651e9a2f4c1d8b0012a3b4c5"


def test_a_long_language_tag_is_cut_to_16_characters():
    assert parse_review({**fixture_review(0), "language": "x-some-very-long-language-tag"}).language == (
        "x-some-very-long"
    )


def test_is_verified_is_true_only_for_a_json_true():
    assert parse_review({**fixture_review(0), "isVerified": "true"}).is_verified is False
    assert parse_review({**fixture_review(0), "isVerified": True}).is_verified is True


def test_non_ascii_text_is_kept_exactly_as_sent():
    french, danish = parse_review(fixture_review(0)), parse_review(fixture_review(1))

    assert french.title == "Colis abîmé, service client réactif 📦"
    assert french.text == "Le carton était écrasé à l'arrivée. Très déçu… mais le remboursement a été rapide 👍"
    assert french.consumer_name == "Marie-Hélène Lefèvre"
    assert danish.title == "Hurtig levering til Århus"
    assert danish.consumer_name == "Jørgen Sørensen"
    assert danish.company_reply is not None
    assert danish.company_reply.text == "Tusind tak, Jørgen! Vi glæder os til at se dig igen."


def test_html_and_script_tags_are_kept_as_sent_for_the_renderer_to_escape():
    review = parse_review(fixture_review(2))

    assert review.title == "<b>Never again</b> <script>alert('xss')</script>"
    assert review.text == (
        'Ordered on the 3rd, still waiting. <a href="https://evil.example">click</a> & "quotes" stay as sent.'
    )
    assert review.consumer_name == "Sam O'Neill"


# --- Tokens, users and units ------------------------------------------------------------------------------


def test_token_numbers_sent_as_strings_become_expiry_times():
    tokens = parse_token_set(load_fixture("trustpilot", "token_response_synthetic.json"), now=NOW)

    assert tokens.access_expires_at == NOW + timedelta(seconds=360000)
    assert tokens.refresh_expires_at == NOW + timedelta(seconds=7776000)


def test_a_token_answer_without_refresh_token_expires_in_leaves_the_refresh_expiry_unknown():
    tokens = parse_token_set(load_fixture("trustpilot", "token_response_documented_synthetic.json"), now=NOW)

    assert tokens.access_expires_at == NOW + timedelta(seconds=359999)
    assert tokens.refresh_expires_at is None


def test_a_token_answer_without_refresh_token_gives_an_empty_one():
    data = load_fixture("trustpilot", "token_response_synthetic.json")
    del data["refresh_token"]

    assert parse_token_set(data, now=NOW).refresh_token == ""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("access_token=tpa-x", "not an object"),
        ({"refresh_token": "tpr-x", "expires_in": "360000"}, "no access_token"),
        ({"access_token": "", "expires_in": "360000"}, "no access_token"),
        ({"access_token": "tpa-x", "expires_in": "100 hours"}, "expires_in should be a number of seconds"),
        (
            {"access_token": "tpa-x", "expires_in": "360000", "refresh_token_expires_in": "90d"},
            "refresh_token_expires_in should be a number of seconds",
        ),
    ],
)
def test_a_malformed_token_answer_raises_parse_error(data, reason):
    with pytest.raises(ParseError, match=reason):
        parse_token_set(data, now=NOW)


def test_a_business_user_is_read_from_me():
    user = parsing.parse_business_user(load_fixture("trustpilot", "me_synthetic.json"))

    assert (user.id, user.name, user.email) == ("5f3c2a1b9d8e7f6a5b4c3d2e", "Søren Østergaard", "soren@shop.example")


def test_a_business_unit_uses_its_identifying_name_and_display_name():
    unit = parsing.parse_business_unit(load_fixture("trustpilot", "business_unit_synthetic.json"))

    assert (unit.id, unit.name, unit.display_name) == (BUSINESS_UNIT_ID, "shop.example", "Shop Example")


def test_a_business_unit_without_id_raises_parse_error():
    data = load_fixture("trustpilot", "business_unit_synthetic.json")
    del data["id"]

    with pytest.raises(ParseError, match="missing id"):
        parsing.parse_business_unit(data)


def test_a_token_answer_without_expires_in_is_taken_to_last_the_documented_100_hours():
    now = datetime(2026, 1, 1, tzinfo=UTC)

    tokens = parse_token_set({"access_token": "tpa-x", "refresh_token": "tpr-x"}, now=now)

    assert tokens.access_expires_at == now + timedelta(hours=100)
