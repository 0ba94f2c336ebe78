"""Errors raised by the extraction stage.

ExtractionError
 └── (no subclasses yet: every failure names the input and the reason in its message)
"""

from __future__ import annotations


class ExtractionError(Exception):
    """The page could not be turned into an `Extracted` record; the message says why."""
