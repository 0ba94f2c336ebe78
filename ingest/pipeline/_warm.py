"""Imported by the extraction processes' fork server: loads what the first page would load
(parser, language model) once, so every worker forked from it starts warm."""

from ingest.pipeline._work import PageJob, work

work(
    PageJob(
        url="http://warm.invalid/",
        html="<html><body><p>Warming up the extractor and its language model.</p></body></html>",
        layout="spaced",
        source=None,
        fetch_id="warm-up",
    )
)
