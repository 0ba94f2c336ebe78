"""Record files on disk: seeds round trip, every rejection and repair, streaming, the writer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.records import (
    MAX_RECORD_BYTES,
    Block,
    Problem,
    RecordFile,
    RecordFormatError,
    _scan,  # the reference the fast path must agree with
    detect_layout,
    iter_records,
    parse_record_name,
    read_record,
    render_text,
    repair_text,
    split_blocks,
    validate_text,
    write_record,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
CASES = sorted((Path(__file__).parent / "records_cases").glob("*.txt"))
NAME = "007_0123456789abcdef.txt"


def test_the_five_seeds_are_there() -> None:
    assert [p.name[:3] for p in SEEDS] == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("path", SEEDS + CASES, ids=lambda p: p.name)
def test_read_then_write_gives_the_same_bytes_and_name(path: Path, tmp_path: Path) -> None:
    record = read_record(path)
    written = write_record(tmp_path, record)
    assert written.name == path.name == record.name
    assert written.read_bytes() == path.read_bytes()
    assert record.repairs == ()


@pytest.mark.parametrize("path", SEEDS + CASES, ids=lambda p: p.name)
def test_rendering_the_split_blocks_gives_the_file_back(path: Path) -> None:
    record = read_record(path)
    blocks = split_blocks(record.text, record.layout)
    assert render_text(blocks, record.layout) == record.text


def test_layouts_of_the_seeds() -> None:
    layouts = {p.name[:3]: read_record(p).layout for p in SEEDS}
    assert layouts == {
        "000": "spaced",
        "001": "spaced",
        "002": "compact",
        "003": "compact",
        "004": "spaced",
    }


def test_compact_seed_blocks_keep_empty_items_and_markers() -> None:
    record = read_record(SEEDS[3])
    assert record.blocks()[-1] == "-"
    assert record.blocks()[2].startswith("- Kim Jong Un")
    assert split_blocks(record.text)[-1] == Block("item", "")
    assert record.headline.startswith("A meeting between")


def test_spaced_seed_blocks_mark_where_the_file_leaves_out_blank_lines() -> None:
    blocks = split_blocks(read_record(SEEDS[4]).text)
    caption, first_item = blocks[2], blocks[3]
    assert caption.kind == "text" and caption.spacing == "auto"
    assert first_item == Block(
        "item", "Kim Jong Un expressed full support for Russia’s Ukraine operations.", "line"
    )
    assert all(b.spacing == "auto" for b in blocks[4:8])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("000_910ccb62103a7f63.txt", (0, "910ccb62103a7f63")),
        ("999_0000000000000000.txt", (999, "0000000000000000")),
        ("1000_ffffffffffffffff.txt", (1000, "ffffffffffffffff")),
        ("123456789012345678_0123456789abcdef.txt", (123456789012345678, "0123456789abcdef")),
    ],
)
def test_record_names_that_parse(name: str, expected: tuple[int, str]) -> None:
    assert parse_record_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "00_0123456789abcdef.txt",  # fewer than 3 digits
        "0001_0123456789abcdef.txt",  # zero padding beyond 3 digits
        "001_0123456789ABCDEF.txt",  # upper-case hex
        "001_0123456789abcde.txt",  # 15 hex digits
        "001_0123456789abcdef0.txt",  # 17 hex digits
        "001_0123456789abcdeg.txt",  # not hex
        "001_0123456789abcdef.TXT",
        "001_0123456789abcdef.txt.bak",
        "001_0123456789abcdef.txt\n",
        "001-0123456789abcdef.txt",
        "١٢٣_0123456789abcdef.txt",  # non-ASCII digits
        "1234567890123456789_0123456789abcdef.txt",  # beyond a signed 64-bit integer
        "README.md",
    ],
)
def test_names_that_are_not_records(name: str) -> None:
    with pytest.raises(RecordFormatError) as caught:
        parse_record_name(name)
    assert caught.value.reason == "bad_name"
    assert name in str(caught.value) and "not a record file name" in str(caught.value)


# Each case: the exact bytes on disk, and the text repair=True makes of it (None: not fixable).
REJECTED: dict[str, tuple[bytes, str | None]] = {
    "not_utf8": (b"caf\xe9 au lait", None),
    "not_utf8/utf16": ("Headline".encode("utf-16"), None),
    "empty": (b"", None),
    "empty/white": (b" \n\t\n \xc2\xa0", None),
    "control_char/nul": (b"Head\x00line", None),
    "control_char/lone_cr": (b"Head\rline", None),
    "control_char/form_feed": (b"one\x0ctwo", None),
    "control_char/c1": ("one\u0085two".encode(), None),
    "control_char/line_separator": ("one\u2028two".encode(), None),
    "bom": (b"\xef\xbb\xbfHeadline\n\nBody", "Headline\n\nBody"),
    "crlf": (b"Headline\r\n\r\nBody", "Headline\n\nBody"),
    "trailing_newline": (b"Headline\n\nBody\n\n", "Headline\n\nBody"),
    "trailing_space": (b"Headline \n\nBody  ", "Headline\n\nBody"),
    "tab": (b"Head\tline\n\nBody", "Head line\n\nBody"),
    "nbsp": ("10\u00a0000 and 10\u202f000".encode(), "10 000 and 10 000"),
    "blank_lines": (b"Headline\n\n\n\nBody", "Headline\n\nBody"),
    "blank_lines/first": (b"\nHeadline\n\nBody", "Headline\n\nBody"),
}


@pytest.mark.parametrize("case", REJECTED)
def test_each_rejection_names_the_path_and_the_reason(case: str, tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(REJECTED[case][0])
    with pytest.raises(RecordFormatError) as caught:
        read_record(path)
    error = caught.value
    assert error.reason == case.split("/")[0]
    assert error.path == path
    assert str(error).startswith(f"{path}: ") and error.message in str(error)


@pytest.mark.parametrize("case", [c for c, (_, fixed) in REJECTED.items() if fixed is not None])
def test_repair_fixes_each_fixable_deviation(case: str, tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(REJECTED[case][0])
    record = read_record(path, repair=True)
    assert record.text == REJECTED[case][1]
    assert case.split("/")[0] in record.repairs
    assert validate_text(record.text) == []
    out = tmp_path / "out"
    out.mkdir()
    rewritten = write_record(out, record)
    assert read_record(rewritten) == RecordFile(record.seq, record.id, record.text, record.layout)


@pytest.mark.parametrize("case", [c for c, (_, fixed) in REJECTED.items() if fixed is None])
def test_repair_does_not_fix_what_cannot_be_fixed(case: str, tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(REJECTED[case][0])
    with pytest.raises(RecordFormatError) as caught:
        read_record(path, repair=True)
    assert caught.value.reason == case.split("/")[0]
    assert caught.value.path == path


def test_repair_lists_every_deviation_it_fixed() -> None:
    text, repairs = repair_text("\ufeffHead \r\nline\t\u00a0x\n\n\n\nBody\n")
    assert text == "Head\nline  x\n\nBody"
    assert repairs == (
        "bom",
        "crlf",
        "tab",
        "nbsp",
        "trailing_space",
        "blank_lines",
        "trailing_newline",
    )


def test_strict_error_reports_the_first_line_and_the_other_problems(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(b"ok\nbad \nworse\t\n")
    with pytest.raises(RecordFormatError) as caught:
        read_record(path)
    assert caught.value.reason == "tab"
    assert "line 3" in str(caught.value)
    assert "trailing white space on a line (line 2)" in str(caught.value)


def test_files_over_the_size_cap_are_refused_without_reading_them(tmp_path: Path) -> None:
    path = tmp_path / NAME
    with path.open("wb") as handle:
        handle.truncate(MAX_RECORD_BYTES + 1)  # sparse: big on paper, nothing to read
    for repair in (False, True):
        with pytest.raises(RecordFormatError) as caught:
            read_record(path, repair=repair)
        assert caught.value.reason == "too_large"


def test_a_file_exactly_at_the_size_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(b"x" * MAX_RECORD_BYTES)
    assert len(read_record(path).text) == MAX_RECORD_BYTES


def test_things_that_are_not_regular_files(tmp_path: Path) -> None:
    (tmp_path / NAME).mkdir()
    fifo = tmp_path / "008_0123456789abcdef.txt"
    os.mkfifo(fifo)  # reading it would block forever without a guard
    missing = tmp_path / "009_0123456789abcdef.txt"
    assert _reasons([tmp_path / NAME, fifo, missing]) == ["not_a_file", "not_a_file", "unreadable"]


def _reasons(paths: list[Path]) -> list[str]:
    reasons = []
    for path in paths:
        with pytest.raises(RecordFormatError) as caught:
            read_record(path)
        reasons.append(caught.value.reason)
    return reasons


def test_folder_read_goes_on_past_bad_files_in_record_order(tmp_path: Path) -> None:
    for seed in SEEDS:
        shutil.copy(seed, tmp_path / seed.name)
    (tmp_path / "1000_00000000000000c2.txt").write_text("Numbered above 999.")
    (tmp_path / "0999_00000000000000c2.txt").write_text("Padded too much.")
    (tmp_path / "002_aaaaaaaaaaaaaaaa.txt").write_bytes(b"\xff\xfe")
    (tmp_path / "notes.md").write_text("not a record")
    (tmp_path / "subfolder").mkdir()
    (tmp_path / "subfolder" / "005_bbbbbbbbbbbbbbbb.txt").write_text("not entered")
    results = list(iter_records(tmp_path))
    assert [_label(r) for r in results] == [
        "000_910ccb62103a7f63.txt",
        "001_3beab7614f4bc16b.txt",
        "002_2c6e15f5f88e545b.txt",
        "not_utf8:002_aaaaaaaaaaaaaaaa.txt",
        "003_88c87702faa88119.txt",
        "004_6088fd10b48ff712.txt",
        "1000_00000000000000c2.txt",
        "bad_name:0999_00000000000000c2.txt",
        "bad_name:notes.md",
    ]


def _label(result: RecordFile | RecordFormatError) -> str:
    if isinstance(result, RecordFormatError):
        assert result.path is not None
        return f"{result.reason}:{result.path.name}"
    return result.name


def test_repair_mode_applies_to_a_whole_folder(tmp_path: Path) -> None:
    (tmp_path / NAME).write_bytes(b"Headline\r\n\r\nBody\r\n")
    (tmp_path / "008_0123456789abcdef.txt").write_bytes(b"\x00")
    first, second = iter_records(tmp_path, repair=True)
    assert isinstance(first, RecordFile) and first.repairs == ("crlf", "trailing_newline")
    assert isinstance(second, RecordFormatError) and second.reason == "control_char"


def test_folder_is_read_one_file_at_a_time(tmp_path: Path) -> None:
    count = 40
    paths = [tmp_path / f"{i:03d}_{i:016x}.txt" for i in range(count)]
    for path in paths:
        path.write_text("original")
    seen = []
    for index, result in enumerate(iter_records(tmp_path)):
        assert isinstance(result, RecordFile)
        seen.append(result.text)
        if index + 1 < count:  # the next file changes only now: a reader ahead would miss it
            paths[index + 1].write_text(f"changed {index + 1}")
    assert seen == ["original"] + [f"changed {i}" for i in range(1, count)]


def test_folder_read_holds_one_file_in_memory_at_a_time(tmp_path: Path) -> None:
    body = "x" * 60_000
    for i in range(200):
        (tmp_path / f"{i:03d}_{i:016x}.txt").write_text(f"{i}\n\n{body}")
    tracemalloc.start()
    try:
        total = sum(len(r.text) for r in iter_records(tmp_path) if isinstance(r, RecordFile))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 12_000_000
    assert peak < 1_000_000  # a few files' worth, not 12 MB


def test_write_replaces_an_existing_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    old = RecordFile(7, "0123456789abcdef", "Old text", "spaced")
    new = RecordFile(7, "0123456789abcdef", "New\n\nText", "spaced")
    write_record(tmp_path, old)
    path = write_record(tmp_path, new)
    assert path.read_bytes() == b"New\n\nText"
    assert [p.name for p in tmp_path.iterdir()] == [NAME]


def test_write_refuses_text_that_breaks_the_format(tmp_path: Path) -> None:
    record = RecordFile(7, "0123456789abcdef", "Headline\n", "spaced")
    with pytest.raises(RecordFormatError) as caught:
        write_record(tmp_path, record)
    assert caught.value.reason == "trailing_newline"
    assert caught.value.path == tmp_path / NAME
    assert list(tmp_path.iterdir()) == []


def test_a_record_must_have_a_writable_name() -> None:
    with pytest.raises(RecordFormatError):
        RecordFile(1, "XYZ", "text", "spaced")
    with pytest.raises(RecordFormatError):
        RecordFile(-1, "0123456789abcdef", "text", "spaced")


def test_render_follows_the_writers_rules() -> None:
    blocks = [
        Block("text", "  Head\u00a0 line\t"),
        Block("text", "   "),
        Block("item", "cafe\u0301"),
        Block("item", ""),
        Block("text", "Body\x00 text\nwith a break"),
    ]
    assert render_text(blocks) == "Head line\n\n  • café\n  •\n\nBody text with a break"
    assert render_text(blocks, "compact") == "Head line\n- café\n-\nBody text with a break"


def test_render_refuses_when_nothing_is_left() -> None:
    with pytest.raises(RecordFormatError) as caught:
        render_text([Block("text", " \t "), Block("text", "\ufeff")])
    assert caught.value.reason == "empty"


def test_detect_layout() -> None:
    assert detect_layout("One line") == "spaced"
    assert detect_layout("  • one item") == "spaced"
    assert detect_layout("- one item") == "compact"
    assert detect_layout("Head\nBody") == "compact"
    assert detect_layout("Head\n\nBody") == "spaced"


BLOCKS = st.lists(
    st.builds(
        Block,
        kind=st.sampled_from(["text", "item"]),
        text=st.text(max_size=40),
        spacing=st.sampled_from(["auto", "line", "blank"]),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(blocks=BLOCKS, layout=st.sampled_from(["spaced", "compact"]))
def test_rendered_text_is_always_a_valid_record(blocks: list[Block], layout: str) -> None:
    try:
        text = render_text(blocks, layout)  # type: ignore[arg-type]
    except RecordFormatError as err:
        assert err.reason == "empty"
        assert not any(b.kind == "item" for b in blocks)
        return
    assert validate_text(text) == []
    assert render_text(split_blocks(text, layout), layout) == text  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(
    texts=st.lists(st.text(st.characters(categories=["L", "N", "P"]), min_size=1), min_size=2),
    layout=st.sampled_from(["spaced", "compact"]),
)
def test_writer_layouts_are_detected(texts: list[str], layout: str) -> None:
    text = render_text([Block("text", t) for t in texts], layout)  # type: ignore[arg-type]
    assert detect_layout(text) == layout


@st.composite
def nearly_valid_texts(draw: st.DrawFn) -> str:
    """Mostly harmless characters, plus at most one that a rule is about."""
    text = draw(st.text(st.sampled_from(list("ab \n-•é£")), max_size=30))
    odd = draw(
        st.sampled_from(
            [
                "",
                "\t",
                "\r",
                "\x00",
                "\x1f",
                "\x7f",
                "\x85",
                "\xa0",
                "\u2007",
                "\u202f",
                "\u2028",
                "\u2029",
                "\ufeff",
                "\ud800",
            ]
        )
    )
    at = draw(st.integers(0, len(text)))
    return text[:at] + odd + text[at:]


@settings(max_examples=400, deadline=None)
@given(text=nearly_valid_texts())
def test_the_fast_check_agrees_with_the_line_by_line_scan(text: str) -> None:
    if "\ud800" in text:
        assert [p.reason for p in validate_text(text)] == ["not_utf8"]
        return
    slow = [Problem("empty", 0)] if not text.strip() else _scan(text)
    assert validate_text(text) == slow


GENERATOR = ROOT / "bench" / "gen_records.py"


def _generate(folder: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(GENERATOR), str(folder), *args],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def test_generated_folders_are_valid_varied_and_reproducible(tmp_path: Path) -> None:
    _generate(tmp_path / "a", "--n", "60", "--seed", "3")
    _generate(tmp_path / "b", "--n", "60", "--seed", "3", "--workers", "1")
    records = list(iter_records(tmp_path / "a"))
    assert all(isinstance(r, RecordFile) for r in records) and len(records) == 60
    texts = {r.text for r in records if isinstance(r, RecordFile)}
    assert len(texts) == 60
    assert {r.layout for r in records if isinstance(r, RecordFile)} == {"spaced", "compact"}
    for path in (tmp_path / "a").iterdir():
        assert (tmp_path / "b" / path.name).read_bytes() == path.read_bytes()


def test_generator_changes_a_share_of_a_folder_under_the_same_names(tmp_path: Path) -> None:
    _generate(tmp_path, "--n", "40", "--seed", "4")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    _generate(tmp_path, "--changed-fraction", "0.25", "--seed", "5")
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after.keys() == before.keys()
    assert sum(after[name] != before[name] for name in before) == 10
    assert all(isinstance(r, RecordFile) for r in iter_records(tmp_path))


@settings(max_examples=300, deadline=None)
@given(text=nearly_valid_texts())
def test_repair_gives_a_valid_text_or_names_what_it_cannot_fix(text: str) -> None:
    try:
        repaired, repairs = repair_text(text)
    except RecordFormatError as err:
        assert err.reason in {"empty", "control_char", "not_utf8"}
        return
    assert validate_text(repaired) == []
    assert bool(repairs) == (repaired != text)
    assert repair_text(repaired) == (repaired, ())


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    path = write_record(tmp_path, RecordFile(7, "0123456789abcdef", "Text", "spaced"))
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_refuses_text_that_is_not_unicode_scalar_values(tmp_path: Path) -> None:
    with pytest.raises(RecordFormatError) as caught:
        write_record(tmp_path, RecordFile(7, "0123456789abcdef", "bad \ud800 half", "spaced"))
    assert caught.value.reason == "not_utf8"
    assert list(tmp_path.iterdir()) == []
