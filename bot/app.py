"""The Bot: wires the store, providers, runner and cogs together at start-up."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import discord
from discord.ext import commands

from bot.callbacks.receiver import CallbackReceiver, callback_url_for
from bot.config import Settings
from bot.discord.audit import AuditLog
from bot.discord.buttons import ButtonHandlers
from bot.discord.delivery import DiscordNotifier
from bot.discord.permissions import SONG_CHANNEL
from bot.discord.translator import CatalogTranslator
from bot.discord.tree import BotTree
from bot.errors import StartupError
from bot.i18n import t
from bot.jobs.costs import BudgetWatch
from bot.jobs.guild_rules import GuildRulesBook
from bot.jobs.pacing import Pacing
from bot.jobs.retention import keep_purging
from bot.jobs.runner import JobRunner
from bot.jobs.service import JobService
from bot.jobs.store import JobStore
from bot.ops.health import HealthServer
from bot.providers.base import Provider
from bot.telemetry import counters

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.generate",
    "cogs.compose",
    "cogs.uploads",
    "cogs.songs",
    "cogs.library",
    "cogs.cancel",
    "cogs.usage",
    "cogs.queue",
    "cogs.help",
    "cogs.moderation",
    "cogs.settings",
)


class MusicBot(commands.Bot):
    def __init__(self, settings: Settings, store: JobStore, providers: Sequence[Provider]) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            # Slash commands, buttons and reactions need no privileged intent.
            intents=discord.Intents.default(),
            # Nothing the bot sends pings anyone unless a message says so itself.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BotTree,
            help_command=None,
            # Counts every request to Discord, and its 429s, for /metrics.
            http_trace=counters.discord_trace(),
        )
        self.settings = settings
        self.store = store
        self.providers = list(providers)
        self.rules = GuildRulesBook(store, settings)
        self.audit = AuditLog(self, self.rules)
        self.button_handlers = ButtonHandlers()  # the cogs fill it as they load
        callbacks = settings.callbacks
        pacing = Pacing.from_entries(settings.providers)
        self.runner = JobRunner(
            store,
            self.providers,
            DiscordNotifier(
                self,
                lambda job: self.jobs.operations_of(job),
                BudgetWatch(store, settings.budget, clock=time.time, budget_of=self._budget_of),
                audit=self.audit,
            ),
            settings.jobs,
            callback_url=lambda job: callback_url_for(callbacks, job),
            callback_stall=callbacks.stall_minutes * 60 if callbacks.enabled else None,
            media=settings.media,
            adopt_wait=callbacks.adopt_wait_minutes * 60 if callbacks.enabled else None,
            pacing=pacing,
        )
        self.jobs = JobService(
            store,
            self.runner,
            self.providers,
            settings.jobs,
            quotas=settings.quotas,
            budget=settings.budget,
            audit=self.audit,
        )
        self.receiver = CallbackReceiver(
            callbacks, store, {p.name: p for p in self.providers}, self.runner.wake
        )
        self.health = HealthServer(
            settings.health, self, store, [p.name for p in self.providers], pacing
        )
        self._retention: asyncio.Task[None] | None = None  # storage.retention_days' daily purge

    async def _budget_of(self, guild_id: int) -> float:
        return (await self.rules.of(guild_id)).monthly_usd

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        # Before the sync, which sends every command's names in every language.
        await self.tree.set_translator(CatalogTranslator())
        await self._sync_commands()
        if self.settings.callbacks.enabled:
            await self.receiver.start()
        if self.settings.health.enabled:
            await self.health.start()
        # REST works before the Gateway is up, so open jobs resume at once.
        await self.runner.resume_all()
        if self.settings.storage.retention_days:
            days = self.settings.storage.retention_days
            self._retention = asyncio.create_task(keep_purging(self.store, days), name="retention")

    async def _sync_commands(self) -> None:
        discord_settings = self.settings.discord
        if not discord_settings.sync_commands:
            return
        if not discord_settings.guild_ids:
            synced = await self.tree.sync()
            log.info("synced %d global command(s)", len(synced))
            return
        for guild_id in discord_settings.guild_ids:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except (discord.Forbidden, discord.NotFound) as exc:
                raise StartupError(self._not_in_guild(guild_id, exc)) from exc
            log.info("synced %d command(s) to guild %s", len(synced), guild_id)
        # Commands a global sync registered earlier would stay, and members would see
        # each one twice: with guild_ids, the bot's global list is emptied.
        self.tree.clear_commands(guild=None)
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        """The bot has slash commands only: "@Bot help" gets a pointer to /help, not an error.

        Without the message-content intent Discord still delivers the text of a
        message that mentions the bot, which is all this needs.
        """
        if message.author.bot or self.user is None or not _addresses(message, self.user.id):
            return
        try:
            # A public reply: in the server's language.
            locale = message.guild.preferred_locale if message.guild is not None else None
            text = t(locale, "I answer slash commands: type /help to see what I can do here.")
            await message.reply(text)
        except discord.HTTPException as exc:
            # Not allowed to speak in that channel, most likely: nothing to do about it.
            log.info("cannot answer a mention in channel %s: %s", message.channel.id, exc)

    def _not_in_guild(self, guild_id: int, error: discord.HTTPException) -> str:
        """Discord's refusal to take commands for a guild, and the way out, in one sentence."""
        assert self.application_id is not None  # known once logged in
        invite = discord.utils.oauth_url(
            self.application_id,
            permissions=SONG_CHANNEL,
            guild=discord.Object(guild_id),
            scopes=("bot", "applications.commands"),
        )
        return (
            f"Discord refused the slash commands for guild {guild_id} listed in"
            f" discord.guild_ids ({error.status} {error.text}): the bot is not in that server"
            " or was invited without the applications.commands scope; invite it with"
            f" {invite} or remove the id from discord.guild_ids."
        )

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))

    async def close(self) -> None:
        await self.health.stop()
        await self.receiver.stop()
        if self._retention is not None:
            self._retention.cancel()
        await self.runner.stop()
        await super().close()


def _addresses(message: discord.Message, bot_id: int) -> bool:
    """The message starts with a mention of the bot, as in "@Bot help"."""
    return message.content.lstrip().startswith((f"<@{bot_id}>", f"<@!{bot_id}>"))
