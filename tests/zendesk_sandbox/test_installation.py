"""TrustDesk's app installation: read, restrictions round trip, validation, the record of every PUT, uninstall."""

from __future__ import annotations

import pytest
import requests

from sandbox.zendesk import seed_content as ids
from sandbox.zendesk.models import SandboxInstallationUpdate
from sandbox.zendesk.seed import zendesk_sandbox_seed
from tests.zendesk_sandbox.helpers import TIMEOUT, delete, get, put

pytestmark = pytest.mark.django_db(transaction=True)

PATH = f"/api/v2/apps/installations/{ids.INSTALLATION_ID}.json"
KEYS = {"id", "app_id", "product", "settings", "enabled", "role_restrictions", "group_restrictions", "updated_at"}


def test_the_seeded_installation_has_no_restrictions(live_zendesk):
    response = get(live_zendesk, PATH)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == KEYS
    assert body["id"] == ids.INSTALLATION_ID == live_zendesk.seeded.installation_id
    assert (body["app_id"], body["product"], body["settings"], body["enabled"]) == (
        ids.APP_ID,
        "support",
        {"name": "TrustDesk"},
        True,
    )
    assert (body["role_restrictions"], body["group_restrictions"]) == (None, None)


def test_restrictions_round_trip_and_settings_are_merged(live_zendesk):
    body = {
        "role_restrictions": [ids.ROLE_REVIEW_RESPONDER, ids.ROLE_TEAM_LEAD],
        "group_restrictions": [ids.GROUP_REVIEWS_TEAM],
        "settings": {"title": "Reviews"},
    }

    answer = put(live_zendesk, PATH, body)
    again = get(live_zendesk, PATH)

    assert answer.status_code == 200
    assert answer.json() == again.json()
    assert again.json()["role_restrictions"] == [ids.ROLE_REVIEW_RESPONDER, ids.ROLE_TEAM_LEAD]
    assert again.json()["group_restrictions"] == [ids.GROUP_REVIEWS_TEAM]
    assert again.json()["settings"] == {"name": "TrustDesk", "title": "Reviews"}
    recorded = SandboxInstallationUpdate.objects.get()
    assert (recorded.installation_id, recorded.body, recorded.status) == (ids.INSTALLATION_ID, body, 200)


def test_null_turns_a_restriction_off_and_an_absent_key_leaves_it(live_zendesk):
    put(live_zendesk, PATH, {"role_restrictions": [ids.ROLE_AGENT], "group_restrictions": [ids.GROUP_SUPPORT]})

    answer = put(live_zendesk, PATH, {"role_restrictions": None})

    assert answer.status_code == 200
    assert (answer.json()["role_restrictions"], answer.json()["group_restrictions"]) == (None, [ids.GROUP_SUPPORT])


def test_enabled_can_be_switched(live_zendesk):
    assert put(live_zendesk, PATH, {"enabled": False}).json()["enabled"] is False


@pytest.mark.parametrize(
    ("body", "field", "bad"),
    [
        ({"role_restrictions": [ids.ROLE_AGENT, 424242]}, "role_restrictions", "424242"),
        ({"role_restrictions": [ids.GROUP_SUPPORT]}, "role_restrictions", str(ids.GROUP_SUPPORT)),
        ({"group_restrictions": [ids.DELETED_GROUP_IDS[0]]}, "group_restrictions", str(ids.DELETED_GROUP_IDS[0])),
        ({"group_restrictions": [ids.ROLE_AGENT]}, "group_restrictions", str(ids.ROLE_AGENT)),
        ({"group_restrictions": ["362001"]}, "group_restrictions", "list of group ids"),
        ({"role_restrictions": ids.ROLE_AGENT}, "role_restrictions", "list of custom role ids"),
        ({"enabled": "yes"}, "enabled", "true or false"),
        ({"settings": "x"}, "settings", "object"),
    ],
)
def test_invalid_updates_answer_422_naming_the_bad_value_and_change_nothing(live_zendesk, body, field, bad):
    answer = put(live_zendesk, PATH, body)

    assert answer.status_code == 422
    error = answer.json()
    assert error["error"] == "RecordInvalid"
    assert error["description"]
    assert bad in error["details"][field][0]["description"]
    current = get(live_zendesk, PATH).json()
    assert (current["role_restrictions"], current["group_restrictions"], current["enabled"]) == (None, None, True)
    recorded = SandboxInstallationUpdate.objects.get()
    assert (recorded.body, recorded.status) == (body, 422)


def test_role_restrictions_are_refused_on_the_professional_plan(live_zendesk):
    zendesk_sandbox_seed(subdomain="acme", plan="professional")

    answer = put(live_zendesk, PATH, {"role_restrictions": [ids.ROLE_AGENT], "group_restrictions": None})

    assert answer.status_code == 422
    assert str(ids.ROLE_AGENT) in answer.json()["details"]["role_restrictions"][0]["description"]


def test_a_body_that_is_not_json_answers_400_and_is_recorded(live_zendesk):
    answer = requests.put(
        live_zendesk.base_url + PATH,
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        auth=live_zendesk.auth,
        timeout=TIMEOUT,
    )

    assert answer.status_code == 400
    recorded = SandboxInstallationUpdate.objects.get()
    assert (recorded.raw_body, recorded.body, recorded.status) == ("{not json", None, 400)


def test_an_unknown_installation_answers_404(live_zendesk):
    assert get(live_zendesk, "/api/v2/apps/installations/1.json").status_code == 404
    assert put(live_zendesk, "/api/v2/apps/installations/1.json", {"enabled": True}).status_code == 404
    assert SandboxInstallationUpdate.objects.get().status == 404


def test_after_delete_the_installation_is_gone(live_zendesk):
    deleted = delete(live_zendesk, PATH)

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert get(live_zendesk, PATH).status_code == 404
    assert put(live_zendesk, PATH, {"enabled": True}).status_code == 404
    assert delete(live_zendesk, PATH).status_code == 404


def test_seeding_again_reinstalls_an_uninstalled_app(live_zendesk):
    delete(live_zendesk, PATH)

    zendesk_sandbox_seed(subdomain="acme")

    assert get(live_zendesk, PATH).json()["enabled"] is True
