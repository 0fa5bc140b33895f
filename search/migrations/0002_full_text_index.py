"""The full-text index over search documents: FTS5 on SQLite, a tsvector column on PostgreSQL."""

from django.db import migrations

SQLITE_TABLE = """
    CREATE VIRTUAL TABLE learning_search_fts USING fts5(
        title, keywords, text,
        content='learning_search_searchdocument', content_rowid='id',
        tokenize='porter unicode61'
    )
"""
# Also used by search.documents.rebuild_table, which drops and recreates them around a rebuild.
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER learning_search_fts_insert AFTER INSERT ON learning_search_searchdocument BEGIN
        INSERT INTO learning_search_fts(rowid, title, keywords, text)
        VALUES (new.id, new.title, new.keywords, new.text);
    END
    """,
    """
    CREATE TRIGGER learning_search_fts_delete AFTER DELETE ON learning_search_searchdocument BEGIN
        INSERT INTO learning_search_fts(learning_search_fts, rowid, title, keywords, text)
        VALUES ('delete', old.id, old.title, old.keywords, old.text);
    END
    """,
    """
    CREATE TRIGGER learning_search_fts_update AFTER UPDATE OF title, keywords, text
    ON learning_search_searchdocument BEGIN
        INSERT INTO learning_search_fts(learning_search_fts, rowid, title, keywords, text)
        VALUES ('delete', old.id, old.title, old.keywords, old.text);
        INSERT INTO learning_search_fts(rowid, title, keywords, text)
        VALUES (new.id, new.title, new.keywords, new.text);
    END
    """,
]
SQLITE_FORWARD = [SQLITE_TABLE, *SQLITE_TRIGGERS]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS learning_search_fts_update",
    "DROP TRIGGER IF EXISTS learning_search_fts_delete",
    "DROP TRIGGER IF EXISTS learning_search_fts_insert",
    "DROP TABLE IF EXISTS learning_search_fts",
]

POSTGRES_FORWARD = [
    "ALTER TABLE learning_search_searchdocument ADD COLUMN search_vector tsvector",
    """
    CREATE FUNCTION learning_search_vector() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(NEW.keywords, '')), 'B')
            || setweight(to_tsvector('english', coalesce(NEW.text, '')), 'D');
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER learning_search_vector_update
    BEFORE INSERT OR UPDATE ON learning_search_searchdocument
    FOR EACH ROW EXECUTE FUNCTION learning_search_vector()
    """,
    """
    CREATE INDEX learning_search_vector_gin
    ON learning_search_searchdocument USING GIN (search_vector)
    """,
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS learning_search_vector_gin",
    "DROP TRIGGER IF EXISTS learning_search_vector_update ON learning_search_searchdocument",
    "DROP FUNCTION IF EXISTS learning_search_vector()",
    "ALTER TABLE learning_search_searchdocument DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("learning_search", "0001_search_documents")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
