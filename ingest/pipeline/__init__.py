"""The scrape pipeline without Prefect: discovery into the frontier, batches of fetch, raw
storage, extraction and append, whole runs, and re-parsing stored pages (docs/scrape.md).
"""

from ingest.pipeline._collect import is_retryable
from ingest.pipeline._pool import shutdown_pools
from ingest.pipeline.batch import claim_batch, process_batch
from ingest.pipeline.discovery import discover
from ingest.pipeline.reparse import reparse_all
from ingest.pipeline.report import (
    BatchReport,
    DiscoveryReport,
    DomainStats,
    Failure,
    LatencySketch,
    ReparseReport,
    ScrapeReport,
)
from ingest.pipeline.run import BatchDone, Steps, run_scrape
from ingest.pipeline.settings import Progress, ScrapeSettings, Sources
from storage.frontier import FrontierItem

__all__ = [
    "BatchDone",
    "BatchReport",
    "DiscoveryReport",
    "DomainStats",
    "Failure",
    "FrontierItem",
    "LatencySketch",
    "Progress",
    "ReparseReport",
    "ScrapeReport",
    "ScrapeSettings",
    "Sources",
    "Steps",
    "claim_batch",
    "discover",
    "is_retryable",
    "process_batch",
    "reparse_all",
    "run_scrape",
    "shutdown_pools",
]
