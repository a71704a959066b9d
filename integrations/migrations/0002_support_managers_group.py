"""Create the "Support managers" group with its permissions (see trustdesk/permissions.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Support managers"

# Frozen copy of trustdesk.permissions.SUPPORT_MANAGER_PERMISSIONS at the time of this migration.
PERMISSIONS = [
    "reviews.view_trustpilotaccount",
    "reviews.view_domain",
    "reviews.view_review",
    "reviews.view_reply",
    "reviews.view_syncrun",
    "reviews.view_reviewedit",
    "reviews.disconnect_trustpilotaccount",
    "reviews.sync_domain",
    "integrations.view_zendeskaccount",
    "integrations.view_channelinstance",
    "integrations.view_reviewticketlink",
    "integrations.view_channelevent",
    "integrations.view_accessrestriction",
    "integrations.add_accessrestriction",
    "integrations.change_accessrestriction",
    "integrations.disconnect_zendeskaccount",
    "integrations.disconnect_channelinstance",
    "integrations.sync_channelinstance",
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran (post_migrate); make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for dotted in PERMISSIONS:
        app_label, codename = dotted.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reviews", "0001_initial"),
        ("integrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
