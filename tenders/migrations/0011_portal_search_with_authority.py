# The portal's full-text document on PostgreSQL also holds the authority's name, and is kept by
# triggers instead of being a generated column (PostgreSQL only; SQLite's FTS5 table of 0008
# already holds the name).
#
# With the name outside the document, a word search first asked for the authorities matching
# each word and built a statement carrying their ids: one more query and an ORM build on every
# search, and a statement per set of ids that could not be compiled once. A generated column
# cannot read another table, so triggers compute the document now: before a tender's texts or
# authority are written, and on the tenders of an authority whose name (or kind) changes, as
# 0008 does on SQLite. The document keeps its positions: a query word that PostgreSQL's parser
# splits ("a²b" is 'a' <-> 'b') is a phrase, which never matches a stripped document. It is
# stored inline (STORAGE MAIN): a common word is checked row by row along the published_at
# index, and reading a TOASTed document took ~1.5 us a row where an inline one takes ~0.6 us.
# Django's model still does not know the column.
from django.db import migrations

# tenders.portal_selectors.tender_text_filter queries this document; see TENDER_DOCUMENT_SQL.
DOCUMENT = (
    "to_tsvector('simple'::regconfig, translate("
    "coalesce({t}.title, '') || ' ' || coalesce({t}.reference, '') || ' ' || "
    "coalesce({t}.description, '') || ' ' || coalesce(("
    "SELECT o.name FROM procurement_organisation AS o "
    "WHERE o.id = {t}.authority_id AND o.kind = 'authority'), ''), "
    "'-/.@:_', '      '))"
)

FORWARD = (
    "DROP INDEX IF EXISTS tender_portal_search",
    "ALTER TABLE tenders_tender DROP COLUMN IF EXISTS portal_search",
    "ALTER TABLE tenders_tender ADD COLUMN portal_search tsvector",
    "ALTER TABLE tenders_tender ALTER COLUMN portal_search SET STORAGE MAIN",
    f"""CREATE OR REPLACE FUNCTION tenders_tender_search_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.portal_search := {DOCUMENT.format(t="NEW")};
  RETURN NEW;
END $$""",
    # portal_search is in the column list so that a write to it (the authority trigger below,
    # or anyone else) recomputes it: the column always holds the document, nothing else.
    """CREATE TRIGGER tenders_tender_search
BEFORE INSERT OR UPDATE OF title, reference, description, authority_id, portal_search
ON tenders_tender FOR EACH ROW EXECUTE FUNCTION tenders_tender_search_sync()""",
    """CREATE OR REPLACE FUNCTION tenders_tender_search_authority_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.name, OLD.kind) IS DISTINCT FROM (NEW.name, NEW.kind) THEN
    UPDATE tenders_tender SET portal_search = NULL WHERE authority_id = NEW.id;
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER tenders_tender_search_authority
AFTER UPDATE OF name, kind ON procurement_organisation
FOR EACH ROW EXECUTE FUNCTION tenders_tender_search_authority_sync()""",
    # Fills the column through the trigger above.
    "UPDATE tenders_tender SET portal_search = NULL",
    "CREATE INDEX tender_portal_search ON tenders_tender USING gin (portal_search)",
)

# 0005's generated column and its index.
DOCUMENT_0005 = (
    "to_tsvector('simple'::regconfig, translate("
    "coalesce(\"title\", '') || ' ' || coalesce(\"reference\", '') || ' ' || "
    "coalesce(\"description\", ''), '-/.@:_', '      '))"
)
BACKWARD = (
    "DROP TRIGGER IF EXISTS tenders_tender_search_authority ON procurement_organisation",
    "DROP TRIGGER IF EXISTS tenders_tender_search ON tenders_tender",
    "DROP FUNCTION IF EXISTS tenders_tender_search_authority_sync()",
    "DROP FUNCTION IF EXISTS tenders_tender_search_sync()",
    "DROP INDEX IF EXISTS tender_portal_search",
    "ALTER TABLE tenders_tender DROP COLUMN IF EXISTS portal_search",
    "ALTER TABLE tenders_tender ADD COLUMN portal_search tsvector "
    f"GENERATED ALWAYS AS ({DOCUMENT_0005}) STORED",
    "CREATE INDEX tender_portal_search ON tenders_tender USING gin (portal_search)",
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tenders", "0010_portal_walk_index"),
        ("procurement", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
