"""The fetches table: one row per fetch outcome; raw bodies go to Parquet files beside it.

Rows go in as one Arrow batch inside the caller's transaction, after the batch's bodies were
written to one file (`storage.bodies`) that the rows name in `body_file`. Warehouses written
before that keep their bodies zlib-compressed in the `body` column, and both are read back.
`stored_page_urls` and `load_pages` stream the latest successful article fetch of every URL
back out for re-parsing, a page at a time.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from storage.bodies import read_bodies, remove_bodies, write_bodies
from storage.errors import WarehouseError

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
        ("body_file", pa.string()),
        ("article_id", pa.string()),
    ]
)
_ZLIB_LEVEL = 1


def compress_body(body: bytes) -> bytes:
    """The in-table form of warehouses written before body files (kept for those, and tests)."""
    return zlib.compress(body, _ZLIB_LEVEL)


def decompress_body(stored: bytes) -> bytes:
    return zlib.decompress(stored)


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRow:
    """One fetch as stored; `body` is the raw body to keep (ok article pages) or None."""

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
    body: bytes | None  # None: its body file is gone (`missing` says which)
    source: str | None
    article_id: str | None
    missing: str | None = None


def _to_arrow(rows: Sequence[FetchRow], body_file: str | None) -> pa.Table:
    columns: dict[str, list[object]] = {name: [] for name in _SCHEMA.names}
    for row in rows:
        for name in _SCHEMA.names:
            if name == "body_file":
                value: object = body_file if row.body is not None else None
            else:
                value = getattr(row, name)
            if name == "headers":
                value = json.dumps(value) if value is not None else None
            elif name == "redirects":
                value = list(value)  # type: ignore[call-overload]
            columns[name].append(value)
    return pa.table(columns, schema=_SCHEMA)


def insert_fetches(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[FetchRow],
    *,
    bodies: Path | None = None,
    body_file: str | None = None,
) -> None:
    """Append fetch rows (inside the caller's transaction); their bodies go to one new file
    under `bodies` first (required when a row has a body), unless `body_file` names the file
    (relative to `bodies`) that `write_bodies` already wrote with exactly these bodies."""
    if not rows:
        return
    kept = [(r.fetch_id, r.url, r.body) for r in rows if r.body is not None]
    if kept and bodies is None:
        raise ValueError("insert_fetches: rows carry bodies but no body folder was given")
    if kept and bodies and body_file is None:
        body_file = write_bodies(bodies, datetime.now(UTC).date(), kept)
    con.register("_fetch_rows", _to_arrow(rows, body_file))
    try:
        cols = ", ".join(_SCHEMA.names)
        con.execute(f"INSERT INTO fetches ({cols}) SELECT {cols} FROM _fetch_rows")
    except BaseException:
        if body_file is not None and bodies is not None:
            remove_bodies(bodies, body_file)
        raise
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
            WHERE kind = 'article' AND outcome = 'ok'
              AND (body_file IS NOT NULL OR body IS NOT NULL)
              AND ($after IS NULL OR url > $after)
            GROUP BY url ORDER BY url LIMIT $limit
            """,
            {"after": after, "limit": limit},
        ).fetchall()
    ]


def load_pages(
    con: duckdb.DuckDBPyConnection, fetch_ids: Sequence[str], *, bodies: Path
) -> list[StoredPage]:
    """The stored bodies of these fetches, with the source of their URL: from the body files
    under `bodies` (one read per file), or decompressed from the table in older warehouses.
    A page whose file is gone comes back with `body=None` and the reason in `missing`."""
    if not fetch_ids:
        return []
    rows = con.execute(
        """
        SELECT f.fetch_id, f.url, coalesce(f.final_url, f.url), f.content_type, f.body,
               f.body_file, fr.source, f.article_id
        FROM fetches f LEFT JOIN frontier fr ON fr.url = f.url
        WHERE f.fetch_id IN (SELECT unnest($ids))
        ORDER BY f.url
        """,
        {"ids": list(fetch_ids)},
    ).fetchall()
    by_file: dict[str, list[str]] = defaultdict(list)
    for fid, *_, body_file, _source, _aid in rows:
        if body_file is not None:
            by_file[body_file].append(fid)
    found: dict[str, bytes] = {}
    failed: dict[str, str] = {}
    for body_file, ids in by_file.items():
        try:
            found.update(read_bodies(bodies, body_file, ids))
        except WarehouseError as exc:
            failed.update(dict.fromkeys(ids, str(exc)))
    pages = []
    for fid, url, final, ctype, body, body_file, source, aid in rows:
        if body_file is None:
            pages.append(StoredPage(fid, url, final, ctype, decompress_body(body), source, aid))
        else:
            missing = failed.get(fid) or (
                None if fid in found else f"{bodies / body_file}: no body for fetch {fid}"
            )
            pages.append(StoredPage(fid, url, final, ctype, found.get(fid), source, aid, missing))
    return pages
