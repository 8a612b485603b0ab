from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    head_model = apps.get_model("workflows", "AuditChainHead")
    head_model.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"sequence": 0, "hash": GENESIS_HASH}
    )


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
