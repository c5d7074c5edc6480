"""Fixtures for connector tests; the helpers live in connector_harness and are re-exported here
for tests that import them from conftest."""

import pytest

from tests.connectors.connector_harness import DATA, FakeClock, Store, load  # noqa: F401


@pytest.fixture
def clock():
    return FakeClock()
