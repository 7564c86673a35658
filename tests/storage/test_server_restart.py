"""A long-lived `Log` outlives a PostgreSQL restart: the pool replaces the connections the
server dropped instead of failing the first call after it is back (regression: the driver
error mapping used to swallow the pool's pre-ping)."""

from __future__ import annotations

import pytest

import storage
from storage import NewArtwork
from tests.private_postgres import private_postgres


@pytest.mark.slow
def test_a_log_works_again_after_postgresql_restarts() -> None:
    with private_postgres() as server, storage.open_log(server.url, create=True) as log:
        log.register("t1", [NewArtwork("a.jpg"), NewArtwork("b.jpg")])
        writer = log.writer()
        assert log.titles() == ["t1"]
        server.stop()
        with pytest.raises(storage.DatabaseUnavailable):
            log.titles()
        with pytest.raises(storage.DatabaseUnavailable):
            writer.active_artworks("t1")
        server.start()
        for _ in range(3):  # every pooled connection, and the writer's own
            assert log.titles() == ["t1"]
            assert [a.image_path for a in writer.active_artworks("t1")] == ["a.jpg", "b.jpg"]
        writer.close()
