"""read_metadata against the hand-checked truth of 30 real pages (metadata_truth.json).

Each field must stay at or above the accuracy reached when the truth was written.
"""

from __future__ import annotations

import gzip
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from selectolax.lexbor import LexborHTMLParser

from ingest.extract.metadata import read_metadata

HERE = Path(__file__).resolve().parent
TRUTH = HERE / "metadata_truth.json"
PAGES = HERE / "pages"

# Reached on the 30 pages; raise these when the extractor improves, never lower them.
REQUIRED = {"title": 0.96, "authors": 0.90, "published": 0.96, "language": 0.93}


def _load_scorer() -> ModuleType:
    # The scoring rules live in the benchmark script so the test and the printed figures agree.
    path = HERE.parents[1] / "bench" / "metadata_accuracy.py"
    spec = importlib.util.spec_from_file_location("metadata_accuracy", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


scorer = _load_scorer()


@pytest.fixture(scope="module")
def outcomes() -> list:
    return scorer.score(scorer.load_truth(TRUTH), PAGES)


def test_truth_covers_thirty_pages_from_both_sets_and_every_page_is_present() -> None:
    truth = scorer.load_truth(TRUTH)
    assert len(truth) == 30
    assert {entry["set"] for entry in truth} == {"zyte-dev", "readability"}
    for entry in truth:
        assert (PAGES / entry["set"] / f"{entry['id']}.html.gz").is_file(), entry["id"]


@pytest.mark.parametrize("field", sorted(REQUIRED))
def test_field_accuracy_does_not_regress(field: str, outcomes: list) -> None:
    accuracy = scorer.accuracy(outcomes, field)
    wrong = [(o.page, o.expected, o.got) for o in outcomes if o.field == field and not o.correct]
    print(f"{field}: {accuracy:.3f}; wrong: {wrong}")
    assert accuracy >= REQUIRED[field], wrong


def test_scorer_rejects_a_wrong_answer() -> None:
    entry = {"title": "A headline", "authors": ["Ada"], "published": "2020-01-02", "language": "en"}
    from ingest.extract.model import Extracted

    assert scorer._title(entry, Extracted(title="A  headline"))[0]
    assert not scorer._title(entry, Extracted(title="A headline | Site"))[0]
    assert not scorer._authors(entry, Extracted(authors=("Ada", "Bob")))[0]
    assert not scorer._published(entry, Extracted())[0]
    assert not scorer._language(entry, Extracted(language="de"))[0]


def test_real_pages_are_not_mutated() -> None:
    for entry in scorer.load_truth(TRUTH)[:10]:
        raw = (PAGES / entry["set"] / f"{entry['id']}.html.gz").read_bytes()
        tree = LexborHTMLParser(gzip.decompress(raw).decode("utf-8", errors="replace"))
        before = tree.html
        read_metadata(tree, entry.get("url"))
        assert tree.html == before, entry["id"]
