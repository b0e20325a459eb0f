"""Fixtures every kind of test shares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.jobs.store import JobStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[JobStore]:
    """A migrated jobs database in a real SQLite file of the test's own."""
    opened = await JobStore.open(tmp_path / "jobs.sqlite3")
    yield opened
    await opened.close()
