"""bench/readers.py, the twenty readers of the desk at once (issue 22), still measures what it says it does.

The numbers themselves are recorded in bench/README.md, measured on a quiet machine; here only
what each way of reading is answered, never how fast (a shared machine is no benchmark).
"""

from __future__ import annotations

from bench.readers import PerReader, Rendering, Request, Revalidating, read_for


def test_twenty_readers_revalidating_get_304s_reading_get_the_kept_page_and_rendering_renders(seeded_server: str) -> None:
    revalidating = read_for(seeded_server, "revalidating", 20, 0.5, PerReader(Revalidating))
    assert set(revalidating.statuses) == {"304"} and len(revalidating.latencies) >= 20, revalidating.statuses
    reading = read_for(seeded_server, "reading", 20, 0.5, PerReader(Request))
    assert set(reading.statuses) == {"200 hit"}, reading.statuses  # the page kept since the last change
    rendering = read_for(seeded_server, "rendering", 4, 0.5, PerReader(Rendering))
    assert "200 hit" not in rendering.statuses and sum(rendering.statuses.values()) >= 4, rendering.statuses
