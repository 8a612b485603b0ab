# Every prefix of a tender's CPV codes in the tender's row, as an array (PostgreSQL only).
#
# A CPV search on PostgreSQL walked the published_at index and probed each walked tender's
# rows of tenders_tender_cpv (0009) for a code in the subtree's range: for a subtree of ~17 %
# of the tenders ('72', '302', '90910000') that was ~620 probes, 0.6 ms of execution and a
# semi-join to plan. Here the row carries every prefix (1 to 8 digits) of each of its codes
# ('45210000' gives '4', '45', '452', … '45210000'), so a prefix search is one containment test
# (portal_cpv @> ARRAY['4521']): checked in the index tender_portal_walk_cpv (published_at, id,
# the prefixes included) without reading the row for a common subtree, and read from the GIN
# index tender_portal_search_filters for a rare one; the planner chooses by its statistics of
# the array's elements. EXPLAIN ANALYZE of '72' on 10,000 tenders: 0.56 ms -> 0.19 ms.
#
# A BEFORE trigger on tenders_tender computes the prefixes from the row's own codes and its
# lots' rows of tenders_tender_cpv, on every write of the codes and on any direct write to the
# column (as 0011 does for the search document); statement triggers on tenders_tender_cpv
# recompute them for the tenders whose lots' codes changed. Django's model does not know the
# column; SQLite keeps 0009's way.
from django.db import migrations

# The tender's own codes come from the row being written (as 0009 reads them), its lots' from
# tenders_tender_cpv: computing them before the write costs no second version of the row, which
# an UPDATE after 0009's triggers had written the codes did (a bulk load doubled the table).
OWN_CODES = (
    "SELECT left(code, 8) AS code FROM (SELECT {t}.cpv_main AS code UNION "
    "SELECT jsonb_array_elements_text(coalesce({t}.cpv_additional, '[]'::jsonb))) AS own "
    "WHERE code <> ''"
)
LOT_CODES = "SELECT code FROM tenders_tender_cpv WHERE tender_id = {t}.id AND lot_id IS NOT NULL"
PREFIXES = (
    "coalesce((SELECT array_agg(DISTINCT left(c.code, n.n)) "
    f"FROM ({OWN_CODES} UNION ALL {LOT_CODES}) AS c, generate_series(1, 8) AS n(n)), "
    "'{{}}'::text[])"
)

FORWARD = (
    "ALTER TABLE tenders_tender ADD COLUMN portal_cpv text[] NOT NULL DEFAULT '{}'::text[]",
    f"""CREATE OR REPLACE FUNCTION tenders_tender_cpv_prefixes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.portal_cpv := {PREFIXES.format(t="NEW")};
  RETURN NEW;
END $$""",
    # portal_cpv is in the column list so that a write to it (the lots' trigger below, or
    # anyone else) recomputes it: the column always holds the prefixes, nothing else.
    """CREATE TRIGGER tenders_tender_cpv_prefixes
BEFORE INSERT OR UPDATE OF cpv_main, cpv_additional, portal_cpv ON tenders_tender
FOR EACH ROW EXECUTE FUNCTION tenders_tender_cpv_prefixes()""",
    # A lot's codes reach the table after the lot is written (0009's AFTER trigger): one
    # UPDATE per statement on the table, for the tenders whose prefixes it changed. A tender
    # whose prefixes stay (a lot with a code the tender already has, a common case) keeps its
    # row: each update writes a new version of a wide row, and a bulk load of lots grew the
    # table by 40 % (a word search walks it row by row).
    f"""CREATE OR REPLACE FUNCTION tenders_tender_cpv_prefixes_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE tenders_tender AS t SET portal_cpv = '{{}}'
    WHERE t.id IN (SELECT tender_id FROM new_codes WHERE lot_id IS NOT NULL)
      AND t.portal_cpv IS DISTINCT FROM {PREFIXES.format(t="t")};
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE tenders_tender AS t SET portal_cpv = '{{}}'
    WHERE t.id IN (SELECT tender_id FROM old_codes WHERE lot_id IS NOT NULL)
      AND t.portal_cpv IS DISTINCT FROM {PREFIXES.format(t="t")};
  ELSE
    UPDATE tenders_tender AS t SET portal_cpv = '{{}}'
    WHERE t.id IN (SELECT tender_id FROM new_codes WHERE lot_id IS NOT NULL
                   UNION SELECT tender_id FROM old_codes WHERE lot_id IS NOT NULL)
      AND t.portal_cpv IS DISTINCT FROM {PREFIXES.format(t="t")};
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER tenders_tender_cpv_prefixes_insert AFTER INSERT ON tenders_tender_cpv
REFERENCING NEW TABLE AS new_codes
FOR EACH STATEMENT EXECUTE FUNCTION tenders_tender_cpv_prefixes_sync()""",
    """CREATE TRIGGER tenders_tender_cpv_prefixes_update AFTER UPDATE ON tenders_tender_cpv
REFERENCING OLD TABLE AS old_codes NEW TABLE AS new_codes
FOR EACH STATEMENT EXECUTE FUNCTION tenders_tender_cpv_prefixes_sync()""",
    """CREATE TRIGGER tenders_tender_cpv_prefixes_delete AFTER DELETE ON tenders_tender_cpv
REFERENCING OLD TABLE AS old_codes
FOR EACH STATEMENT EXECUTE FUNCTION tenders_tender_cpv_prefixes_sync()""",
    # Fills the column through the BEFORE trigger.
    "UPDATE tenders_tender SET portal_cpv = '{}'",
    "CREATE INDEX tender_portal_walk_cpv ON tenders_tender (published_at, id) INCLUDE (portal_cpv)",
    # One GIN index over the words, the prefixes and the choice filters (btree_gin, a contrib
    # module that ships with PostgreSQL): a search combining them intersects their lists in
    # the index and reads only the rows that pass all of them. It also answers a rare CPV
    # prefix. Measured on 10,000 tenders, words + CPV + works + EU: 2.0 -> 1.0 ms execution.
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX tender_portal_search_filters ON tenders_tender USING gin "
    "(portal_search, portal_cpv, contract_type, procedure, regime)",
)

BACKWARD = (
    "DROP TRIGGER IF EXISTS tenders_tender_cpv_prefixes_insert ON tenders_tender_cpv",
    "DROP TRIGGER IF EXISTS tenders_tender_cpv_prefixes_update ON tenders_tender_cpv",
    "DROP TRIGGER IF EXISTS tenders_tender_cpv_prefixes_delete ON tenders_tender_cpv",
    "DROP FUNCTION IF EXISTS tenders_tender_cpv_prefixes_sync()",
    "DROP TRIGGER IF EXISTS tenders_tender_cpv_prefixes ON tenders_tender",
    "DROP FUNCTION IF EXISTS tenders_tender_cpv_prefixes()",
    # btree_gin stays: other indexes may use it by then.
    "DROP INDEX IF EXISTS tender_portal_search_filters",
    "DROP INDEX IF EXISTS tender_portal_walk_cpv",
    "ALTER TABLE tenders_tender DROP COLUMN IF EXISTS portal_cpv",
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
    dependencies = [("tenders", "0012_portal_walk_by_filter")]

    operations = [migrations.RunPython(forward, backward)]
