# The portal's full-text index on SQLite: an FTS5 table over title, reference, description and
# the authority's name.
#
# Without it a word search read every description with LIKE '%word%' (a rare word: all 10,000
# rows, ~10 ms). The table keeps its own copy of the texts (the authority's name lives in
# another table, so it cannot be an external-content table), and triggers keep it current:
# every write reaches it (services, admin, bulk loads, test factories), as PostgreSQL keeps its
# generated column current (0005). With the authority's name in the same index, a search of
# several words is one FTS query. No model state changes here.
#
# Caution: Django's SQLite schema editor rebuilds a table for most ALTERs (copy, drop, rename),
# and dropping a table drops its triggers. A later migration that alters tenders_tender or
# procurement_organisation on SQLite must create them again;
# tests/tenders/test_portal_search_index.py fails when they are missing.
from django.db import migrations

TABLE = "tenders_tender_search"
AUTHORITY_NAME = "(SELECT name FROM procurement_organisation WHERE id = {t}.authority_id)"
INSERT = (
    f"INSERT INTO {TABLE} (rowid, title, reference, description, authority) "
    "VALUES ({t}.id, {t}.title, {t}.reference, {t}.description, " + AUTHORITY_NAME + ")"
)

TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON tenders_tender BEGIN
  {INSERT.format(t="new")};
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON tenders_tender BEGIN
  DELETE FROM {TABLE} WHERE rowid = old.id;
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_update
AFTER UPDATE OF title, reference, description, authority_id ON tenders_tender BEGIN
  DELETE FROM {TABLE} WHERE rowid = old.id;
  {INSERT.format(t="new")};
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_authority
AFTER UPDATE OF name ON procurement_organisation BEGIN
  UPDATE {TABLE} SET authority = new.name
  WHERE rowid IN (SELECT id FROM tenders_tender WHERE authority_id = new.id);
END""",
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    # unicode61 folds case and splits on everything but letters and digits ("ZS-2026-000001"
    # is zs, 2026, 000001), like the PostgreSQL 'simple' document; diacritics are kept there
    # too. The prefix indexes serve short word-prefix queries ("schul*") without a scan.
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
        "title, reference, description, authority, "
        "tokenize='unicode61 remove_diacritics 0', prefix='2 3 4')"
    )
    for statement in TRIGGERS:
        schema_editor.execute(statement)
    schema_editor.execute(f"DELETE FROM {TABLE}")
    schema_editor.execute(
        f"INSERT INTO {TABLE} (rowid, title, reference, description, authority) "
        "SELECT t.id, t.title, t.reference, t.description, o.name FROM tenders_tender AS t "
        "JOIN procurement_organisation AS o ON o.id = t.authority_id"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for suffix in ("insert", "delete", "update", "authority"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{suffix}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("tenders", "0007_notification_kinds_from_bids"),
        ("procurement", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
