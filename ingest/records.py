"""Record files (``NNN_<id>.txt``): read, validate, repair, render and write the seed shape.

Reading keeps a file's text byte for byte; writing renders blocks with the writer's rules.

Rules, by reason code. Never fixable (always an error):

- ``bad_name``: not ``NNN_<16 lowercase hex>.txt`` (NNN: 3 digits, or 4 to 18 without a
  leading zero); ``not_a_file``: a folder, FIFO, device...; ``unreadable``: cannot be opened;
- ``too_large``: over ``MAX_RECORD_BYTES`` (5 MiB); ``not_utf8``; ``empty``: no text, or only
  white space; ``control_char``: C0/C1 controls other than ``\\n`` (NUL, a lone CR...), U+2028/9.

Fixable with ``repair=True`` (how): ``bom`` (removed), ``crlf`` (to ``\\n``), ``tab`` and
``nbsp`` (U+00A0/2007/202F; each to one space), ``trailing_space`` (removed), ``blank_lines``
(two or more in a row, or a blank first line: to one / none), ``trailing_newline`` (removed).

Layouts: *spaced* separates blocks by a blank line and marks list items ``"  • "``; *compact*
puts one block on each line and marks items ``"- "`` (a lone ``"-"`` is an empty item).
The rules with their reasons, as a table: docs/records.md.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "MAX_RECORD_BYTES",
    "RECORD_NAME",
    "Block",
    "Layout",
    "Problem",
    "RecordFile",
    "RecordFormatError",
    "detect_layout",
    "iter_records",
    "parse_record_name",
    "read_record",
    "record_name",
    "render_text",
    "repair_text",
    "split_blocks",
    "validate_text",
    "write_record",
]

Layout = Literal["spaced", "compact"]
BlockKind = Literal["text", "item"]
Spacing = Literal["auto", "line", "blank"]
Reason = Literal[
    "bad_name",
    "not_a_file",
    "unreadable",
    "too_large",
    "not_utf8",
    "empty",
    "control_char",
    "bom",
    "crlf",
    "tab",
    "nbsp",
    "trailing_space",
    "blank_lines",
    "trailing_newline",
]

MAX_RECORD_BYTES = 5 * 1024 * 1024
# 18 digits keep every sequence number inside a signed 64-bit integer (DuckDB BIGINT).
RECORD_NAME = re.compile(r"(?P<seq>[0-9]{3}|[1-9][0-9]{3,17})_(?P<id>[0-9a-f]{16})\.txt")

REASONS: dict[Reason, str] = {
    "bad_name": "not a record file name (expected NNN_<16 lowercase hex>.txt)",
    "not_a_file": "not a regular file",
    "unreadable": "cannot be read",
    "too_large": f"larger than the {MAX_RECORD_BYTES} byte cap",
    "not_utf8": "not valid UTF-8",
    "empty": "empty or white space only",
    "control_char": "contains a control character",
    "bom": "starts with a byte-order mark",
    "crlf": "has CRLF line endings",
    "tab": "contains a tab",
    "nbsp": "contains a non-breaking space",
    "trailing_space": "has trailing white space on a line",
    "blank_lines": "has two blank lines in a row or a blank first line",
    "trailing_newline": "ends with a newline",
}
FIXABLE: tuple[Reason, ...] = (
    "bom",
    "crlf",
    "tab",
    "nbsp",
    "trailing_space",
    "blank_lines",
    "trailing_newline",
)

SPACED_ITEM = "  •"
COMPACT_ITEM = "-"
_NBSP = "\u00a0\u2007\u202f"
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
# The fast check runs on the UTF-8 bytes, where plain substring tests are cheapest; the
# per-line scan that names problems runs only on texts that fail it.
_C0_BYTES = bytes(range(0x0A)) + bytes(range(0x0B, 0x20)) + b"\x7f"
_C1_OR_NBSP_BYTES = re.compile(rb"\xc2[\x80-\xa0]")
_WIDE_SPECIALS = ("\u2007", "\u202f", "\u2028", "\u2029")
_CONTROL_CHAR = re.compile(rf"[{_CONTROL}]")
_TRAILING_SPACE = re.compile(r" +$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")
_NBSP_OR_TAB = re.compile(rf"[\t{_NBSP}]")
_SPACE_RUN = re.compile(r"\s+")


class RecordFormatError(ValueError):
    """A record file (or text) that breaks the format; ``reason`` is a short machine code."""

    def __init__(self, path: Path | str | None, reason: Reason, detail: str = "") -> None:
        self.path = Path(path) if path is not None else None
        self.reason: Reason = reason
        self.detail = detail
        self.message = REASONS[reason] + (f" ({detail})" if detail else "")
        super().__init__(f"{self.path}: {self.message}" if self.path else self.message)

    def at(self, path: Path | str) -> RecordFormatError:
        """The same error, naming ``path``."""
        return RecordFormatError(path, self.reason, self.detail)


@dataclass(frozen=True, slots=True)
class Problem:
    """One rule a text breaks, with the 1-based line where it first does (0: the whole text)."""

    reason: Reason
    line: int

    @property
    def fixable(self) -> bool:
        return self.reason in FIXABLE

    def describe(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return REASONS[self.reason] + where


@dataclass(frozen=True, slots=True)
class Block:
    """One line of a record: a text block or a list item (text without its marker).

    ``spacing`` is what precedes the block in the spaced layout: ``"auto"`` follows the writer's
    rule (a blank line, except between list items); ``"line"``/``"blank"`` keep a file's own
    choice where it differs, so that rendering a split file gives it back unchanged.
    """

    kind: BlockKind
    text: str
    spacing: Spacing = "auto"


@dataclass(frozen=True, slots=True)
class RecordFile:
    """One record: its name parts, its exact text, and how it was laid out or repaired."""

    seq: int
    id: str
    text: str
    layout: Layout
    repairs: tuple[Reason, ...] = ()

    def __post_init__(self) -> None:
        # A record that could not be written back under its own name is a bug at the source.
        parse_record_name(record_name(self.seq, self.id))

    @property
    def name(self) -> str:
        return record_name(self.seq, self.id)

    @property
    def headline(self) -> str:
        """The first line (for an extracted record, the headline), list marker kept."""
        return self.text.split("\n", 1)[0]

    def blocks(self) -> list[str]:
        """One string per non-blank line, list markers kept."""
        return [line for line in self.text.split("\n") if line]


def record_name(seq: int, id: str) -> str:
    """The file name of record ``seq`` with ``id`` (not checked: see ``parse_record_name``)."""
    return f"{seq:03d}_{id}.txt"


def parse_record_name(name: str) -> tuple[int, str]:
    """``(seq, id)`` of a record file name; ``RecordFormatError("bad_name")`` otherwise."""
    match = RECORD_NAME.fullmatch(name)
    if match is None:
        raise RecordFormatError(name, "bad_name")
    return int(match["seq"]), match["id"]


def validate_text(text: str) -> list[Problem]:
    """Every rule ``text`` breaks, first occurrence each; an empty list means it is valid."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as err:  # lone surrogates
        return [Problem("not_utf8", _line_of(text, err.start))]
    return _problems(text, data)


def _problems(text: str, data: bytes) -> list[Problem]:
    if not text.strip():
        return [Problem("empty", 0)]
    if _looks_valid(text, data):
        return []
    return _scan(text)


def _looks_valid(text: str, data: bytes) -> bool:
    """True if ``text`` (whose UTF-8 encoding is ``data``) breaks no content rule."""
    return (
        len(data.translate(None, _C0_BYTES)) == len(data)
        and b" \n" not in data
        and b"\n\n\n" not in data
        and not data.startswith((b"\n", b"\xef\xbb\xbf"))
        and not data.endswith((b"\n", b" "))
        and (b"\xc2" not in data or _C1_OR_NBSP_BYTES.search(data) is None)
        and not any(char in text for char in _WIDE_SPECIALS)
    )


def _scan(text: str) -> list[Problem]:
    found: dict[Reason, int] = {}
    if text.startswith("\ufeff"):
        found["bom"] = 1
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        for reason in _line_problems(line, last=number == len(lines)):
            found.setdefault(reason, number)
    if "\n\n\n" in text or text.startswith("\n"):
        found["blank_lines"] = _line_of(text, text.find("\n\n\n") + 1 if "\n\n\n" in text else 0)
    if text.endswith("\n"):
        found["trailing_newline"] = text.count("\n")
    order = list(REASONS)
    return sorted((Problem(r, n) for r, n in found.items()), key=lambda p: order.index(p.reason))


def _line_problems(line: str, *, last: bool) -> Iterator[Reason]:
    if line.endswith("\r") and not last:
        yield "crlf"
        line = line[:-1]
    if _CONTROL_CHAR.search(line):  # a lone CR is one
        yield "control_char"
    if "\t" in line:
        yield "tab"
    if any(ch in line for ch in _NBSP):
        yield "nbsp"
    if line.endswith(" "):
        yield "trailing_space"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def repair_text(text: str) -> tuple[str, tuple[Reason, ...]]:
    """``text`` with every fixable problem fixed, and the reasons fixed, in table order.

    Raises ``RecordFormatError`` (without a path) for the first problem that cannot be fixed.
    """
    problems = validate_text(text)
    for problem in problems:
        if not problem.fixable:
            raise RecordFormatError(None, problem.reason, _where(problem))
    if not problems:
        return text, ()
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    text = _NBSP_OR_TAB.sub(" ", text)
    text = _TRAILING_SPACE.sub("", text)
    # A U+FEFF that removing blank lines brings to the start would read as a BOM.
    text = _BLANK_RUN.sub("\n\n", text).lstrip("\n\ufeff").rstrip("\n")
    remaining = validate_text(text)
    if remaining:  # e.g. a file of tabs only is empty once repaired
        raise RecordFormatError(None, remaining[0].reason, "after repair")
    return text, tuple(p.reason for p in problems)


def _where(problem: Problem) -> str:
    return f"line {problem.line}" if problem.line else ""


def detect_layout(text: str) -> Layout:
    """The layout of a valid record text; a single text line counts as spaced (the default)."""
    if "\n\n" in text or text.startswith(SPACED_ITEM) or f"\n{SPACED_ITEM}" in text:
        return "spaced"
    if "\n" in text or _is_item(text, COMPACT_ITEM):
        return "compact"
    return "spaced"


def _is_item(line: str, marker: str) -> bool:
    return line == marker or line.startswith(marker + " ")


def _marker(layout: Layout) -> str:
    return SPACED_ITEM if layout == "spaced" else COMPACT_ITEM


def split_blocks(text: str, layout: Layout | None = None) -> list[Block]:
    """The blocks of a record text, in order; ``render_text`` of them in the same layout gives
    back any text the writer could have made (every seed included)."""
    layout = layout or detect_layout(text)
    marker = _marker(layout)
    blocks: list[Block] = []
    blank = False
    for line in text.split("\n"):
        if not line:
            blank = True
            continue
        kind: BlockKind = "item" if _is_item(line, marker) else "text"
        body = line[len(marker) + 1 :] if kind == "item" else line
        spacing: Spacing = "auto"
        if blocks and layout == "spaced" and blank != _blank_by_rule(blocks[-1].kind, kind):
            spacing = "blank" if blank else "line"
        blocks.append(Block(kind, body, spacing))
        blank = False
    return blocks


def _blank_by_rule(previous: BlockKind, current: BlockKind) -> bool:
    return not (previous == "item" and current == "item")


def render_text(blocks: Iterable[Block], layout: Layout = "spaced") -> str:
    """Record text for ``blocks`` by the writer's rules (NFC, white space collapsed inside a
    block, no control characters, blank text blocks dropped, empty list items kept)."""
    marker = _marker(layout)
    spaced = layout == "spaced"
    out: list[str] = []
    previous: BlockKind | None = None
    for block in blocks:
        body = _clean(block.text)
        kind = block.kind
        if kind == "item":
            body = f"{marker} {body}" if body else marker
        elif not body:
            continue
        if previous is not None:
            out.append(_separator(previous, kind, block.spacing) if spaced else "\n")
        out.append(body)
        previous = kind
    if not out:
        raise RecordFormatError(None, "empty", "every block is blank")
    return "".join(out)


def _clean(text: str) -> str:
    # isprintable() is False for every control, tab, line break and non-ASCII space (and for
    # U+FEFF), so most extracted text skips the regular expressions.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text if unicodedata.is_normalized("NFC", text) else _clean_slow(text)
    return _clean_slow(text)


def _clean_slow(text: str) -> str:
    # U+FEFF inside text is a zero-width no-break space, but at the start it would read as a BOM.
    text = _CONTROL_CHAR.sub(" ", unicodedata.normalize("NFC", text.replace("\ufeff", "")))
    return _SPACE_RUN.sub(" ", text).strip()


def _separator(previous: BlockKind, kind: BlockKind, spacing: Spacing) -> str:
    """What goes between two blocks in the spaced layout."""
    if spacing == "auto":
        return "\n\n" if _blank_by_rule(previous, kind) else "\n"
    return "\n\n" if spacing == "blank" else "\n"


def read_record(path: Path, *, repair: bool = False) -> RecordFile:
    """The record in ``path``; ``RecordFormatError`` (with the path) if it breaks the format."""
    seq, id_ = _parse_name_at(Path(path))
    return _load(os.fspath(path), seq, id_, repair)


def _load(path: str, seq: int, id_: str, repair: bool) -> RecordFile:
    # Paths stay plain strings here: pathlib costs more than the rest of a small file's read.
    data = _read_bounded(path)
    if data.startswith(b"\xef\xbb\xbf") and not repair:
        raise RecordFormatError(path, "bom")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RecordFormatError(path, "not_utf8", _decode_detail(data, err)) from None
    repairs: tuple[Reason, ...] = ()
    if repair:
        try:
            text, repairs = repair_text(text)
        except RecordFormatError as err:
            raise err.at(path) from None
    else:
        problems = _problems(text, data)
        if problems:
            detail = "; ".join(p.describe() for p in problems[1:])
            raise RecordFormatError(
                path,
                problems[0].reason,
                _where(problems[0]) + (f"; also {detail}" if detail else ""),
            )
    return RecordFile(seq, id_, text, detect_layout(text), repairs)


def _parse_name_at(path: Path) -> tuple[int, str]:
    try:
        return parse_record_name(path.name)
    except RecordFormatError:
        raise RecordFormatError(path, "bad_name") from None


def _read_bounded(path: str) -> bytes:
    # O_NONBLOCK: opening a FIFO that happens to have a record name must not hang the batch.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as err:
        raise RecordFormatError(path, "unreadable", err.strerror or type(err).__name__) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RecordFormatError(path, "not_a_file")
        if info.st_size > MAX_RECORD_BYTES:
            raise RecordFormatError(path, "too_large", f"{info.st_size} bytes")
        data = _read_up_to(fd, info.st_size)
    except OSError as err:
        raise RecordFormatError(path, "unreadable", err.strerror or type(err).__name__) from None
    finally:
        os.close(fd)
    if len(data) > MAX_RECORD_BYTES:
        raise RecordFormatError(path, "too_large")
    if not data:
        raise RecordFormatError(path, "empty")
    return data


def _read_up_to(fd: int, expected: int) -> bytes:
    # A read allocates its whole size up front, so ask for what fstat saw (plus one byte to
    # notice growth); read on only if the file grew or the read came back short.
    data = os.read(fd, expected + 1)
    if len(data) == expected:
        return data
    chunks = [data]
    size = len(data)
    while size <= MAX_RECORD_BYTES and (chunk := os.read(fd, 1 << 16)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _decode_detail(data: bytes, err: UnicodeDecodeError) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "it looks like UTF-16"
    return f"invalid byte at offset {err.start}"


def iter_records(folder: Path, *, repair: bool = False) -> Iterator[RecordFile | RecordFormatError]:
    """Every file directly in ``folder``, one at a time: a ``RecordFile`` or the error for it.

    Record names come first, in ``(seq, id)`` order, then any other files by name (each a
    ``bad_name`` error). Only the names are listed up front; sub-folders are not entered.
    """
    with os.scandir(folder) as entries:
        names = [entry.name for entry in entries if not entry.is_dir()]
    good = [name for name in names if RECORD_NAME.fullmatch(name)]
    bad = sorted(set(names).difference(good))
    del names
    # Record names have no zero padding beyond 3 digits, so (length of NNN, name) is
    # (seq, id) order without parsing every name up front.
    good.sort(key=lambda name: (name.index("_"), name))
    for name in good:
        cut = name.index("_")
        try:
            yield _load(os.path.join(folder, name), int(name[:cut]), name[cut + 1 : -4], repair)
        except RecordFormatError as err:
            yield err
    for name in bad:
        yield RecordFormatError(Path(folder, name), "bad_name")


def write_record(folder: Path, record: RecordFile) -> Path:
    """Write ``record`` to ``folder/record.name`` atomically (temp file, then rename).

    The text is written exactly as it is; ``RecordFormatError`` if it breaks the format.
    """
    path = Path(folder) / record.name
    try:
        data = record.text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise RecordFormatError(path, "not_utf8", f"unpaired surrogate at {err.start}") from None
    problems = _problems(record.text, data)
    if problems:
        raise RecordFormatError(path, problems[0].reason, _where(problems[0]))
    if len(data) > MAX_RECORD_BYTES:
        raise RecordFormatError(path, "too_large", f"{len(data)} bytes")
    tmp = path.with_name(f".{record.name}.{os.getpid()}.{next(_TMP_COUNTER)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


_TMP_COUNTER = itertools.count()
