"""Metadata: signed, naming an instance at its current version; only a disconnected instance reopens with older."""

from __future__ import annotations

import pytest
from django.core import signing

from integrations.metadata import SALT, InvalidMetadata, StaleMetadata, instance_for_setup, instance_from, metadata_for
from integrations.models import ChannelInstance
from tests import factories

pytestmark = pytest.mark.django_db


def signed(value: object) -> str:
    return signing.dumps(value, salt=SALT, compress=True)


def at_version(instance: ChannelInstance, version: int, status: str = ChannelInstance.Status.ACTIVE) -> None:
    ChannelInstance.objects.filter(pk=instance.pk).update(metadata_version=version, status=status)


@pytest.fixture
def instance() -> ChannelInstance:
    return factories.ChannelInstanceFactory(zendesk_account__subdomain="acme")


def test_metadata_carries_the_instances_current_version(instance):
    at_version(instance, 3)
    current = ChannelInstance.objects.get(pk=instance.pk)

    assert signing.loads(metadata_for(current), salt=SALT) == {"instance": instance.pk, "version": 3}
    assert instance_from(metadata_for(current)) == instance


def test_metadata_signed_before_versions_counts_as_version_one(instance):
    legacy = signed({"instance": instance.pk})

    assert instance_from(legacy) == instance
    at_version(instance, 2)
    with pytest.raises(StaleMetadata):
        instance_from(legacy)


@pytest.mark.parametrize("version", [2, 0, -1, "1", True, None, 1.0])
def test_metadata_at_any_other_version_is_refused(instance, version):
    with pytest.raises(InvalidMetadata):
        instance_from(signed({"instance": instance.pk, "version": version}))


def test_the_version_cannot_be_changed_without_the_signature(instance):
    at_version(instance, 2)
    forged = signing.dumps({"instance": instance.pk, "version": 2}, salt=SALT, compress=True, key="not-our-key")

    with pytest.raises(InvalidMetadata, match="not signed"):
        instance_from(forged)


# --- The admin_ui page ---------------------------------------------------------------------------


def test_setup_opens_the_instance_with_its_current_metadata_whatever_its_status(instance):
    for status in ChannelInstance.Status.values:
        at_version(instance, 1, status)
        assert instance_for_setup(metadata_for(instance), subdomain="ACME") == instance


def test_setup_opens_a_disconnected_instance_with_metadata_from_before_its_disconnect(instance):
    kept = metadata_for(instance)
    at_version(instance, 3, ChannelInstance.Status.DISCONNECTED)

    assert instance_for_setup(kept, subdomain="acme") == instance
    assert instance_for_setup(signed({"instance": instance.pk}), subdomain="acme") == instance


@pytest.mark.parametrize("status", [ChannelInstance.Status.ACTIVE, ChannelInstance.Status.DEACTIVATED])
def test_setup_refuses_metadata_from_before_a_disconnect_once_the_instance_is_back(instance, status):
    kept = metadata_for(instance)
    at_version(instance, 2, status)

    with pytest.raises(StaleMetadata):
        instance_for_setup(kept, subdomain="acme")


def test_setup_refuses_metadata_of_another_zendesk_account(instance):
    with pytest.raises(InvalidMetadata, match="another Zendesk account"):
        instance_for_setup(metadata_for(instance), subdomain="acme-evil")


@pytest.mark.parametrize("metadata", ["", "forged", signed({"instance": 987654}), signed(["instance", 1])])
def test_setup_refuses_metadata_trustdesk_did_not_sign_for_a_known_instance(instance, metadata):
    with pytest.raises(InvalidMetadata):
        instance_for_setup(metadata, subdomain="acme")


def test_setup_refuses_a_version_newer_than_the_instances(instance):
    at_version(instance, 1, ChannelInstance.Status.DISCONNECTED)

    with pytest.raises(InvalidMetadata):
        instance_for_setup(signed({"instance": instance.pk, "version": 2}), subdomain="acme")
