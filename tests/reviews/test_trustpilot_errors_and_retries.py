"""How Trustpilot's failures become TrustDesk's errors, and when the client tries again
(docs/trustpilot.md §6.2, §5.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime as http_date

import pytest
import requests
import responses

from reviews.trustpilot import errors
from reviews.trustpilot.client import error_for
from tests.fixtures import fixture_text
from tests.reviews.trustpilot_support import (
    BUSINESS_UNIT_ID,
    BUSINESS_USER_ID,
    REPLY_URL,
    REVIEW_ID,
    REVIEW_URL,
    REVIEWS_URL,
    TOKEN,
    RecordingBudget,
    add_fixture,
    make_client,
)
from trustdesk.http import retry_after_seconds


def get_review(client):
    return client.get_review(access_token=TOKEN, review_id=REVIEW_ID)


def post_reply(client):
    return client.post_reply(
        access_token=TOKEN, review_id=REVIEW_ID, message="Thank you!", author_business_user_id=BUSINESS_USER_ID
    )


def answer(status: int, *, body: str = "", headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers.update(headers or {})
    return response


# --- Status → error (one function, docs/trustpilot.md §6.2) --------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.BadRequest),
        (401, errors.AuthError),
        (403, errors.AuthError),
        (404, errors.NotFound),
        (409, errors.BadRequest),
        (422, errors.BadRequest),
        (429, errors.RateLimited),
        (500, errors.Unavailable),
        (502, errors.Unavailable),
        (503, errors.Unavailable),
        (504, errors.Unavailable),
    ],
)
@responses.activate
def test_each_error_status_raises_its_error_class_with_the_status(status, error_class):
    add_fixture("GET", REVIEW_URL, "error_malformed_synthetic.json", status=status)

    with pytest.raises(error_class) as caught:
        get_review(make_client(max_attempts=1))

    assert type(caught.value) is error_class
    assert caught.value.status == status
    assert caught.value.message == "The request was malformed"


@pytest.mark.parametrize("status", [200, 201, 204, 302])
def test_a_status_below_400_is_not_an_error(status):
    assert error_for(answer(status)) is None


@pytest.mark.parametrize("status", [400, 422])
@responses.activate
def test_bad_request_carries_trustpilots_message_and_error_code(status):
    add_fixture("POST", REPLY_URL, "error_malformed_synthetic.json", status=status)

    with pytest.raises(errors.BadRequest) as caught:
        post_reply(make_client())

    assert caught.value.status == status
    assert caught.value.message == "The request was malformed"
    assert caught.value.error_code == 1001
    assert str(caught.value) == "The request was malformed"


def test_an_error_code_that_is_not_a_number_is_left_out():
    error = error_for(answer(400, body='{"message": "Bad", "errorCode": "1001"}'))

    assert isinstance(error, errors.BadRequest)
    assert error.error_code is None


@responses.activate
def test_a_cloudfront_html_403_page_maps_to_auth_error_with_a_plain_message():
    # Trustpilot's edge answers a request without `apikey` with an HTML page (python-trustpilot #27).
    add_fixture("GET", REVIEW_URL, "error_cloudfront_403_synthetic.html", status=403)

    with pytest.raises(errors.AuthError) as caught:
        get_review(make_client())

    assert caught.value.status == 403
    assert caught.value.message == "HTTP 403 from Trustpilot"


@responses.activate
def test_an_html_502_page_maps_to_unavailable_with_a_plain_message():
    add_fixture("GET", REVIEW_URL, "error_gateway_502_synthetic.html", status=502)

    with pytest.raises(errors.Unavailable) as caught:
        get_review(make_client(max_attempts=1))

    assert caught.value.status == 502
    assert caught.value.message == "HTTP 502 from Trustpilot"


@pytest.mark.parametrize("body", ["", "[1, 2]", '"just a string"', "{not json"])
def test_an_error_body_that_is_not_a_json_object_gives_the_status_as_message(body):
    error = error_for(answer(400, body=body))

    assert isinstance(error, errors.BadRequest)
    assert error.message == "HTTP 400 from Trustpilot"
    assert error.error_code is None


def test_a_429_carries_retry_after_in_seconds():
    error = error_for(answer(429, headers={"Retry-After": "7"}))

    assert isinstance(error, errors.RateLimited)
    assert error.retry_after == 7.0


def test_a_429_without_retry_after_has_none():
    error = error_for(answer(429))

    assert isinstance(error, errors.RateLimited)
    assert error.retry_after is None


def test_an_outcome_unknown_is_a_kind_of_unavailable():
    assert issubclass(errors.OutcomeUnknown, errors.Unavailable)
    assert set(errors.RETRYABLE) == {errors.RateLimited, errors.Unavailable}


# --- Retry-After ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "seconds"), [("2", 2.0), ("0", 0.0), ("1.5", 1.5), ("-3", 0.0)])
def test_retry_after_in_seconds(value, seconds):
    assert retry_after_seconds(answer(429, headers={"Retry-After": value})) == seconds


def test_retry_after_as_an_http_date_counts_seconds_from_now():
    when = datetime.now(UTC) + timedelta(seconds=20)

    seconds = retry_after_seconds(answer(429, headers={"Retry-After": http_date(when, usegmt=True)}))

    assert seconds is not None
    assert 17 <= seconds <= 20


def test_retry_after_as_a_past_http_date_is_zero():
    assert retry_after_seconds(answer(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0


@pytest.mark.parametrize("value", ["", "soon", "Someday, 99 Foo 2015"])
def test_an_unreadable_retry_after_is_ignored(value):
    assert retry_after_seconds(answer(429, headers={"Retry-After": value})) is None


def test_retry_after_as_a_date_with_an_unknown_zone_does_not_crash():
    seconds = retry_after_seconds(answer(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 -0000"}))

    assert seconds in (0.0, None)


# --- Retries ------------------------------------------------------------------------------------------


@responses.activate
def test_a_503_then_200_succeeds_after_one_backoff_sleep():
    responses.get(REVIEW_URL, status=503)
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    review = get_review(client)

    assert review.id == REVIEW_ID
    assert client.calls == 2
    assert len(delays) == 1
    assert 0.5 <= delays[0] <= 1.0  # first backoff: 1 s with jitter


@responses.activate
def test_backoff_without_retry_after_grows_and_is_capped_by_max_backoff():
    responses.get(REVIEW_URL, status=500)
    delays: list[float] = []
    client = make_client(sleep=delays.append, max_attempts=6, max_backoff=5.0)

    with pytest.raises(errors.Unavailable):
        get_review(client)

    assert client.calls == 6
    assert len(delays) == 5
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(5.0, 2.0 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling


@responses.activate
def test_a_429_with_retry_after_2_sleeps_exactly_2_seconds():
    responses.get(REVIEW_URL, status=429, headers={"Retry-After": "2"})
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    review = get_review(client)

    assert review.id == REVIEW_ID
    assert delays == [2.0]
    assert client.calls == 2


@responses.activate
def test_a_503_with_retry_after_sleeps_that_long():
    responses.get(REVIEW_URL, status=503, headers={"Retry-After": "4"})
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    delays: list[float] = []

    get_review(make_client(sleep=delays.append))

    assert delays == [4.0]


@responses.activate
def test_a_retry_after_longer_than_max_backoff_raises_at_once_without_sleeping():
    responses.get(REVIEW_URL, status=429, headers={"Retry-After": "120"})
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    delays: list[float] = []
    client = make_client(sleep=delays.append, max_backoff=30.0)

    with pytest.raises(errors.RateLimited) as caught:
        get_review(client)

    assert caught.value.retry_after == 120.0
    assert client.calls == 1
    assert delays == []


@responses.activate
def test_attempts_stop_at_max_attempts_and_the_last_error_is_raised():
    responses.get(REVIEW_URL, status=502, json={"message": "first"})
    responses.get(REVIEW_URL, status=503, json={"message": "second"})
    responses.get(REVIEW_URL, status=500, json={"message": "third"})
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    delays: list[float] = []
    client = make_client(sleep=delays.append, max_attempts=3)

    with pytest.raises(errors.Unavailable) as caught:
        get_review(client)

    assert (caught.value.status, caught.value.message) == (500, "third")
    assert client.calls == 3
    assert len(responses.calls) == 3
    assert len(delays) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
@responses.activate
def test_a_client_error_is_never_retried(status):
    responses.get(REVIEW_URL, status=status)
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    with pytest.raises(errors.TrustpilotError):
        get_review(client)

    assert client.calls == 1
    assert delays == []


@responses.activate
def test_a_reply_post_answered_503_is_not_retried():
    responses.post(REPLY_URL, status=503)
    responses.post(REPLY_URL, status=201)
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    with pytest.raises(errors.Unavailable) as caught:
        post_reply(client)

    assert caught.value.status == 503
    assert not isinstance(caught.value, errors.OutcomeUnknown)
    assert client.calls == 1
    assert len(responses.calls) == 1
    assert delays == []


@responses.activate
def test_a_reply_post_answered_429_is_retried_because_trustpilot_did_not_process_it():
    responses.post(REPLY_URL, status=429, headers={"Retry-After": "1"})
    responses.post(REPLY_URL, status=201)
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    post_reply(client)

    assert client.calls == 2
    assert delays == [1.0]
    assert responses.calls[0].request.body == responses.calls[1].request.body


@responses.activate
def test_a_connection_error_raises_unavailable_and_is_retried_for_a_read():
    responses.get(REVIEW_URL, body=requests.exceptions.ConnectionError("Name or service not known"))
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    client = make_client()

    review = get_review(client)

    assert review.id == REVIEW_ID
    assert client.calls == 2


@responses.activate
def test_a_persistent_connection_error_raises_unavailable():
    responses.get(REVIEW_URL, body=requests.exceptions.ConnectionError("Connection refused"))
    client = make_client(max_attempts=2)

    with pytest.raises(errors.Unavailable, match="cannot reach Trustpilot") as caught:
        get_review(client)

    assert caught.value.status is None
    assert client.calls == 2


@pytest.mark.parametrize("call", [get_review, post_reply])
@responses.activate
def test_a_connect_timeout_raises_unavailable(call):
    responses.get(REVIEW_URL, body=requests.exceptions.ConnectTimeout("connect timed out"))
    responses.post(REPLY_URL, body=requests.exceptions.ConnectTimeout("connect timed out"))

    with pytest.raises(errors.Unavailable, match="cannot connect to Trustpilot") as caught:
        call(make_client(max_attempts=1))

    assert not isinstance(caught.value, errors.OutcomeUnknown)


@responses.activate
def test_a_read_timeout_on_a_get_raises_unavailable_and_is_retried():
    responses.get(REVIEW_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    review = get_review(client)

    assert review.id == REVIEW_ID
    assert client.calls == 2
    assert len(delays) == 1


@responses.activate
def test_a_persistent_read_timeout_on_a_get_raises_unavailable_naming_the_timeout():
    responses.get(REVIEW_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    client = make_client(max_attempts=2, timeout=2.5)

    with pytest.raises(errors.Unavailable, match=r"did not answer within 2\.5s") as caught:
        get_review(client)

    assert not isinstance(caught.value, errors.OutcomeUnknown)
    assert client.calls == 2


@responses.activate
def test_a_read_timeout_on_a_reply_post_has_an_unknown_outcome_and_is_not_retried():
    responses.post(REPLY_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    responses.post(REPLY_URL, status=201)
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    with pytest.raises(errors.OutcomeUnknown):
        post_reply(client)

    assert client.calls == 1
    assert len(responses.calls) == 1
    assert delays == []


@responses.activate
def test_a_connection_dropped_while_reading_the_answer_raises_unavailable():
    responses.get(REVIEW_URL, body=requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead"))

    with pytest.raises(errors.Unavailable):
        get_review(make_client(max_attempts=1))


# --- Calls and the shared budget -------------------------------------------------------------------------


@responses.activate
def test_client_calls_counts_every_http_attempt_across_methods():
    responses.get(REVIEW_URL, status=503)
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    responses.post(REPLY_URL, status=201)
    client = make_client()

    get_review(client)
    post_reply(client)

    assert client.calls == 3


@responses.activate
def test_the_budget_is_drawn_once_per_attempt():
    responses.get(REVIEW_URL, status=503)
    responses.get(REVIEW_URL, status=429, headers={"Retry-After": "0"})
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    budget = RecordingBudget()
    client = make_client(budget=budget)

    get_review(client)

    assert budget.acquired == 3
    assert client.calls == 3


@responses.activate
def test_a_spent_budget_waits_its_retry_after_then_calls_trustpilot():
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")
    budget = RecordingBudget(refusals=1, retry_after=1.0)
    delays: list[float] = []
    client = make_client(budget=budget, sleep=delays.append)

    review = get_review(client)

    assert review.id == REVIEW_ID
    assert delays == [1.0]
    assert budget.acquired == 2
    assert client.calls == 1  # the refused attempt never reached Trustpilot
    assert len(responses.calls) == 1


@responses.activate
def test_a_spent_budget_also_retries_a_reply_post():
    responses.post(REPLY_URL, status=201)
    budget = RecordingBudget(refusals=1, retry_after=1.0)
    delays: list[float] = []
    client = make_client(budget=budget, sleep=delays.append)

    post_reply(client)

    assert delays == [1.0]
    assert len(responses.calls) == 1


@responses.activate
def test_a_budget_that_stays_spent_raises_rate_limited_without_calling_trustpilot():
    budget = RecordingBudget(refusals=10, retry_after=1.0)
    client = make_client(budget=budget, max_attempts=3)

    with pytest.raises(errors.RateLimited):
        get_review(client)

    assert budget.acquired == 3
    assert client.calls == 0
    assert len(responses.calls) == 0


# --- Unreadable successful answers ------------------------------------------------------------------------


@responses.activate
def test_a_truncated_review_list_raises_unavailable_with_a_clear_message():
    body = fixture_text("trustpilot", "private_reviews_page_synthetic.json")
    responses.get(REVIEWS_URL, body=body[: len(body) // 2], content_type="application/json")

    with pytest.raises(errors.Unavailable) as caught:
        make_client().review_page(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID)

    assert caught.value.message == "Trustpilot sent an unreadable answer (HTTP 200)"
    assert caught.value.status == 200


@responses.activate
def test_a_review_list_without_a_reviews_array_raises_unavailable():
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_without_reviews_synthetic.json")

    with pytest.raises(errors.Unavailable, match="no reviews array"):
        make_client().review_page(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID)


@pytest.mark.parametrize("body", ['{"reviews": null}', '{"reviews": {"0": {}}}', "[]", "null"])
@responses.activate
def test_a_review_list_of_the_wrong_shape_raises_unavailable(body):
    responses.get(REVIEWS_URL, body=body, content_type="application/json")

    with pytest.raises(errors.Unavailable, match="unexpected shape"):
        make_client().review_page(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID)


@responses.activate
def test_an_unreadable_answer_is_not_retried():
    responses.get(REVIEWS_URL, body="<html>maintenance</html>", content_type="text/html")
    client = make_client()

    with pytest.raises(errors.Unavailable):
        client.review_page(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID)

    assert client.calls == 1
