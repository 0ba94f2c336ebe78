"""Exact and near-duplicate articles: a 64-bit simhash of word 3-shingles, found by keys.

Each new article version is compared with the earliest copies only (rows whose `duplicate_of`
is NULL) that share a key: the simhash is cut into 8 bytes, and two hashes within THRESHOLD = 6
bits differ in at most 6 bytes, so some pair of bytes is equal (28 pairs, 16-bit keys).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

# Hamming distance (of 64 bits) up to which two texts are copies; see docs/warehouse.md.
THRESHOLD = 6
# Pairs of byte positions: with at most 6 of the 8 bytes differing, 2 bytes are equal.
KEY_BYTES = tuple(itertools.combinations(range(0, 64, 8), 2))
_CHUNK_DOCS = 2048  # docs per bincount block: bounds the counts array to ~32 MiB
_M1, _M2, _M3 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(
    0x94D049BB133111EB
)
_BYTE_BITS = np.unpackbits(
    np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little"
).astype(np.int32)
DUPS_SCHEMA = pa.schema(
    [
        ("ord", pa.int64()),
        ("simhash", pa.uint64()),
        ("duplicate_of", pa.string()),
        ("duplicate_kind", pa.string()),
        ("duplicate_distance", pa.int8()),
    ]
)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads a combined word hash over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M2
    x = x ^ (x >> np.uint64(27))
    x = x * _M3
    return x ^ (x >> np.uint64(31))


def shingle_hashes(words: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every word 3-shingle, per document (a document of 1-2 words is one shingle).

    `words` holds each document's word hashes one after another, `offsets` where each starts
    (length = documents + 1). Returns the shingle hashes and their offsets.
    """
    words = np.asarray(words, dtype=np.uint64)
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    per_doc = np.maximum(lengths - 2, np.minimum(lengths, 1))
    padded = np.concatenate((words, np.zeros(2, dtype=np.uint64)))
    with np.errstate(over="ignore"):
        # Every position's shingle, then drop those that run past the end of their document.
        combined = padded[:-2] * _M1 + padded[1:-1] * _M2 + padded[2:] * _M3
    keep = np.ones(len(words), dtype=bool)
    long_docs = lengths >= 3
    keep[offsets[1:][long_docs] - 1] = False
    keep[offsets[1:][long_docs] - 2] = False
    short = np.flatnonzero((lengths > 0) & ~long_docs)
    keep[offsets[short][lengths[short] == 2] + 1] = False
    with np.errstate(over="ignore"):
        # A 1-word document's "second word" is the next document's first: zero it.
        second = np.where(lengths[short] == 2, padded[offsets[short] + 1], np.uint64(0))
        combined[offsets[short]] = words[offsets[short]] * _M1 + second * _M2
        hashes = _mix(combined[keep])
    return hashes, np.concatenate(([0], np.cumsum(per_doc)))


def simhashes(features: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Charikar simhash of each document's feature hashes; the second array marks empty ones.

    Bits are counted a byte at a time: one bincount over (document, byte position, byte value)
    and a product with each byte value's bits, which keeps the work in numpy.
    """
    docs = len(offsets) - 1
    out = np.zeros(docs, dtype=np.uint64)
    counts = np.diff(offsets)
    as_bytes = np.ascontiguousarray(features, dtype=np.uint64).view(np.uint8).reshape(-1, 8)
    position = np.arange(8, dtype=np.int64)
    for start in range(0, docs, _CHUNK_DOCS):
        stop = min(docs, start + _CHUNK_DOCS)
        lo, hi = offsets[start], offsets[stop]
        local = np.repeat(np.arange(stop - start, dtype=np.int64), counts[start:stop])
        keys = ((local[:, None] * 8 + position) * 256 + as_bytes[lo:hi]).ravel()
        table = np.bincount(keys, minlength=(stop - start) * 8 * 256).reshape(-1, 8, 256)
        ones = (table @ _BYTE_BITS).reshape(-1, 64)
        bits = ones * 2 > counts[start:stop, None]
        out[start:stop] = np.packbits(bits, axis=1, bitorder="little").view(np.uint64).ravel()
    return out, counts > 0


def hamming(a: int, b: int) -> int:
    return (int(a) ^ int(b)).bit_count()


def duplicates_of_staged(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Simhash and `duplicate_of` of the new versions in `_tokens` (see storage/search.py)."""
    staged = con.execute(
        "SELECT t.ord, t.id, s.content_hash, t.text_words FROM _tokens t JOIN _stage s USING (ord) "
        "ORDER BY t.ord"
    ).to_arrow_table()
    words = staged.column("text_words").combine_chunks()
    offsets = words.offsets.to_numpy()
    features, offsets = shingle_hashes(words.flatten().to_numpy(), offsets - offsets[0])
    hashes, has_text = simhashes(features, offsets)
    return find_duplicates(
        con,
        staged.column("ord").to_numpy(),
        staged.column("id").to_pylist(),
        staged.column("content_hash").to_pylist(),
        hashes,
        has_text,
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    root: str
    exact: bool
    distance: int
    rank: tuple[object, ...]  # earliest first


def _keys(column: str) -> str:
    """The 28 keys of a simhash as one list: pair number in the high bits, the 2 bytes below."""
    keys = [
        f"({n} << 16 | (({column} >> {high}) & 255) << 8 | (({column} >> {low}) & 255))"
        for n, (low, high) in enumerate(KEY_BYTES)
    ]
    return f"unnest([{', '.join(keys)}])"


def _band_join(left: str, right: str, condition: str) -> str:
    """Pairs within THRESHOLD bits that share a key, in one hash join (`left` is the small side)."""
    return f"""
        SELECT DISTINCT n.ord, r.* EXCLUDE (key),
               bit_count(xor(n.simhash, r.simhash))::INTEGER AS distance
        FROM (SELECT *, {_keys("simhash")} AS key FROM {left}) n
        JOIN (SELECT *, {_keys("simhash")} AS key FROM {right}) r
          ON n.key = r.key AND {condition}
        WHERE bit_count(xor(n.simhash, r.simhash)) <= {THRESHOLD}"""


def _stored_candidates(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[int, _Candidate]]:
    exact = con.execute(
        """
        SELECT n.ord, coalesce(a.duplicate_of, a.id), a.first_seen, a.id
        FROM _dedup_new n JOIN articles a
          ON a.content_hash = n.content_hash AND a.valid_to IS NULL AND a.id <> n.id
        -- Only copies already marked (and indexed) are earlier: the rest wait their turn.
        WHERE EXISTS (SELECT 1 FROM search_docs d WHERE d.id = a.id AND d.version = a.version)
        """
    ).fetchall()
    for ord_, root, first_seen, id_ in exact:
        yield ord_, _Candidate(root, True, 0, (0, first_seen, id_))
    roots = (
        "(SELECT id, simhash, first_seen FROM articles "
        "WHERE valid_to IS NULL AND duplicate_of IS NULL AND simhash IS NOT NULL)"
    )
    joined = _band_join("_dedup_new", roots, "r.id <> n.id")
    near = con.execute(f"SELECT ord, id, first_seen, distance FROM ({joined})").fetchall()
    for ord_, id_, first_seen, distance in near:
        yield ord_, _Candidate(id_, False, distance, (0, first_seen, id_))


def _batch_pairs(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int, int, bool]]:
    """(later ord, earlier ord, distance, same text) for copies inside the batch itself."""
    earlier = "(SELECT ord AS prev, id, simhash, content_hash FROM _dedup_new)"
    near = _band_join("_dedup_new", earlier, "r.prev < n.ord AND r.id <> n.id")
    exact = """SELECT n.ord, r.ord, 0, true FROM _dedup_new n JOIN _dedup_new r
               ON r.content_hash = n.content_hash AND r.ord < n.ord AND r.id <> n.id"""
    return con.execute(
        f"SELECT ord, prev, distance, false FROM ({near}) UNION ALL {exact}"
    ).fetchall()


def find_duplicates(
    con: duckdb.DuckDBPyConnection,
    ords: np.ndarray,
    ids: list[str],
    content_hashes: list[str],
    hashes: np.ndarray,
    has_text: np.ndarray,
) -> pa.Table:
    """Decide `duplicate_of` for new article versions given in arrival order (DUPS_SCHEMA)."""
    simhash = pa.array(hashes, pa.uint64(), mask=~has_text)
    new = pa.table(
        {"ord": ords, "id": ids, "content_hash": content_hashes, "simhash": simhash}
    )
    con.register("_dedup_new", new)
    try:
        best: dict[int, _Candidate] = {}
        for ord_, cand in _stored_candidates(con):
            best[ord_] = _better(best.get(ord_), cand)
        pairs = _batch_pairs(con)
    finally:
        con.unregister("_dedup_new")
    chosen = _resolve_in_batch(best, pairs, dict(zip(ords.tolist(), ids, strict=True)))
    roots = [chosen.get(o) for o in ords.tolist()]
    return pa.table(
        {
            "ord": ords,
            "simhash": simhash,
            "duplicate_of": [c.root if c else None for c in roots],
            "duplicate_kind": [("exact" if c.exact else "near") if c else None for c in roots],
            "duplicate_distance": [c.distance if c else None for c in roots],
        },
        schema=DUPS_SCHEMA,
    )


def _better(current: _Candidate | None, other: _Candidate) -> _Candidate:
    """Same text beats similar text; then the earliest copy."""
    if current is None:
        return other
    return min(current, other, key=lambda c: (not c.exact, c.rank))


def _resolve_in_batch(
    stored: dict[int, _Candidate],
    pairs: list[tuple[int, int, int, bool]],
    id_of: dict[int, str],
) -> dict[int, _Candidate]:
    """Stored copies are earlier than any in the batch; inside it, earlier `ord` wins."""
    by_later: dict[int, list[tuple[int, int, bool]]] = {}
    for later, prev, distance, exact in pairs:
        by_later.setdefault(later, []).append((prev, distance, exact))
    chosen = dict(stored)
    for later in sorted(by_later):
        current = chosen.get(later)
        if current is not None and (current.exact or not _has_exact(by_later[later])):
            continue
        for prev, distance, exact in sorted(by_later[later], key=lambda p: (not p[2], p[0])):
            prev_choice = chosen.get(prev)
            if prev_choice is not None and not exact:
                continue  # near copies are matched against originals only
            root = prev_choice.root if prev_choice else id_of[prev]
            cand = _Candidate(root, exact, distance, (1, prev))
            if current is None or (exact and not current.exact):
                chosen[later] = cand
            break
    return chosen


def _has_exact(options: list[tuple[int, int, bool]]) -> bool:
    return any(exact for _, _, exact in options)
