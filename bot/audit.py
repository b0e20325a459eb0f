"""The audit channel: one line per job, finished job, refusal and vendor refusal.

Moderators read it; it pings nobody. Posting is best effort and in the
background: a failed line is logged, never delays or breaks a member's request.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from bot.errors import FailureReason, InputError
from bot.guild_rules import GuildRulesBook
from bot.jobs.models import Job, Stage
from bot.moderation import Blocked
from bot.providers.base import GenerateRequest
from bot.ui.limits import content
from bot.ui.text import NOUNS, quote

log = logging.getLogger(__name__)

_NO_PINGS = discord.AllowedMentions.none()
_PROMPT_START = 100  # characters of a prompt shown in the log


class AuditLog:
    def __init__(self, client: discord.Client, rules: GuildRulesBook) -> None:
        self._client = client
        self._rules = rules
        self._posting: set[asyncio.Task[None]] = set()

    def accepted(self, job: Job) -> None:
        request = job.request
        self._post(
            job.guild_id,
            f"🎵 <@{job.user_id}> queued a {NOUNS[request.operation]} (job `{job.id}`,"
            f" {job.provider}): {_asked(request)}",
        )

    def refused(
        self, request: GenerateRequest, guild_id: int, user_id: int, why: Exception
    ) -> None:
        if isinstance(why, Blocked):
            # Moderators may see the term; the member was told only the field.
            reason = f"the {why.field} contains the blocked term “{quote(why.term, 100)}”"
        elif isinstance(why, InputError):
            reason = why.user_message
        else:
            reason = type(why).__name__
        self._post(
            guild_id,
            f"⛔ Refused <@{user_id}>'s {NOUNS[request.operation]}: {reason} — {_asked(request)}",
        )

    def ended(self, job: Job) -> None:
        """Log a job that is done or failed (called as its last progress is shown)."""
        if job.stage is Stage.DONE:
            cost = f"${job.cost_usd:.2f}" if job.cost_usd is not None else "cost unknown"
            self._post(
                job.guild_id,
                f"✅ Job `{job.id}` of <@{job.user_id}> finished ({cost}): {job.result_link}",
            )
        elif job.stage is Stage.FAILED and job.failure is FailureReason.CONTENT_POLICY:
            vendor = quote(f"{job.failure_code} {job.failure_detail}".strip(), 200)
            self._post(
                job.guild_id,
                f"🚫 {job.provider} refused job `{job.id}` of <@{job.user_id}> under its"
                f" content policy ({vendor}): {_asked(job.request)}",
            )
        elif job.stage is Stage.FAILED:
            reason = job.failure.value if job.failure else "unknown"
            self._post(job.guild_id, f"❌ Job `{job.id}` of <@{job.user_id}> failed ({reason}).")

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


def _asked(request: GenerateRequest) -> str:
    """The start of what the member asked for, shown literally."""
    text = request.lyrics if request.custom else request.prompt
    text = " ".join((text or request.title or request.style).split())
    return f"“{quote(text, _PROMPT_START)}”" if text else "(no prompt)"
