from django.db import migrations

# Every link is stamped once when first delivered (pull's first_delivered_at, in batches of up to 200
# rows). The column is in no index, so on PostgreSQL the stamp can be a HOT update, which writes none of
# the table's ten indexes, when the row's page has room for the new version: leave that room. Only pages
# written from now on get it; SQLite has no such setting.
FILLFACTOR = 60


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE integrations_reviewticketlink SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE integrations_reviewticketlink RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_link_pull_queue"),
    ]

    operations = [
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
