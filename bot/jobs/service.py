"""Accepting a member's request: check it, store it, hand it to the runner."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Sequence

from bot.config import JobSettings
from bot.errors import InputError
from bot.jobs.models import Job
from bot.jobs.runner import JobRunner
from bot.jobs.store import JobStore
from bot.jobs.validation import check_generate
from bot.providers.base import GenerateRequest, Provider
from bot.providers.catalog import MODELS, ModelSpec


class JobService:
    def __init__(
        self,
        store: JobStore,
        runner: JobRunner,
        providers: Sequence[Provider],
        settings: JobSettings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._runner = runner
        self._providers = providers  # in priority order
        self._settings = settings
        self._clock = clock

    def offered_models(self) -> dict[str, ModelSpec]:
        """Catalog models at least one configured provider can run, in catalog order."""
        keys = {key for p in self._providers for key in p.models}
        return {key: spec for key, spec in MODELS.items() if key in keys}

    def default_model(self) -> str:
        offered = self.offered_models()
        wanted = self._settings.default_model
        return wanted if wanted in offered else next(iter(offered))

    async def create(
        self,
        request: GenerateRequest,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        upload_limit: int | None,
    ) -> Job:
        """Store a new job and start it. Raises ``InputError`` and then stores nothing."""
        check_generate(request, self.offered_models())
        limit = self._settings.max_active_per_member
        if await self._store.count_open_for_user(user_id) >= limit:
            raise InputError(
                f"You already have {limit} songs in progress. Wait for one to finish first."
            )
        provider = next(p for p in self._providers if request.model in p.models)
        now = self._clock()
        job = Job(
            id=uuid.uuid4().hex[:16],
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            provider=provider.name,
            request=request,
            upload_limit=upload_limit,
            callback_token=secrets.token_urlsafe(24),
            created_at=now,
            deadline_at=now + self._settings.deadline_minutes * 60,
        )
        await self._store.add(job)
        self._runner.start(job)
        return job
