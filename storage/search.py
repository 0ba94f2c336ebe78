"""BM25 full-text search over article titles and texts, kept in DuckDB tables incrementally.

Versions not indexed yet are indexed a chunk at a time (postings sorted by term per chunk), see
storage/derived.py; `compact_index` re-sorts the postings so a term lookup reads few row groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from storage._transaction import transaction
from storage.errors import WarehouseError

K1, B = 1.2, 0.75  # the usual BM25 constants (Robertson & Zaragoza)
MAX_QUERY_TERMS = 32  # a pasted paragraph as a query stays a bounded number of scans
# Postings sorted per transaction by `compact_index`: about 20 bytes each in the sort, so a
# part stays in the hundreds of MB (measured in docs/warehouse.md).
COMPACT_PART_POSTINGS = 20_000_000


class SearchError(WarehouseError):
    """A search could not run (empty query, or an index this DuckDB cannot read)."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: str
    score: float
    title: str | None
    domain: str | None
    published_at: datetime | None
    url: str | None


def stage_tokens(con: duckdb.DuckDBPyConnection) -> None:
    """Tokenise the new versions in `_stage` once, for the simhash and for the index."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _tokens AS
        SELECT ord, id, coalesce(prev_version, 0) + 1 AS version,
               list_transform(newsdesk_tokens(title), w -> hash(w)) AS title_words,
               list_transform(newsdesk_tokens(text), w -> hash(w)) AS text_words
        FROM _stage
        """
    )


def index_staged(con: duckdb.DuckDBPyConnection) -> None:
    """Add the versions in `_tokens` to the index; older versions of the same ids stop matching."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _docs AS
        SELECT nextval('search_doc_seq') AS doc, id, version,
               list_concat(title_words, text_words) AS words
        FROM _tokens
        """
    )
    con.execute(
        "UPDATE search_docs SET live = false WHERE live AND id IN "
        "(SELECT id FROM _tokens WHERE version > 1)"
    )
    con.execute("INSERT INTO search_docs SELECT doc, id, version, len(words), true FROM _docs")
    con.execute(
        """
        INSERT INTO search_postings
        SELECT term, doc, count(*)::USMALLINT
        FROM (SELECT doc, unnest(words) AS term FROM _docs)
        GROUP BY ALL ORDER BY term
        """
    )
    con.execute("DROP TABLE temp._docs")


def index_missing(con: duckdb.DuckDBPyConnection, *, chunk: int = 50_000) -> int:
    """Index current versions that are not indexed yet, `chunk` at a time (bounded memory)."""
    total = 0
    while added := _index_missing_chunk(con, chunk):
        total += added
    return total


def stage_unindexed(con: duckdb.DuckDBPyConnection, limit: int) -> int:
    """Stage up to `limit` current versions not indexed yet as `_stage`, earliest seen first."""
    # Pick the chunk by its keys first, then read the texts of those rows only: numbering and
    # sorting every un-indexed row with its text held 1,000,000 texts in memory (over 4 GiB).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _stage AS
        WITH todo AS (
            SELECT a.rowid AS rid FROM articles a
            ANTI JOIN search_docs d ON d.id = a.id AND d.version = a.version
            WHERE a.valid_to IS NULL
            ORDER BY a.first_seen, a.id
            LIMIT {int(limit)})
        SELECT row_number() OVER (ORDER BY a.first_seen, a.id) AS ord, a.id, a.title, a.text,
               a.content_hash, a.version - 1 AS prev_version, a.rowid AS row_id
        FROM articles a
        WHERE a.rowid IN (SELECT rid FROM todo)
        """
    )
    row = con.execute("SELECT count(*) FROM _stage").fetchone()
    return int(row[0]) if row else 0


def _index_missing_chunk(con: duckdb.DuckDBPyConnection, chunk: int) -> int:
    try:
        count = stage_unindexed(con, chunk)
        if count:
            stage_tokens(con)
            index_staged(con)
    finally:
        con.execute("DROP TABLE IF EXISTS temp._tokens")
        con.execute("DROP TABLE IF EXISTS temp._stage")
    return count


def rebuild_index(con: duckdb.DuckDBPyConnection) -> int:
    """Drop the whole index and index every current version again (after a DuckDB upgrade)."""
    con.execute("DELETE FROM search_postings")
    con.execute("DELETE FROM search_docs")
    con.execute("UPDATE search_meta SET probe = hash('newsdesk')")
    return index_missing(con)


def compact_index(
    con: duckdb.DuckDBPyConnection, *, postings_per_part: int = COMPACT_PART_POSTINGS
) -> int:
    """Rewrite the postings sorted by term, dropping those of replaced versions; returns parts.

    The rewrite goes one range of terms at a time, each in its own transaction, into a new
    table that replaces the old one at the end: a single sort of all postings (about 180
    million at 1,000,000 articles) took the process past 5 GiB; a part's sort is bounded by
    `postings_per_part`. Terms are hashes, so equal ranges of the 64-bit space hold about
    equal numbers of postings, and once the postings are sorted (after a first compaction) every
    range scan prunes row groups by their min/max term.
    """
    if postings_per_part < 1:
        raise ValueError(f"postings_per_part must be at least 1, not {postings_per_part}")
    row = con.execute("SELECT count(*) FROM search_postings").fetchone()
    parts = max(1, -(-int(row[0] if row else 0) // postings_per_part))
    step = (1 << 64) // parts
    # The columns of `search_postings` as migration 4 creates them (storage/migrations.py).
    con.execute(
        "CREATE OR REPLACE TABLE search_postings_compacted (term UBIGINT NOT NULL, "
        "doc BIGINT NOT NULL, tf USMALLINT NOT NULL)"
    )
    for part in range(parts):
        upper = "" if part == parts - 1 else f"AND p.term < {(part + 1) * step}"
        with transaction(con):
            con.execute(
                f"""
                INSERT INTO search_postings_compacted
                SELECT p.* FROM search_postings p
                SEMI JOIN search_docs d ON d.doc = p.doc AND d.live
                WHERE p.term >= {part * step} {upper}
                ORDER BY p.term, p.doc
                """
            )
    with transaction(con):
        con.execute("DROP TABLE search_postings")
        con.execute("ALTER TABLE search_postings_compacted RENAME TO search_postings")
        con.execute("DELETE FROM search_docs WHERE NOT live")
    return parts


def query_terms(con: duckdb.DuckDBPyConnection, query: str) -> list[int]:
    rows = con.execute(
        "SELECT DISTINCT hash(t) FROM (SELECT unnest(newsdesk_tokens(?)) AS t)", [query]
    ).fetchall()
    return sorted(int(r[0]) for r in rows)[:MAX_QUERY_TERMS]


def _check_hash(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("SELECT bool_and(probe = hash('newsdesk')) FROM search_meta").fetchone()
    if row and row[0] is False:
        raise SearchError(
            "the search index was built by a DuckDB whose hash() differs from this one; "
            "rebuild it with `newsdesk compact --reindex`"
        )


def search(con: duckdb.DuckDBPyConnection, query: str, *, limit: int = 10) -> list[SearchHit]:
    """Top `limit` current articles for `query` by BM25 over title and text."""
    if limit < 1:
        raise SearchError(f"limit must be at least 1, not {limit}")
    terms = query_terms(con, query)
    if not terms:
        raise SearchError(f"query {query!r} has no words to search for")
    _check_hash(con)
    # One equality scan per term: each prunes row groups by the postings' min/max term.
    postings = " UNION ALL ".join(
        f"SELECT term, doc, tf FROM search_postings WHERE term = {t}" for t in terms
    )
    top = con.execute(
        f"""
        WITH corpus AS (SELECT count(*) AS n, avg(length) AS avgdl FROM search_docs WHERE live),
             hits AS (SELECT p.term, p.doc, p.tf, d.length,
                             count(*) OVER (PARTITION BY p.term) AS df
                      FROM ({postings}) p JOIN search_docs d ON d.doc = p.doc WHERE d.live)
        SELECT h.doc, sum(ln(1 + (c.n - h.df + 0.5) / (h.df + 0.5)) * h.tf * ($k1 + 1)
                          / (h.tf + $k1 * (1 - $b + $b * h.length / c.avgdl))) AS score
        FROM hits h CROSS JOIN corpus c
        GROUP BY h.doc ORDER BY score DESC, h.doc LIMIT $limit
        """,
        {"k1": K1, "b": B, "limit": limit},
    ).fetchall()
    return _hits(con, top)


def _hits(con: duckdb.DuckDBPyConnection, top: list[tuple[int, float]]) -> list[SearchHit]:
    """The articles of the top documents, in score order (a second, small query)."""
    if not top:
        return []
    docs = ", ".join(str(int(doc)) for doc, _ in top)
    rows = con.execute(
        f"""
        SELECT d.doc, a.id, a.title, a.domain, a.published_at, a.url
        FROM search_docs d JOIN articles a ON a.id = d.id AND a.version = d.version
        WHERE d.doc IN ({docs})
        """
    ).fetchall()
    by_doc = {row[0]: row[1:] for row in rows}
    hits = [SearchHit(by_doc[doc][0], score, *by_doc[doc][1:]) for doc, score in top]
    return sorted(hits, key=lambda h: (-h.score, h.id))
