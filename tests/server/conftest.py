"""Server fixtures: the real PostgreSQL cluster of the sync tests."""

from tests.sync.conftest import make_station, pg, server  # noqa: F401 - shared fixtures
