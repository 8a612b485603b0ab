# The portal's full-text document becomes a stored, generated column (PostgreSQL only).
#
# With only the expression index of 0002, every row the index returns for a prefix query is
# re-checked by computing to_tsvector() over title and description again: a word found in
# thousands of tenders cost a second per query. A stored column is read instead. Django's model
# does not know the column (no model state changes here; makemigrations stays quiet), it is
# never selected or written by the ORM, and PostgreSQL keeps it current on every write.
from django.db import migrations

# Must stay identical to tenders.portal_selectors.TENDER_DOCUMENT_SQL.
DOCUMENT = (
    "to_tsvector('simple'::regconfig, translate("
    "coalesce(\"title\", '') || ' ' || coalesce(\"reference\", '') || ' ' || "
    "coalesce(\"description\", ''), '-/.@:_', '      '))"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS tender_portal_fts")
    schema_editor.execute(
        "ALTER TABLE tenders_tender ADD COLUMN IF NOT EXISTS portal_search tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS tender_portal_search ON tenders_tender "
        "USING gin (portal_search)"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS tender_portal_search")
    schema_editor.execute("ALTER TABLE tenders_tender DROP COLUMN IF EXISTS portal_search")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS tender_portal_fts ON tenders_tender USING gin ({DOCUMENT})"
    )


class Migration(migrations.Migration):
    dependencies = [("tenders", "0004_prior_information")]

    operations = [migrations.RunPython(forward, backward)]
