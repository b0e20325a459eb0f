"""Accepting a member's request: check it, store it, hand it to the runner."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.config import BudgetSettings, JobSettings, QuotaSettings
from bot.errors import InputError, ProviderError
from bot.jobs.costs import month_start
from bot.jobs.estimates import Pace, pace
from bot.jobs.models import Job
from bot.jobs.notifier import JobAudit
from bot.jobs.quotas import Admission, Usage, Used
from bot.jobs.runner import JobRunner
from bot.jobs.store import JobStore
from bot.jobs.validation import check_generate, check_theme
from bot.log_json import bind
from bot.moderation import Blocklist, check_request, default_terms
from bot.providers.base import (
    FailureReason,
    GenerateRequest,
    LyricsDraft,
    Operation,
    Provider,
    TimedWord,
    TrackRef,
)
from bot.providers.catalog import MODELS, ModelSpec


@dataclass(frozen=True)
class Cancelled:
    """A job a member cancelled, as stored by the cancel."""

    job: Job
    # A submit had begun: the vendor may have a task, and may charge for it.
    submitted: bool
    # The vendor stopped the task when asked (none can yet: ``Provider.cancel``).
    stopped_at_vendor: bool


class JobService:
    def __init__(
        self,
        store: JobStore,
        runner: JobRunner,
        providers: Sequence[Provider],
        settings: JobSettings,
        *,
        quotas: QuotaSettings | None = None,
        budget: BudgetSettings | None = None,
        clock: Callable[[], float] = time.time,
        audit: JobAudit | None = None,
    ) -> None:
        self._store = store
        self._runner = runner
        self._providers = providers  # in priority order
        self._settings = settings
        self._admission = Admission(
            settings.max_active_per_member,
            quotas or QuotaSettings(),
            (budget or BudgetSettings()).monthly_usd,
            self._price,
        )
        self._clock = clock
        self._audit = audit
        self._default_blocked = [term for term, _ in default_terms()]

    def offered_models(self, operation: Operation = Operation.SONG) -> dict[str, ModelSpec]:
        """Catalog models at least one configured provider runs ``operation`` on, in
        catalog order (a song: every model a provider has)."""
        keys = {
            key
            for p in self._providers
            if operation in p.operations
            for key in p.models_for(operation)
        }
        return {key: spec for key, spec in MODELS.items() if key in keys}

    def offers(self, operation: Operation) -> bool:
        """Whether any configured provider can do ``operation``."""
        return any(operation in p.operations for p in self._providers)

    def operations_of(self, job: Job) -> frozenset[Operation]:
        """What the provider that made ``job`` can do with its tracks (nothing if it is gone)."""
        provider = self._by_name(job.provider)
        return provider.operations if provider is not None else frozenset()

    def _price(self, provider: str, operation: Operation) -> float | None:
        """What a job of ``operation`` costs at the provider named so, in USD (None: unknown)."""
        found = self._by_name(provider)
        return found.price.usd_for(operation) if found is not None else None

    def _by_name(self, name: str) -> Provider | None:
        return next((p for p in self._providers if p.name == name), None)

    def default_model(
        self, wanted: str | None = None, operation: Operation = Operation.SONG
    ) -> str:
        """``wanted`` (a server's default, else config.toml's) if ``operation`` runs on it,
        else the first model it runs on."""
        offered = self.offered_models(operation)
        wanted = wanted or self._settings.default_model
        return wanted if wanted in offered else next(iter(offered))

    async def create(
        self,
        request: GenerateRequest,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        upload_limit: int | None,
        parent: Job | None = None,
        parent_track: int | None = None,
        limits: tuple[int, int, float] | None = None,
    ) -> Job:
        """Store a new job and start it. Raises ``InputError`` and then stores nothing.

        ``parent`` is the job a remix, extension or conversion comes from, and
        ``parent_track`` (1-based) the track a follow-up works on. ``limits``: the
        member's daily and weekly quota and the server's budget, from its /settings.
        Every refusal and every accepted job goes to the audit log.
        """
        try:
            check_generate(request, self.offered_models(request.operation))
            await self._check_blocked(request, guild_id)
            provider = self._provider_for(request, parent)
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
                parent_job_id=parent.id if parent is not None else None,
                parent_track=parent_track,
                parent_link=parent.result_link if parent is not None else None,
            )
            await self._admit(job, provider, limits)
        except InputError as exc:
            if self._audit is not None:
                self._audit.refused(request, guild_id, user_id, exc)
            raise
        self._runner.start(job)
        bind(job_id=job.id, provider=job.provider)  # the rest of the interaction's log lines
        if self._audit is not None:
            self._audit.accepted(job)
        return job

    async def _admit(
        self, job: Job, provider: Provider, limits: tuple[int, int, float] | None
    ) -> None:
        """Store ``job`` unless a quota or the budget refuses it (``InputError``)."""
        admission = self._admission if limits is None else self._admission.under(*limits)
        operation, now = job.request.operation, job.created_at
        paid = provider.price.paid(operation)
        refused: list[InputError] = []

        def judge(usage: Usage) -> str | None:
            refusal = admission.refused(usage, operation, now, paid=paid)
            if refusal is None:
                return None
            refused.append(refusal)  # the member's words, in their language
            return refusal.user_message

        await self._store.add_if_allowed(
            job,
            judge,
            with_history=admission.counts_usage,
            spent_since=month_start(now) if paid and admission.monthly_usd else None,
        )
        if refused:
            raise refused[-1]

    async def _check_blocked(self, request: GenerateRequest, guild_id: int) -> None:
        """Raise ``Blocked`` when a field names a term of the default or the server's list."""
        server = [term for term, _ in await self._store.blocked_terms(guild_id)]
        check_request(request, Blocklist.of([*self._default_blocked, *server]))

    async def cancel(self, job: Job) -> Cancelled | None:
        """Cancel ``job`` while it is being made; None when it ended or its delivery began.

        Its result is never posted; a job that never reached a vendor counts
        against no quota.
        """
        cancelled = await self._store.cancel(job.id, self._clock())
        if cancelled is None:
            return None
        self._runner.wake(job.id)  # its progress message says "Cancelled" at once
        provider = self._by_name(cancelled.provider)
        task = cancelled.vendor_task_id
        stopped = task is not None and provider is not None and await provider.cancel(task)
        return Cancelled(cancelled, cancelled.submit_started_at is not None, stopped)

    # -- what the cogs read and change of a song --------------------------------

    async def song(self, job_id: str, guild_id: int | None = None) -> Job | None:
        """The job ``job_id``; None when it is unknown, or made on another server than
        ``guild_id`` (when given)."""
        job = await self._store.get(job_id)
        if job is None or (guild_id is not None and job.guild_id != guild_id):
            return None
        return job

    async def song_for_message(self, message_id: int) -> Job | None:
        """The job whose result (or a re-post of it) is the message ``message_id``."""
        return await self._store.by_message(message_id)

    async def mark_deleted(self, job: Job) -> None:
        """Retire ``job``: its original result was deleted, so it reacts and re-posts no more."""
        job.deleted_at = self._clock()
        await self._store.update(job, "deleted_at")

    async def history(self, guild_id: int, user_id: int, limit: int) -> list[Job]:
        """A member's latest ``limit`` jobs on a server, newest first."""
        return await self._store.recent(guild_id, user_id, limit)

    async def repost(self, job: Job, channel_id: int, user_id: int, locale: object) -> int:
        """Post ``job``'s result again in ``channel_id`` for ``user_id``; return the message id.

        The files come from its result, or else from the newest re-post still
        there; the new post is remembered, so its buttons and reactions work.
        ``locale``: the post's language. Raises ``InputError`` when every post is gone.
        """
        original = (
            [] if job.result_message_id is None else [(job.channel_id, job.result_message_id)]
        )
        posts = [*original, *await self._store.reposts(job.id)]
        message_id = await self._runner.notifier.repost(job, posts, channel_id, user_id, locale)
        await self._store.add_repost(message_id, channel_id, job.id)
        return message_id

    # -- the line, and what members used -----------------------------------------

    async def waiting_line(self, provider: str) -> list[Job]:
        """Jobs waiting for a submit to ``provider``, in the order the scheduler takes them."""
        return await self._store.line(provider)

    async def pace(self, provider: str) -> Pace:
        """How fast ``provider`` made its latest songs, measured."""
        return pace(await self._store.recent_runs(provider))

    async def open_songs(self, guild_id: int, user_id: int) -> list[Job]:
        """A member's jobs on a server not yet closed (delivered, or their failure shown),
        oldest first."""
        return await self._store.unfinished_of(guild_id, user_id)

    async def used(self, guild_id: int, user_id: int, since: float) -> list[Used]:
        """A member's jobs on a server since ``since`` that count against the quotas."""
        return await self._store.counted(guild_id, user_id, since)

    async def spent(self, guild_id: int, since: float) -> float:
        """What the server's jobs charged since ``since``, in USD."""
        return await self._store.spent(guild_id, since)

    async def spending_by_member(self, guild_id: int, since: float) -> list[tuple[int, float, int]]:
        """(member, what their jobs charged, how many reached a vendor and did not fail)."""
        return await self._store.spending_by_member(guild_id, since)

    async def spending_by_day(self, guild_id: int, since: float) -> list[tuple[str, float]]:
        """(UTC date as YYYY-MM-DD, what the server's jobs charged that day) since ``since``."""
        return await self._store.spending_by_day(guild_id, since)

    def _provider_for(self, request: GenerateRequest, parent: Job | None) -> Provider:
        """The first provider that can take ``request``; a follow-up stays with its track's."""
        if request.operation.follows_up:
            candidates = [p for p in self._providers if parent and p.name == parent.provider]
        else:
            candidates = list(self._providers)
        provider = next((p for p in candidates if p.can(request)), None)
        if provider is None:
            raise InputError(
                "No music service configured here can do that with model `{model}`.",
                model=request.model,
            )
        return provider

    async def write_lyrics(self, theme: str) -> list[LyricsDraft]:
        """Lyrics from the first provider that writes them. Raises ``ProviderError``."""
        theme = check_theme(theme)
        provider = next(p for p in self._providers if Operation.WRITE_LYRICS in p.operations)
        return await provider.write_lyrics(theme)

    async def boost_style(self, request: GenerateRequest, guild_id: int) -> str | None:
        """A fuller style for ``request`` from the first provider that writes one, cut to
        what its model takes (at a comma where one falls).

        None, without asking any vendor, when ``create`` will refuse the request (it
        breaks a limit or names a blocked term): a refused song costs no boost, and
        ``create`` tells the member and the audit log. Raises ``ProviderError`` when
        no boost can be had, including one that names a term blocked here.
        """
        offered = self.offered_models(request.operation)
        try:
            check_generate(request, offered)
            await self._check_blocked(request, guild_id)
        except InputError:
            return None
        provider = next((p for p in self._providers if Operation.BOOST_STYLE in p.operations), None)
        if provider is None:  # a form opened with the boost, submitted after a reconfiguration
            raise ProviderError(FailureReason.INVALID_INPUT, "unsupported", "no provider boosts")
        boosted = (await provider.boost_style(request.style.strip())).strip()
        limit = offered[request.model].style_limit
        if len(boosted) > limit:
            cut = boosted.rfind(",", 0, limit)
            boosted = boosted[: cut if cut > 0 else limit].strip()
        try:
            # The vendor's words, not the member's: they must not get the member refused.
            await self._check_blocked(request.model_copy(update={"style": boosted}), guild_id)
        except InputError:
            raise ProviderError(
                FailureReason.CONTENT_POLICY, "blocked", "the boosted style names a blocked term"
            ) from None
        return boosted

    async def timed_lyrics(self, job: Job, track: TrackRef) -> list[TimedWord]:
        provider = self._by_name(job.provider)
        if provider is None or Operation.TIMED_LYRICS not in provider.operations:
            raise InputError("The music service that made this song cannot time its lyrics.")
        return await provider.timed_lyrics(track)
