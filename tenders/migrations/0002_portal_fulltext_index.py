# The public portal's full-text search index (PostgreSQL only; other databases use the portable
# substring fallback in tenders.portal_selectors). No model state changes here, so the index
# lives outside Tender.Meta and makemigrations stays quiet.
from django.db import migrations

# Must stay identical to tenders.portal_selectors.TENDER_TSVECTOR_SQL (without the table
# qualifier): the planner uses the index only for the very same expression.
TSVECTOR = (
    "to_tsvector('simple'::regconfig, translate("
    "coalesce(\"title\", '') || ' ' || coalesce(\"reference\", '') || ' ' || "
    "coalesce(\"description\", ''), '-/.@:_', '      '))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS tender_portal_fts ON tenders_tender USING gin ({TSVECTOR})"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS tender_portal_fts")


class Migration(migrations.Migration):
    dependencies = [("tenders", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
