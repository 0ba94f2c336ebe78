"""The fetches table: one row per fetch outcome, with the raw body kept zlib-compressed.

Rows go in as one Arrow batch inside the caller's transaction; `iter_stored_pages` streams the
latest successful article fetch of every URL back out for re-parsing, a page at a time.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

_TS = pa.timestamp("us", tz="UTC")
_SCHEMA = pa.schema(
    [
        ("fetch_id", pa.string()),
        ("run_id", pa.string()),
        ("url", pa.string()),
        ("final_url", pa.string()),
        ("redirects", pa.list_(pa.string())),
        ("domain", pa.string()),
        ("kind", pa.string()),
        ("outcome", pa.string()),
        ("status", pa.int16()),
        ("error", pa.string()),
        ("content_type", pa.string()),
        ("charset", pa.string()),
        ("charset_source", pa.string()),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("headers", pa.string()),
        ("attempts", pa.int16()),
        ("started_at", _TS),
        ("elapsed_ms", pa.float64()),
        ("bytes", pa.int64()),
        ("body", pa.binary()),
        ("article_id", pa.string()),
    ]
)
_ZLIB_LEVEL = 1  # HTML shrinks about 4x at level 1; higher levels cost CPU for little more


def compress_body(body: bytes) -> bytes:
    return zlib.compress(body, _ZLIB_LEVEL)


def decompress_body(stored: bytes) -> bytes:
    return zlib.decompress(stored)


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRow:
    """One fetch as stored; `body` is already compressed (`compress_body`) or None."""

    fetch_id: str
    url: str
    outcome: str
    started_at: datetime
    run_id: str | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    domain: str | None = None
    kind: str = "article"
    status: int | None = None
    error: str | None = None
    content_type: str | None = None
    charset: str | None = None
    charset_source: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] | None = None
    attempts: int = 1
    elapsed_ms: float | None = None
    bytes: int = 0
    body: bytes | None = None
    article_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A stored successful article fetch, decompressed, ready to be parsed again."""

    fetch_id: str
    url: str
    final_url: str
    content_type: str | None
    body: bytes
    source: str | None
    article_id: str | None


def _to_arrow(rows: Sequence[FetchRow]) -> pa.Table:
    columns: dict[str, list[object]] = {name: [] for name in _SCHEMA.names}
    for row in rows:
        for name in _SCHEMA.names:
            value = getattr(row, name)
            if name == "headers":
                value = json.dumps(value) if value is not None else None
            elif name == "redirects":
                value = list(value)
            columns[name].append(value)
    return pa.table(columns, schema=_SCHEMA)


def insert_fetches(con: duckdb.DuckDBPyConnection, rows: Sequence[FetchRow]) -> None:
    """Append fetch rows (inside the caller's transaction)."""
    if not rows:
        return
    con.register("_fetch_rows", _to_arrow(rows))
    try:
        cols = ", ".join(_SCHEMA.names)
        con.execute(f"INSERT INTO fetches ({cols}) SELECT {cols} FROM _fetch_rows")
    finally:
        con.unregister("_fetch_rows")


def set_article_ids(con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, str]]) -> None:
    """Point fetches (fetch_id, article_id) at the article a re-parse made of them."""
    if not pairs:
        return
    table = pa.table(
        {"fetch_id": [p[0] for p in pairs], "article_id": [p[1] for p in pairs]},
        schema=pa.schema([("fetch_id", pa.string()), ("article_id", pa.string())]),
    )
    con.register("_fetch_ids", table)
    try:
        con.execute(
            "UPDATE fetches SET article_id = t.article_id FROM _fetch_ids t "
            "WHERE fetches.fetch_id = t.fetch_id"
        )
    finally:
        con.unregister("_fetch_ids")


def stored_page_urls(
    con: duckdb.DuckDBPyConnection, *, after: str | None, limit: int
) -> list[tuple[str, str]]:
    """(url, fetch_id) of the latest ok article fetch per URL, in URL order, after `after`."""
    return [
        (str(url), str(fid))
        for url, fid in con.execute(
            """
            SELECT url, arg_max(fetch_id, started_at) FROM fetches
            WHERE kind = 'article' AND outcome = 'ok' AND body IS NOT NULL
              AND ($after IS NULL OR url > $after)
            GROUP BY url ORDER BY url LIMIT $limit
            """,
            {"after": after, "limit": limit},
        ).fetchall()
    ]


def load_pages(con: duckdb.DuckDBPyConnection, fetch_ids: Sequence[str]) -> list[StoredPage]:
    """The stored bodies of these fetches (decompressed), with the source of their URL."""
    if not fetch_ids:
        return []
    rows = con.execute(
        """
        SELECT f.fetch_id, f.url, coalesce(f.final_url, f.url), f.content_type, f.body,
               fr.source, f.article_id
        FROM fetches f LEFT JOIN frontier fr ON fr.url = f.url
        WHERE f.fetch_id IN (SELECT unnest($ids))
        ORDER BY f.url
        """,
        {"ids": list(fetch_ids)},
    ).fetchall()
    return [
        StoredPage(fid, url, final, ctype, decompress_body(body), source, aid)
        for fid, url, final, ctype, body, source, aid in rows
    ]


def current_hashes(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, str]:
    """Content hash of the current version of each of these article ids that exists."""
    if not ids:
        return {}
    rows = con.execute(
        "SELECT id, content_hash FROM articles "
        "WHERE valid_to IS NULL AND id IN (SELECT unnest($ids))",
        {"ids": list(set(ids))},
    ).fetchall()
    return {str(i): str(h) for i, h in rows}
