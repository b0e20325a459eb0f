"""Downloading a finished job's files from its vendor into a work directory.

Vendor media is untrusted and vendor hosts can be slow: each download has a
total deadline and a few tries, and a file that cannot be fetched becomes a
``None`` path, which the result message names instead of attaching it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.errors import MediaError, MediaRefused
from bot.jobs.models import Job
from bot.jobs.notifier import FetchedFile, TrackFiles
from bot.providers.base import Provider

log = logging.getLogger(__name__)

_ATTEMPTS = 3


class MediaFetcher:
    def __init__(self, *, max_bytes: int, deadline: float, retry_delay: float) -> None:
        self._max_bytes = max_bytes
        self._deadline = deadline  # seconds for one download, however slowly it arrives
        self._retry_delay = retry_delay

    async def tracks(self, job: Job, provider: Provider, workdir: Path) -> list[TrackFiles]:
        """Each track's MP3 and cover, one file at a time."""
        fetched = []
        for n, track in enumerate(job.tracks, start=1):
            audio = await self._download(job, provider, track.audio_url, workdir / f"{n}.mp3")
            cover = await self._download(job, provider, track.image_url, workdir / f"{n}.img")
            fetched.append(TrackFiles(track=track, audio=audio, cover=cover))
        return fetched

    async def files(self, job: Job, provider: Provider, workdir: Path) -> list[FetchedFile]:
        """The WAVs, stems or video a follow-up made."""
        return [
            FetchedFile(f, await self._download(job, provider, f.url, workdir / f"{n}{f.suffix}"))
            for n, f in enumerate(job.files, start=1)
        ]

    async def _download(self, job: Job, provider: Provider, url: str, dest: Path) -> Path | None:
        if not url:
            return None
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with asyncio.timeout(self._deadline):
                    await provider.download(url, dest, self._max_bytes)
                return dest
            except TimeoutError:
                # A host this slow once is slow again: another try only delays the song.
                log.warning(
                    "job %s: download not done in %.0fs; not fetched", job.id, self._deadline
                )
                return None
            except MediaRefused as exc:
                log.warning("job %s: download refused: %s", job.id, exc)
                return None
            except MediaError as exc:
                log.warning("job %s: download attempt %d failed: %s", job.id, attempt, exc)
                if attempt < _ATTEMPTS:
                    await asyncio.sleep(self._retry_delay * attempt)
        return None
