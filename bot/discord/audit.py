"""The audit channel: one line per job, finished job, refusal and vendor refusal.

Moderators read it; it pings nobody. Posting is best effort and in the
background: a failed line is logged, never delays or breaks a member's request.
Lines are public to the server's moderators, so they are in the server's
language (its preferred locale, as the Gateway reports it).
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from bot.discord.ui.limits import content
from bot.discord.ui.text import quote
from bot.errors import FailureReason, InputError
from bot.i18n import N_, t
from bot.jobs.guild_rules import GuildRulesBook
from bot.jobs.models import Job, Stage
from bot.moderation import Blocked
from bot.providers.base import GenerateRequest, Operation

log = logging.getLogger(__name__)

_NO_PINGS = discord.AllowedMentions.none()
_PROMPT_START = 100  # characters of a prompt shown in the log

# Whole sentences per thing made (``Operation.makes``), as translations need (a
# noun's gender changes the words around it).
_QUEUED: dict[Operation, str] = {
    Operation.SONG: N_("🎵 {user} queued a song (job `{job}`, {provider}): {asked}"),
    Operation.WAV: N_("🎵 {user} queued a WAV (job `{job}`, {provider}): {asked}"),
    Operation.STEMS: N_("🎵 {user} queued a stems (job `{job}`, {provider}): {asked}"),
    Operation.VIDEO: N_("🎵 {user} queued a video (job `{job}`, {provider}): {asked}"),
}
_REFUSED: dict[Operation, str] = {
    Operation.SONG: N_("⛔ Refused {user}'s song: {reason} — {asked}"),
    Operation.WAV: N_("⛔ Refused {user}'s WAV: {reason} — {asked}"),
    Operation.STEMS: N_("⛔ Refused {user}'s stems: {reason} — {asked}"),
    Operation.VIDEO: N_("⛔ Refused {user}'s video: {reason} — {asked}"),
}
# Why a request was blocked, per field (bot.moderation's field names); moderators see the term.
_BLOCKED: dict[str, str] = {
    "prompt": N_("the prompt contains the blocked term {term}"),
    "style": N_("the style contains the blocked term {term}"),
    "title": N_("the title contains the blocked term {term}"),
    "lyrics": N_("the lyrics contains the blocked term {term}"),
    "negative style tags": N_("the negative style tags contains the blocked term {term}"),
}


class AuditLog:
    def __init__(self, client: discord.Client, rules: GuildRulesBook) -> None:
        self._client = client
        self._rules = rules
        self._posting: set[asyncio.Task[None]] = set()

    def accepted(self, job: Job) -> None:
        request = job.request
        locale = self._locale(job.guild_id)
        user = f"<@{job.user_id}>"
        self._post(
            job.guild_id,
            t(
                locale,
                _QUEUED[request.operation.makes],
                user=user,
                job=job.id,
                provider=job.provider,
                asked=_asked(request, locale),
            ),
        )

    def refused(
        self, request: GenerateRequest, guild_id: int, user_id: int, why: Exception
    ) -> None:
        locale = self._locale(guild_id)
        user = f"<@{user_id}>"
        if isinstance(why, Blocked):
            # Moderators may see the term; the member was told only the field.
            term = f"“{quote(why.term, 100)}”"
            reason = t(locale, _BLOCKED[why.field], term=term)
        elif isinstance(why, InputError):
            reason = why.text(locale)
        else:
            reason = type(why).__name__
        self._post(
            guild_id,
            t(
                locale,
                _REFUSED[request.operation.makes],
                user=user,
                reason=reason,
                asked=_asked(request, locale),
            ),
        )

    def ended(self, job: Job) -> None:
        """Log a job that is done or failed (called as its last progress is shown)."""
        locale = self._locale(job.guild_id)
        user = f"<@{job.user_id}>"
        if job.stage is Stage.DONE:
            unknown = t(locale, "cost unknown")
            cost = f"${job.cost_usd:.2f}" if job.cost_usd is not None else unknown
            self._post(
                job.guild_id,
                t(
                    locale,
                    "✅ Job `{job}` of {user} finished ({cost}): {link}",
                    job=job.id,
                    user=user,
                    cost=cost,
                    link=job.result_link,
                ),
            )
        elif job.stage is Stage.FAILED and job.failure is FailureReason.CONTENT_POLICY:
            vendor = quote(f"{job.failure_code} {job.failure_detail}".strip(), 200)
            self._post(
                job.guild_id,
                t(
                    locale,
                    "🚫 {provider} refused job `{job}` of {user} under its content policy"
                    " ({vendor}): {asked}",
                    provider=job.provider,
                    job=job.id,
                    user=user,
                    vendor=vendor,
                    asked=_asked(job.request, locale),
                ),
            )
        elif job.stage is Stage.FAILED:
            # The reason's code, as the admin log names it.
            reason = job.failure.value if job.failure else "unknown"
            self._post(
                job.guild_id,
                t(
                    locale,
                    "❌ Job `{job}` of {user} failed ({reason}).",
                    job=job.id,
                    user=user,
                    reason=reason,
                ),
            )

    def _locale(self, guild_id: int) -> discord.Locale | None:
        """The server's language, from the Gateway's guild cache (English until it is known)."""
        guild = self._client.get_guild(guild_id)
        return guild.preferred_locale if guild is not None else None

    def _post(self, guild_id: int, text: str) -> None:
        task = asyncio.get_running_loop().create_task(self._send(guild_id, text))
        self._posting.add(task)
        task.add_done_callback(self._posting.discard)

    async def _send(self, guild_id: int, text: str) -> None:
        try:
            channel_id = (await self._rules.of(guild_id)).audit_channel
            if channel_id is None:
                return
            channel = self._client.get_partial_messageable(channel_id, guild_id=guild_id)
            await channel.send(content(text), allowed_mentions=_NO_PINGS)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("audit line for guild %s not posted: %s", guild_id, exc)
        except Exception:  # best effort: no audit failure may reach a job
            log.exception("audit line for guild %s not posted", guild_id)


def _asked(request: GenerateRequest, locale: object = None) -> str:
    """The start of what the member asked for, shown literally."""
    text = request.lyrics if request.custom else request.prompt
    text = " ".join((text or request.title or request.style).split())
    return f"“{quote(text, _PROMPT_START)}”" if text else t(locale, "(no prompt)")
