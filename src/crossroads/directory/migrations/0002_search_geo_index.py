"""The spatial index beside SearchEntry: an R*Tree on SQLite, a GiST index on PostgreSQL.

Both are a table `directory_search_geo` keyed by the entry's integer id, so `index.py` and
`search.py` speak to one shape; only the box test differs (ADR 0013). No foreign key to the
entries: `index.py` keeps the two in step, and Django's flush between transactional tests
truncates model tables only (a reference would make PostgreSQL refuse the TRUNCATE)."""

from django.db import migrations

SQLITE = (
    "CREATE VIRTUAL TABLE directory_search_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon)"
)
POSTGRES = (
    "CREATE TABLE directory_search_geo ("
    " id bigint PRIMARY KEY,"
    " position point NOT NULL);"
    "CREATE INDEX directory_search_geo_position ON directory_search_geo USING gist (position)"
)


def create(apps, schema_editor):
    connection = schema_editor.connection
    schema_editor.execute(SQLITE if connection.vendor == "sqlite" else POSTGRES)


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE directory_search_geo")


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
