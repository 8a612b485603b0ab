# The portal's full-text index on SQLite: an FTS5 table over title, reference and description.
#
# Without it a word search read every description with LIKE '%word%' (a rare word: all 10,000
# rows, ~10 ms). It is an external-content table (the texts stay in tenders_tender only) kept
# current by triggers, so every write reaches it (services, admin, bulk loads, test factories),
# as PostgreSQL keeps its generated column current (0005). No model state changes here.
#
# Caution: Django's SQLite schema editor rebuilds a table for most ALTERs (copy, drop, rename),
# and dropping tenders_tender drops these triggers. A later migration that alters tenders_tender
# on SQLite must run create_triggers() again; tests/tenders/test_portal_search_index.py fails
# when the triggers are missing.
from django.db import migrations

TABLE = "tenders_tender_search"
COLUMNS = "title, reference, description"

TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON tenders_tender BEGIN
  INSERT INTO {TABLE}(rowid, {COLUMNS}) VALUES (new.id, new.title, new.reference, new.description);
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON tenders_tender BEGIN
  INSERT INTO {TABLE}({TABLE}, rowid, {COLUMNS})
  VALUES ('delete', old.id, old.title, old.reference, old.description);
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_update
AFTER UPDATE OF title, reference, description ON tenders_tender BEGIN
  INSERT INTO {TABLE}({TABLE}, rowid, {COLUMNS})
  VALUES ('delete', old.id, old.title, old.reference, old.description);
  INSERT INTO {TABLE}(rowid, {COLUMNS}) VALUES (new.id, new.title, new.reference, new.description);
END""",
)


def create_triggers(schema_editor):
    for statement in TRIGGERS:
        schema_editor.execute(statement)
    # Indexes every row already there (and repairs an index whose triggers were lost).
    schema_editor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    # unicode61 folds case and splits on everything but letters and digits ("ZS-2026-000001"
    # is zs, 2026, 000001), like the PostgreSQL 'simple' document; diacritics are kept there
    # too. The prefix indexes serve the word-prefix queries ("schul*") without a full scan.
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5({COLUMNS}, "
        "content='tenders_tender', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0', prefix='2 3 4')"
    )
    create_triggers(schema_editor)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for suffix in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{suffix}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("tenders", "0007_notification_kinds_from_bids")]

    operations = [migrations.RunPython(forward, backward)]
