"""any_channel/push as the sandbox serves it: schema-checked bodies, push-token auth, results in the input's order,
resources filed as a pull's are, faults, and the record of when each push arrived."""

from __future__ import annotations

import json
from base64 import b64encode
from typing import Any

import jsonschema
import pytest
from django.test import Client

from sandbox.control import control_headers
from sandbox.zendesk import faults
from sandbox.zendesk.agent.models import ChannelAccount, ChannelComment, ChannelTicket
from sandbox.zendesk.models import SandboxPush, SandboxTicket, SandboxZendesk
from sandbox.zendesk.push_tokens import push_token_issue
from sandbox.zendesk.seed import zendesk_sandbox_seed
from tests.zendesk_schemas import needs_schemas, validate

pytestmark = pytest.mark.django_db

PATH = "/sandbox/zendesk/acme/api/v2/any_channel/push"
REFUSED = {"error": "Couldn't authenticate you"}


@pytest.fixture
def acme(settings) -> SandboxZendesk:
    settings.TRUSTDESK_SANDBOX = True
    zendesk_sandbox_seed(subdomain="acme")
    return SandboxZendesk.objects.get(subdomain="acme")


@pytest.fixture
def token(acme) -> str:
    return push_token_issue("acme", "push-1")


def resource(external_id: str, **fields: Any) -> dict[str, Any]:
    values = {"external_id": external_id, "message": f"Text of {external_id}", "created_at": "2026-11-30T10:00:00Z",
              "author": {"external_id": "tp-consumer-1", "name": "Robin Reviewer"}}  # fmt: skip
    values.update(fields)
    return values


def body(*resources: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"instance_push_id": "push-1", "request_id": "td-1", "external_resources": list(resources), **fields}


def push(payload: Any, token: str | None, *, path: str = PATH) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return Client().post(path, data, content_type="application/json", headers=headers)


def codes(answer) -> list[tuple[str, str]]:
    return [(r["external_resource_id"], r["status"]["code"]) for r in answer.json()["results"]]


def test_a_valid_push_answers_200_with_one_result_per_resource_and_files_them_as_a_pull_would(acme, token):
    payload = body(
        resource("tp-review-1", thread_id="tp-thread-1", fields=[{"id": "subject", "value": "Late parcel"}]),
        resource("tp-note-1", thread_id="tp-thread-1", internal_note=True),
        resource("tp-review-2", thread_id="tp-thread-2"),
    )
    validate("push_parameters.json", payload)

    answer = push(payload, token)

    assert answer.status_code == 200
    assert codes(answer) == [("tp-review-1", "success"), ("tp-note-1", "success"), ("tp-review-2", "success")]
    first = ChannelTicket.objects.get(thread_id="tp-thread-1").ticket
    assert first.subject == "Late parcel"
    assert [(c.body, c.public) for c in first.comments.order_by("id")] == [
        ("Text of tp-review-1", True),
        ("Text of tp-note-1", False),
    ]
    assert ChannelTicket.objects.count() == 2
    assert ChannelAccount.objects.get().tickets.count() == 2  # the instance's channel account


def test_the_json_suffix_works_too_and_an_external_id_is_imported_once(acme, token):
    first = push(body(resource("tp-review-1", thread_id="tp-thread-1")), token, path=f"{PATH}.json")
    again = push(body(resource("tp-review-1", thread_id="tp-thread-1")), token)

    assert codes(first) == [("tp-review-1", "success")]
    assert codes(again) == [("tp-review-1", "already_imported")]
    assert ChannelComment.objects.filter(external_id="tp-review-1").count() == 1


def test_an_unknown_parent_fails_and_halts_the_rest_which_a_later_push_delivers(acme, token):
    payload = body(
        resource("tp-review-1", thread_id="tp-thread-1"),
        resource("tp-reply-1", parent_id="tp-unknown"),
        resource("tp-review-2", thread_id="tp-thread-2"),
    )

    answer = push(payload, token)
    later = push(body(resource("tp-reply-1", parent_id="tp-review-1"), resource("tp-review-2")), token)

    assert answer.status_code == 200
    assert answer.json()["results"][1] == {
        "external_resource_id": "tp-reply-1",
        "status": {"code": "could_not_locate_parent_external_resource", "description": "tp-unknown"},
    }
    assert codes(answer) == [
        ("tp-review-1", "success"),
        ("tp-reply-1", "could_not_locate_parent_external_resource"),
        ("tp-review-2", "halted"),
    ]
    assert codes(later) == [("tp-reply-1", "success"), ("tp-review-2", "success")]
    parent_ticket = ChannelTicket.objects.get(thread_id="tp-thread-1").ticket
    assert parent_ticket.comments.filter(channel__external_id="tp-reply-1").exists()


@pytest.mark.parametrize(
    ("authorization", "instance_push_id"),
    [
        pytest.param(None, "push-1", id="no Authorization"),
        pytest.param("Bearer ", "push-1", id="empty Bearer"),
        pytest.param("Bearer not-a-token", "push-1", id="unknown token"),
        pytest.param("token", "push-other", id="another instance's push id"),
        pytest.param("globex", "push-1", id="a token of another subdomain"),
        pytest.param("basic", "push-1", id="the API token instead"),
        pytest.param("Token {token}", "push-1", id="not a Bearer scheme"),
    ],
)
def test_anything_but_the_instances_push_token_is_refused_with_401_and_nothing_is_filed(
    acme, token, authorization, instance_push_id
):
    zendesk_sandbox_seed(subdomain="globex")
    other = push_token_issue("globex", "push-1")
    headers = {
        None: {},
        "token": {"Authorization": f"Bearer {token}"},
        "globex": {"Authorization": f"Bearer {other}"},
        "basic": {"Authorization": "Basic " + b64encode(f"{acme.api_user}/token:{acme.api_token}".encode()).decode()},
        "Token {token}": {"Authorization": f"Token {token}"},
    }.get(authorization, {"Authorization": authorization or ""})  # fmt: skip
    payload = {**body(resource("tp-review-1")), "instance_push_id": instance_push_id}

    answer = Client().post(PATH, json.dumps(payload), content_type="application/json", headers=headers)

    assert answer.status_code == 401
    assert answer.json() == REFUSED
    assert not SandboxTicket.objects.exists() and not SandboxPush.objects.exists()


INVALID = [
    pytest.param({"instance_push_id": "push-1"}, id="no external_resources"),
    pytest.param(body(resource("r")) | {"external_resources": {"a": 1}}, id="external_resources not an array"),
    pytest.param(body(*[resource(f"r{i}") for i in range(257)]), id="257 resources"),
    pytest.param(body(resource("r") | {"message": ""}), id="empty message"),
    pytest.param(body({k: v for k, v in resource("r").items() if k != "author"}), id="no author"),
    pytest.param(body(resource("r", author={"name": "Robin"})), id="author without external_id"),
    pytest.param(body(resource("r", created_at="30/11/2026")), id="created_at not a date-time"),
    pytest.param(body(resource("r", created_at="2026-11-30T10:00:00")), id="created_at without offset"),
    pytest.param(body(resource(" r")), id="external_id with leading space"),
    pytest.param(body(resource("r\u00e9")), id="external_id not ASCII"),
    pytest.param(body(resource("r", thread_id="t" * 256)), id="thread_id too long"),
    pytest.param(body(resource("r", internal_note="yes")), id="internal_note not a boolean"),
    pytest.param(body(resource("r", display_info=[{"type": "x", "data": "{}"}])), id="display_info data a string"),
    pytest.param(body(resource("r", fields=[{"id": True, "value": 1}])), id="field id a boolean"),
    pytest.param(body(resource("r", file_urls=["http://example.com/a.png"])), id="file_url not https"),
    pytest.param(body(resource("r"), request_id="x" * 65), id="request_id too long"),
]


@pytest.mark.parametrize("payload", INVALID)
def test_a_body_the_schema_refuses_is_400_and_files_nothing(acme, token, payload):
    answer = push(payload, token)

    assert answer.status_code == 400
    assert answer.json()["error"] == "BadRequest"
    assert answer.json()["description"]
    assert not SandboxTicket.objects.exists()
    assert SandboxPush.objects.get().status == 400


@pytest.mark.parametrize("payload", [b"{not json", b"", json.dumps(["push-1"])], ids=["not JSON", "empty", "array"])
def test_a_body_without_an_instance_push_id_has_no_token_to_match_and_is_401(acme, token, payload):
    answer = push(payload, token)

    assert answer.status_code == 401
    assert answer.json() == REFUSED


# jsonschema checks the "date-time" format only with rfc3339-validator installed, which is not a dependency.
FORMAT_UNCHECKED = ("created_at not a date-time", "created_at without offset")


@needs_schemas
@pytest.mark.parametrize("payload", [p for p in INVALID if p.id not in FORMAT_UNCHECKED])
def test_zendesks_schema_refuses_those_bodies_too(payload):
    with pytest.raises(jsonschema.ValidationError):
        validate("push_parameters.json", payload)


def test_where_the_docs_are_stricter_than_the_schema_the_docs_hold(acme, token):
    eleven = body(resource("r", file_urls=[f"https://example.com/{i}.png" for i in range(11)]))
    validate("push_parameters.json", eleven)

    assert push(eleven, token).status_code == 400


def test_the_422_variant_answers_record_invalid(acme, token):
    switched = Client().post(
        "/sandbox/zendesk/acme/_control/push_invalid", {"status": 422}, content_type="application/json",
        headers=control_headers(),
    )  # fmt: skip
    answer = push(body(resource("r", created_at="yesterday")), token)

    assert switched.json()["push_invalid_status"] == 422
    assert answer.status_code == 422
    assert answer.json()["error"] == "RecordInvalid"
    assert "created_at" in answer.json()["details"]["external_resources"][0]["description"]


def test_injected_faults_apply_to_push_before_anything_is_filed(acme, token):
    faults.faults_fail_next(acme, status=429, count=1, retry_after=7)

    limited = push(body(resource("tp-review-1")), token)
    served = push(body(resource("tp-review-1")), token)

    assert limited.status_code == 429 and limited["Retry-After"] == "7"
    assert limited.json()["error"] == "APIRateLimitExceeded"
    assert codes(served) == [("tp-review-1", "success")]


def test_other_methods_are_zendesks_invalid_endpoint(acme, token):
    answer = Client().get(PATH, headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 404
    assert answer.json()["error"] == "InvalidEndpoint"


def test_an_oversized_body_is_refused_with_a_4xx(acme, token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    answer = push(body(resource("r", message="x" * 20_000)), token)

    assert 400 <= answer.status_code < 500
    assert not SandboxTicket.objects.exists()


def test_each_push_is_recorded_with_when_it_arrived_and_its_results(acme, token):
    push(body(resource("tp-review-1")), token)

    listed = Client().get("/sandbox/zendesk/acme/_control/pushes", headers=control_headers()).json()

    (entry,) = listed["pushes"]
    assert entry["instance_push_id"] == "push-1" and entry["request_id"] == "td-1" and entry["status"] == 200
    assert entry["results"] == [{"external_resource_id": "tp-review-1", "status": {"code": "success"}}]
    assert entry["received_at"].startswith("20")
