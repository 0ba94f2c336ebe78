"""The backfill and export flows, run for real on a Prefect API, artifact read back."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.backfill import backfill, export

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_api")]


async def _artifact_rows(key: str) -> list[dict[str, object]]:
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    data = artifacts[0].data
    return json.loads(data) if isinstance(data, str) else data


def test_backfill_flow_counts_rejects_and_is_idempotent(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    shutil.copytree(SEEDS, folder)
    (folder / "005_00000000000000ab.txt").write_bytes(b"Headline\n\nBody\n")
    warehouse = str(tmp_path / "flow.duckdb")

    first = backfill(str(folder), warehouse=warehouse, batch_size=2)
    assert first["files_seen"] == 6 and first["new"] == 5 and first["rejected"] == 1
    con = duckdb.connect(warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM search_docs").fetchone()[0] == 5
    con.close()

    rows = asyncio.run(_artifact_rows("backfill-summary"))
    by_item = {row["item"]: row for row in rows}
    assert by_item["new"]["value"] == 5
    assert by_item["rejected file"]["value"] == "trailing_newline"
    assert "005_00000000000000ab.txt" in by_item["rejected file"]["detail"]

    second = backfill(str(folder), warehouse=warehouse)
    assert second["new"] == 0 and second["unchanged"] == 5

    out = tmp_path / "export"
    assert export(str(out), warehouse=warehouse) == 5
    for seed in SEEDS.iterdir():
        assert (out / seed.name).read_bytes() == seed.read_bytes()
