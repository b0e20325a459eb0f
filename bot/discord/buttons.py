"""The persistent buttons: each a ``DynamicItem`` read back from its custom id alone.

Their custom ids carry the job and track (``bot/discord/custom_ids.py``), so they
work on messages posted by any earlier run of the bot. A button does not act by
itself: it calls the handler the cog that acts on it registered in the bot's
``ButtonHandlers`` when it loaded, and its errors go the one way every error goes
(``answer_errors``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import discord

from bot.discord.custom_ids import (
    CANCEL_TEMPLATE,
    DRAFT_TEMPLATE,
    PAGE_TEMPLATE,
    SONG_TEMPLATE,
    TRACK_TEMPLATE,
    cancel_id,
    draft_id,
    page_id,
    song_id,
    track_id,
)
from bot.discord.tree import answer_errors
from bot.discord.ui.actions import Action, button
from bot.i18n import t

Interaction = discord.Interaction[Any]


class SongHandler(Protocol):
    """Acts on a finished song's buttons (``cogs/songs.py``)."""

    async def clicked(
        self, interaction: Interaction, action: Action, job_id: str, n: int | None
    ) -> None: ...

    async def turn_page(self, interaction: Interaction, item: LyricsPageButton) -> None: ...


class CancelHandler(Protocol):
    """Cancels a job from its progress message (``cogs/cancel.py``)."""

    async def cancel(self, interaction: Interaction, job_id: str) -> None: ...


class DraftHandler(Protocol):
    """Opens /compose's form with a written draft filled in (``cogs/compose.py``)."""

    async def use_draft(self, interaction: Interaction, n: int) -> None: ...


@dataclass
class ButtonHandlers:
    """What each kind of button calls; a cog sets its slot on load and clears it on unload."""

    songs: SongHandler | None = None
    cancel: CancelHandler | None = None
    drafts: DraftHandler | None = None


def handlers(interaction: Interaction) -> ButtonHandlers:
    found = getattr(interaction.client, "button_handlers", None)
    assert isinstance(found, ButtonHandlers)
    return found


def _songs(interaction: Interaction) -> SongHandler:
    handler = handlers(interaction).songs
    assert handler is not None
    return handler


class SongButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=SONG_TEMPLATE):
    """Remix, Edit & remix, Delete on a result message."""

    def __init__(self, action: Action, job_id: str) -> None:
        super().__init__(button(action, song_id(action, job_id)))
        self.action, self.job_id = action, job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: Any
    ) -> SongButton:
        return cls(Action(match["action"]), match["job"])

    async def callback(self, interaction: Interaction) -> None:
        cog = _songs(interaction)
        await answer_errors(
            interaction, cog.clicked(interaction, self.action, self.job_id, None), self.custom_id
        )


class TrackButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TRACK_TEMPLATE):
    """Extend, Lyrics, More, WAV, Stems, Video, Timed lyrics for one track."""

    def __init__(self, action: Action, job_id: str, n: int) -> None:
        super().__init__(button(action, track_id(action, job_id, n), n=n))
        self.action, self.job_id, self.n = action, job_id, n

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: Any
    ) -> TrackButton:
        return cls(Action(match["action"]), match["job"], int(match["n"]))

    async def callback(self, interaction: Interaction) -> None:
        cog = _songs(interaction)
        await answer_errors(
            interaction,
            cog.clicked(interaction, self.action, self.job_id, self.n),
            self.custom_id,
        )


class LyricsPageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=PAGE_TEMPLATE):
    """Previous / Next on a private lyrics message."""

    def __init__(self, job_id: str, n: int, page: int) -> None:
        super().__init__(discord.ui.Button(label="Page", custom_id=page_id(job_id, n, page)))
        self.job_id, self.n, self.page = job_id, n, page

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: Any
    ) -> LyricsPageButton:
        return cls(match["job"], int(match["n"]), int(match["page"]))

    async def callback(self, interaction: Interaction) -> None:
        cog = _songs(interaction)
        await answer_errors(interaction, cog.turn_page(interaction, self), self.custom_id)


class CancelButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CANCEL_TEMPLATE):
    """Cancel on a progress message, while the song is made."""

    def __init__(self, job_id: str) -> None:
        super().__init__(button(Action.CANCEL, cancel_id(job_id)))
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: Any
    ) -> CancelButton:
        return cls(match["job"])

    async def callback(self, interaction: Interaction) -> None:
        cancel = handlers(interaction).cancel
        assert cancel is not None
        await answer_errors(interaction, cancel.cancel(interaction, self.job_id), self.custom_id)


class UseDraftButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=DRAFT_TEMPLATE):
    """ "Use draft n" under /lyrics' answer: opens /compose's form with the draft filled in."""

    def __init__(self, n: int) -> None:
        label = t(None, "Use draft {n}", n=n)  # never sent: the message's own button is shown
        super().__init__(discord.ui.Button(label=label, custom_id=draft_id(n)))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: Any
    ) -> UseDraftButton:
        return cls(int(match["n"]))

    async def callback(self, interaction: Interaction) -> None:
        drafts = handlers(interaction).drafts
        assert drafts is not None
        await answer_errors(interaction, drafts.use_draft(interaction, self.n), self.custom_id)
