"""Quoting for the few SQL statements that cannot take parameters (ATTACH, COPY ... TO, USE)."""

from __future__ import annotations


def literal(text: str) -> str:
    """`text` as a single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def identifier(text: str) -> str:
    """`text` as a double-quoted SQL identifier."""
    return '"' + text.replace('"', '""') + '"'
