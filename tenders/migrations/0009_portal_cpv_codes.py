# Every CPV code of a tender (main, additional, each lot's) as one row: (tender, lot, code).
#
# A CPV search used to test cpv_main, the text of the additional codes' JSON list and the lots,
# OR-ed together: no index serves that, so a code found in few tenders read every row. Here a
# prefix is a B-tree range on (code, tender_id) ('4521' is 45210000 <= code < 45220000).
# Triggers keep the table current on every write, on SQLite and on PostgreSQL (as the search
# index of 0005/0008); it is not a Django model and makemigrations stays quiet. As with 0008:
# a SQLite table rebuild of tenders_tender or tenders_lot drops their triggers, which
# tests/tenders/test_portal_search_index.py notices.
from django.db import migrations

TABLE = "tenders_tender_cpv"

CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "tender_id integer NOT NULL, lot_id integer NULL, code varchar(8) NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_code ON {TABLE} (code, tender_id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_tender ON {TABLE} (tender_id, code)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_lot ON {TABLE} (lot_id)",
)

# The codes of a tender row called t (its own, not its lots'), on each database.
TENDER_CODES_SQLITE = (
    "SELECT {t}.id, NULL, substr({t}.cpv_main, 1, 8) WHERE {t}.cpv_main <> '' "
    "UNION SELECT {t}.id, NULL, substr(value, 1, 8) FROM json_each({t}.cpv_additional) "
    "WHERE value <> ''"
)
TENDER_CODES_POSTGRES = (
    "SELECT {t}.id, NULL::integer, left(code, 8) FROM ("
    "SELECT {t}.cpv_main AS code UNION "
    "SELECT jsonb_array_elements_text(coalesce({t}.cpv_additional, '[]'::jsonb))) AS codes "
    "WHERE code <> ''"
)

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_tender_insert AFTER INSERT ON tenders_tender BEGIN
  INSERT INTO {TABLE} (tender_id, lot_id, code) {TENDER_CODES_SQLITE.format(t="new")};
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_tender_update
AFTER UPDATE OF cpv_main, cpv_additional ON tenders_tender BEGIN
  DELETE FROM {TABLE} WHERE tender_id = old.id AND lot_id IS NULL;
  INSERT INTO {TABLE} (tender_id, lot_id, code) {TENDER_CODES_SQLITE.format(t="new")};
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_tender_delete AFTER DELETE ON tenders_tender BEGIN
  DELETE FROM {TABLE} WHERE tender_id = old.id;
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_lot_insert AFTER INSERT ON tenders_lot
WHEN new.cpv_main <> '' BEGIN
  INSERT INTO {TABLE} (tender_id, lot_id, code)
  VALUES (new.tender_id, new.id, substr(new.cpv_main, 1, 8));
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_lot_update
AFTER UPDATE OF cpv_main, tender_id ON tenders_lot BEGIN
  DELETE FROM {TABLE} WHERE lot_id = old.id;
  INSERT INTO {TABLE} (tender_id, lot_id, code)
  SELECT new.tender_id, new.id, substr(new.cpv_main, 1, 8) WHERE new.cpv_main <> '';
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_lot_delete AFTER DELETE ON tenders_lot BEGIN
  DELETE FROM {TABLE} WHERE lot_id = old.id;
END""",
)

POSTGRES_TRIGGERS = (
    f"""CREATE OR REPLACE FUNCTION {TABLE}_tender_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM {TABLE} WHERE tender_id = OLD.id;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM {TABLE} WHERE tender_id = OLD.id AND lot_id IS NULL;
  END IF;
  INSERT INTO {TABLE} (tender_id, lot_id, code) {TENDER_CODES_POSTGRES.format(t="NEW")};
  RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION {TABLE}_lot_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM {TABLE} WHERE lot_id = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.cpv_main <> '' THEN
    INSERT INTO {TABLE} (tender_id, lot_id, code)
    VALUES (NEW.tender_id, NEW.id, left(NEW.cpv_main, 8));
  END IF;
  RETURN NULL;
END $$""",
    f"DROP TRIGGER IF EXISTS {TABLE}_tender ON tenders_tender",
    f"""CREATE TRIGGER {TABLE}_tender
AFTER INSERT OR DELETE OR UPDATE OF cpv_main, cpv_additional ON tenders_tender
FOR EACH ROW EXECUTE FUNCTION {TABLE}_tender_sync()""",
    f"DROP TRIGGER IF EXISTS {TABLE}_lot ON tenders_lot",
    f"""CREATE TRIGGER {TABLE}_lot AFTER INSERT OR DELETE OR UPDATE OF cpv_main, tender_id
ON tenders_lot FOR EACH ROW EXECUTE FUNCTION {TABLE}_lot_sync()""",
)


# The rows already there when the migration runs.
BACKFILL = {
    "sqlite": (
        f"INSERT INTO {TABLE} (tender_id, lot_id, code) "
        "SELECT t.id, NULL, substr(t.cpv_main, 1, 8) FROM tenders_tender AS t "
        "WHERE t.cpv_main <> '' "
        "UNION SELECT t.id, NULL, substr(c.value, 1, 8) "
        "FROM tenders_tender AS t, json_each(t.cpv_additional) AS c WHERE c.value <> ''",
        f"INSERT INTO {TABLE} (tender_id, lot_id, code) "
        "SELECT tender_id, id, substr(cpv_main, 1, 8) FROM tenders_lot WHERE cpv_main <> ''",
    ),
    "postgresql": (
        f"INSERT INTO {TABLE} (tender_id, lot_id, code) SELECT codes.* FROM tenders_tender AS t, "
        f"LATERAL ({TENDER_CODES_POSTGRES.format(t='t')}) AS codes",
        f"INSERT INTO {TABLE} (tender_id, lot_id, code) "
        "SELECT tender_id, id, left(cpv_main, 8) FROM tenders_lot WHERE cpv_main <> ''",
    ),
}
TRIGGERS = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in TRIGGERS:
        return
    for statement in CREATE_TABLE + TRIGGERS[vendor]:
        schema_editor.execute(statement)
    schema_editor.execute(f"DELETE FROM {TABLE}")
    for statement in BACKFILL[vendor]:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in ("tender_insert", "tender_update", "tender_delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
        for name in ("lot_insert", "lot_update", "lot_delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_tender ON tenders_tender")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_lot ON tenders_lot")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_tender_sync()")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_lot_sync()")
    else:
        return
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("tenders", "0008_portal_search_sqlite")]

    operations = [migrations.RunPython(forward, backward)]
