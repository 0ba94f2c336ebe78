"""Numbered schema migrations for the warehouse file.

The applied version is stored in `schema_migrations`; opening an older file applies the missing
steps in one transaction, opening a file newer than `LATEST` is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from storage.errors import SchemaTooNewError


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "articles and runs",
        """
        CREATE TABLE runs (
            run_id       VARCHAR PRIMARY KEY,
            kind         VARCHAR NOT NULL,          -- backfill, scrape, reparse, export
            started_at   TIMESTAMPTZ NOT NULL,
            finished_at  TIMESTAMPTZ,
            status       VARCHAR NOT NULL,          -- running, completed, failed
            params       JSON,
            stats        JSON
        );
        -- One row per (article, version). Text is append-only: a changed text is a new row and
        -- the old row keeps its text with a closed validity range.
        CREATE TABLE articles (
            id                  VARCHAR NOT NULL,   -- 16 hex chars: the record id
            version             INTEGER NOT NULL,   -- 1, 2, ... per id
            content_hash        VARCHAR NOT NULL,   -- sha256 of text
            text                VARCHAR NOT NULL,   -- the record text, exactly
            layout              VARCHAR NOT NULL,   -- spaced | compact
            seq                 INTEGER,            -- NNN of the record file it came from
            title               VARCHAR,
            url                 VARCHAR,
            canonical_url       VARCHAR,
            domain              VARCHAR,
            authors             VARCHAR[],
            published_at        TIMESTAMPTZ,
            published_precision VARCHAR,
            published_source    VARCHAR,
            modified_at         TIMESTAMPTZ,
            language            VARCHAR,
            language_source     VARCHAR,
            site_name           VARCHAR,
            description         VARCHAR,
            section             VARCHAR,
            tags                VARCHAR[],
            image               VARCHAR,
            is_free_access      BOOLEAN,
            page_type           VARCHAR,
            source              VARCHAR,            -- backfill:<folder> | scrape:<source>
            fetch_id            VARCHAR,
            parser_version      VARCHAR,
            run_id              VARCHAR,
            valid_from          TIMESTAMPTZ NOT NULL,
            valid_to            TIMESTAMPTZ,        -- NULL for the current version
            first_seen          TIMESTAMPTZ NOT NULL,
            last_seen           TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (id, version)
        );
        """,
    ),
    Migration(
        2,
        "fetches and frontier",
        """
        -- One row per fetch outcome, with the raw body so that reparse needs no network.
        CREATE TABLE fetches (
            fetch_id        VARCHAR PRIMARY KEY,
            run_id          VARCHAR,
            url             VARCHAR NOT NULL,
            final_url       VARCHAR,
            redirects       VARCHAR[],
            domain          VARCHAR,
            kind            VARCHAR,
            outcome         VARCHAR NOT NULL,
            status          SMALLINT,
            error           VARCHAR,
            content_type    VARCHAR,
            charset         VARCHAR,
            charset_source  VARCHAR,
            etag            VARCHAR,
            last_modified   VARCHAR,
            headers         JSON,
            attempts        SMALLINT,
            started_at      TIMESTAMPTZ NOT NULL,
            elapsed_ms      DOUBLE,
            bytes           BIGINT,
            body            BLOB,
            article_id      VARCHAR
        );
        CREATE TABLE frontier (
            url             VARCHAR PRIMARY KEY,  -- canonical URL
            domain          VARCHAR NOT NULL,
            source          VARCHAR,
            kind            VARCHAR NOT NULL DEFAULT 'article',
            state           VARCHAR NOT NULL,     -- pending, done, failed
            outcome         VARCHAR,
            attempts        INTEGER NOT NULL DEFAULT 0,
            depth           INTEGER NOT NULL DEFAULT 0,
            discovered_at   TIMESTAMPTZ NOT NULL,
            next_attempt_at TIMESTAMPTZ,
            last_attempt_at TIMESTAMPTZ,
            title           VARCHAR,              -- what the feed or sitemap said
            published_at    TIMESTAMPTZ,
            etag            VARCHAR,
            last_modified   VARCHAR,
            article_id      VARCHAR,
            run_id          VARCHAR
        );
        """,
    ),
    Migration(
        3,
        "record file manifest",
        """
        -- Every record file a backfill stored, so that a re-run can skip files whose size and
        -- modification time did not change without reading them.
        CREATE TABLE record_files (
            path            VARCHAR PRIMARY KEY,  -- absolute path at backfill time
            size            BIGINT NOT NULL,
            mtime_ns        BIGINT NOT NULL,
            id              VARCHAR NOT NULL,
            content_hash    VARCHAR NOT NULL,
            run_id          VARCHAR,
            loaded_at       TIMESTAMPTZ NOT NULL
        );
        """,
    ),
)

LATEST = MIGRATIONS[-1].version


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection, path: str, *, target: int = LATEST) -> list[int]:
    """Bring the schema up to `target`; returns the versions applied (empty when current)."""
    found = current_version(con)
    if found > LATEST:
        raise SchemaTooNewError(path, found, LATEST)
    pending = [m for m in MIGRATIONS if found < m.version <= target]
    if not pending:
        return []
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        for migration in pending:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return [m.version for m in pending]
