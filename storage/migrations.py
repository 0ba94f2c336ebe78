"""Numbered schema migrations for the warehouse file.

The applied version is stored in `schema_migrations`; opening an older file applies the missing
steps in one transaction, opening a file newer than `LATEST` is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from storage._sql import literal
from storage._transaction import transaction
from storage.current import rebuild_current
from storage.errors import SchemaTooNewError


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str
    # A step SQL cannot do (keys computed in Python), run after `sql` in the same transaction.
    fill: Callable[[duckdb.DuckDBPyConnection], object] | None = None


# Characters the tokeniser treats as word boundaries, besides the space.
_SEPARATORS = (
    "\n\t\r!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    "\u2018\u2019\u201a\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a\u2013\u2014\u2015\u2010\u2011"
    "\u2026\u2022\u00b7\u2032\u2033\u00a1\u00bf\u00a7\u00b6\u2020\u2021\u00a9\u00ae\u2122\u00b0"
    "\u00b1\u00d7\u00f7"
)

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
    Migration(
        4,
        "duplicates, search index, views",
        f"""
        -- Near-duplicates: 64-bit simhash of the text's word shingles (storage/dedup.py), and
        -- the id of the earliest copy when this version is a copy of another article.
        ALTER TABLE articles ADD COLUMN simhash UBIGINT;
        ALTER TABLE articles ADD COLUMN duplicate_of VARCHAR;
        ALTER TABLE articles ADD COLUMN duplicate_kind VARCHAR;        -- exact | near
        ALTER TABLE articles ADD COLUMN duplicate_distance TINYINT;    -- Hamming bits
        -- The one tokeniser of the warehouse: lower case, split on white space and punctuation.
        CREATE MACRO newsdesk_tokens(s) AS list_filter(
            string_split(translate(lower(coalesce(s, '')), {literal(_SEPARATORS)},
                                   '{" " * len(_SEPARATORS)}'), ' '),
            t -> t <> '' AND length(t) <= 40);
        -- BM25 index (storage/search.py): one doc per indexed article version; postings are
        -- appended sorted by term per batch so that row-group min/max prune term lookups.
        CREATE SEQUENCE search_doc_seq;
        CREATE TABLE search_docs (
            doc      BIGINT PRIMARY KEY,
            id       VARCHAR NOT NULL,
            version  INTEGER NOT NULL,
            length   INTEGER NOT NULL,     -- tokens in title and text
            live     BOOLEAN NOT NULL      -- false once a newer version is indexed
        );
        CREATE TABLE search_postings (
            term     UBIGINT NOT NULL,     -- hash() of the token
            doc      BIGINT NOT NULL,
            tf       USMALLINT NOT NULL
        );
        -- hash() is DuckDB's; a DuckDB whose hash differs would silently find nothing.
        CREATE TABLE search_meta AS SELECT hash('newsdesk') AS probe;
        CREATE MACRO search_articles(q, k := 10) AS TABLE
        WITH terms AS (SELECT DISTINCT hash(t) AS term
                       FROM (SELECT unnest(newsdesk_tokens(q)) AS t)),
             corpus AS (SELECT count(*) AS n, avg(length) AS avgdl FROM search_docs WHERE live),
             hits AS (SELECT p.term, p.doc, p.tf, d.length
                      FROM search_postings p JOIN search_docs d ON d.doc = p.doc
                      WHERE d.live AND p.term IN (SELECT term FROM terms)),
             df AS (SELECT term, count(*) AS df FROM hits GROUP BY term),
             scored AS (
                SELECT h.doc, sum(ln(1 + (c.n - df.df + 0.5) / (df.df + 0.5))
                                  * h.tf * 2.2 / (h.tf + 1.2 * (0.25 + 0.75 * h.length / c.avgdl)))
                              AS score
                FROM hits h JOIN df USING (term) CROSS JOIN corpus c GROUP BY h.doc
                ORDER BY score DESC, h.doc LIMIT k)
        SELECT a.id, round(s.score, 4) AS score, a.title, a.domain, a.published_at, a.url
        FROM scored s JOIN search_docs d ON d.doc = s.doc
        JOIN articles a ON a.id = d.id AND a.version = d.version
        ORDER BY s.score DESC, a.id;
        -- Views for people who come with SQL; dates are UTC days.
        CREATE VIEW latest_articles AS SELECT * FROM articles WHERE valid_to IS NULL;
        CREATE VIEW articles_per_day AS
        SELECT (coalesce(published_at, first_seen) AT TIME ZONE 'UTC')::DATE AS day,
               count(*) AS articles, count(DISTINCT domain) AS domains,
               count(*) FILTER (duplicate_of IS NOT NULL) AS duplicates
        FROM latest_articles GROUP BY ALL;
        CREATE VIEW articles_per_domain AS
        SELECT domain, count(*) AS articles, count(*) FILTER (version > 1) AS changed,
               count(*) FILTER (duplicate_of IS NOT NULL) AS duplicates,
               min(published_at) AS first_published, max(published_at) AS last_published,
               max(last_seen) AS last_seen
        FROM latest_articles GROUP BY ALL;
        CREATE VIEW articles_per_language AS
        SELECT coalesce(language, 'unknown') AS language, count(*) AS articles,
               round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS percent
        FROM latest_articles GROUP BY ALL;
        CREATE VIEW fetch_health AS
        SELECT domain, count(*) AS fetches,
               count(*) FILTER (outcome = 'ok') AS ok,
               count(*) FILTER (outcome = 'not_modified') AS not_modified,
               count(*) FILTER (outcome NOT IN ('ok', 'not_modified')) AS failed,
               round(100.0 * count(*) FILTER (outcome NOT IN ('ok', 'not_modified'))
                     / count(*), 1) AS failed_percent,
               round(median(elapsed_ms), 1) AS median_ms,
               round(quantile_cont(elapsed_ms, 0.95), 1) AS p95_ms,
               max(started_at) AS last_fetch,
               histogram(outcome) AS outcomes
        FROM fetches GROUP BY ALL;
        CREATE VIEW duplicate_groups AS
        SELECT d.duplicate_of AS original_id, any_value(o.title) AS original_title,
               any_value(o.domain) AS original_domain, count(*) AS copies,
               list(DISTINCT d.domain ORDER BY d.domain) AS copy_domains
        FROM latest_articles d LEFT JOIN latest_articles o ON o.id = d.duplicate_of
        WHERE d.duplicate_of IS NOT NULL GROUP BY ALL;
        """,
    ),
    Migration(
        5,
        "articles without the (id, version) primary key",
        # The append classifies every row against the current versions itself (one writer at a
        # time holds the file), so the key only cost index upkeep: about half of an append's
        # CPU, and every checkpoint re-wrote the whole index. DuckDB cannot drop a constraint,
        # so the table is copied; NOT NULL columns stay NOT NULL.
        """
        CREATE TABLE articles_v5 AS SELECT * FROM articles;
        ALTER TABLE articles_v5 ALTER COLUMN id SET NOT NULL;
        ALTER TABLE articles_v5 ALTER COLUMN version SET NOT NULL;
        ALTER TABLE articles_v5 ALTER COLUMN content_hash SET NOT NULL;
        ALTER TABLE articles_v5 ALTER COLUMN text SET NOT NULL;
        ALTER TABLE articles_v5 ALTER COLUMN layout SET NOT NULL;
        ALTER TABLE articles_v5 ALTER COLUMN valid_from SET NOT NULL;
        ALTER TABLE articles_v5 ALTER COLUMN first_seen SET NOT NULL;
        ALTER TABLE articles_v5 ALTER COLUMN last_seen SET NOT NULL;
        DROP TABLE articles;
        ALTER TABLE articles_v5 RENAME TO articles;
        """,
    ),
    Migration(
        6,
        "fetch bodies in parquet files",
        """
        -- Raw bodies now go to Parquet files beside the warehouse (storage/bodies.py); a row
        -- names its file relative to `<warehouse>.bodies/`. Rows written before keep `body`.
        ALTER TABLE fetches ADD COLUMN body_file VARCHAR;
        """,
    ),
    Migration(
        7,
        "current versions side table",
        # Appends classify their batch against this narrow table of numbers instead of every
        # current version's id and hash strings in `articles` (storage/current.py). The text
        # keys are computed in Python, so the fill step reads every current text once.
        """
        CREATE TABLE article_current (
            id_key      UHUGEINT NOT NULL,     -- md5_number(id)
            text_key    UBIGINT NOT NULL,      -- XXH3-64 of the text (ingest.article.text_key)
            version     INTEGER NOT NULL,
            first_seen  TIMESTAMPTZ NOT NULL,
            valid_from  TIMESTAMPTZ NOT NULL
        );
        """,
        fill=rebuild_current,
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
    with transaction(con):
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        for migration in pending:
            con.execute(migration.sql)
            if migration.fill is not None:
                migration.fill(con)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
    return [m.version for m in pending]
