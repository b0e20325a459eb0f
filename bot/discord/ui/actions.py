"""Buttons and reactions on a song: their ids, labels and layout.

Every button's custom id says what it does and to which job and track
(``bot/discord/custom_ids.py``), so a click is understood from the id alone,
weeks later and after any number of restarts: the handlers are the
``DynamicItem``s of ``bot/discord/buttons.py``, registered at start-up.
Views built here are never registered with discord.py (``static_view``).
"""

from __future__ import annotations

import enum

import discord

from bot.discord.custom_ids import song_id, track_id
from bot.i18n import N_, t
from bot.providers.base import Operation


class Action(enum.StrEnum):
    REMIX = "remix"  # two new variations, same settings
    EDIT = "edit"  # a pre-filled form, then a remix with the changes
    DELETE = "delete"
    EXTEND = "extend"
    LYRICS = "lyrics"
    MORE = "more"  # the private menu of file conversions
    WAV = "wav"
    STEMS = "stems"
    VIDEO = "video"
    TIMED = "timed"  # time-stamped lyrics
    CANCEL = "cancel"  # on the progress message, while the song is made


SONG_ACTIONS = (Action.REMIX, Action.EDIT, Action.DELETE)
# Per-track actions that need the provider to offer an operation.
NEEDS: dict[Action, Operation] = {
    Action.EXTEND: Operation.EXTEND,
    Action.WAV: Operation.WAV,
    Action.STEMS: Operation.STEMS,
    Action.VIDEO: Operation.VIDEO,
    Action.TIMED: Operation.TIMED_LYRICS,
}
MORE_ACTIONS = (Action.WAV, Action.STEMS, Action.VIDEO, Action.TIMED)

# Reactions members can add to a result message, and what each does.
REACTIONS: dict[str, Action] = {
    "🔁": Action.REMIX,
    "⏩": Action.EXTEND,  # track 1, from its end, keeping its style
    "📜": Action.LYRICS,  # sent by direct message: a reaction has no private reply
    "🗑️": Action.DELETE,
}

# The labels are msgids: ``button`` shows them in the language it is given.
_LABELS: dict[Action, tuple[str, str]] = {
    Action.REMIX: ("🔁", N_("Remix")),
    Action.EDIT: ("✏️", N_("Edit & remix")),
    Action.DELETE: ("🗑️", N_("Delete")),
    Action.EXTEND: ("⏩", N_("Extend")),
    Action.LYRICS: ("📜", N_("Lyrics")),
    Action.MORE: ("➕", N_("More")),
    Action.WAV: ("💿", N_("WAV")),
    Action.STEMS: ("🎚️", N_("Stems")),
    Action.VIDEO: ("🎬", N_("Video")),
    Action.TIMED: ("⏱️", N_("Timed lyrics")),
    Action.CANCEL: ("✖️", N_("Cancel")),
}


def button(
    action: Action, custom_id: str, *, n: int | None = None, locale: object = None
) -> discord.ui.Button[discord.ui.View]:
    emoji, msgid = _LABELS[action]
    label = t(locale, msgid)
    if n is not None:
        label = f"{label} {n}"
    style = discord.ButtonStyle.danger if action is Action.DELETE else discord.ButtonStyle.secondary
    return discord.ui.Button(label=label, emoji=emoji, custom_id=custom_id, style=style)


def static_view(buttons: list[discord.ui.Button[discord.ui.View]]) -> discord.ui.View:
    """A view to render, never to listen on: its clicks reach the ``DynamicItem`` handlers.

    A stopped view is not stored by discord.py when sent, so nothing is held
    in memory per message and nothing answers a click but the handlers.
    """
    view = discord.ui.View(timeout=None)
    for item in buttons:
        view.add_item(item)
    view.stop()
    return view


def offered(ops: frozenset[Operation], actions: tuple[Action, ...]) -> list[Action]:
    """The actions a provider offering ``ops`` can carry out, in order."""
    return [a for a in actions if a not in NEEDS or NEEDS[a] in ops]


def result_view(
    job_id: str, tracks: int, ops: frozenset[Operation], locale: object = None
) -> discord.ui.View:
    """Remix, edit and delete for the song; extend, lyrics and more for each track."""
    buttons = [button(a, song_id(a, job_id), locale=locale) for a in SONG_ACTIONS]
    for item in buttons:
        item.row = 0
    per_track = offered(ops, (Action.EXTEND, Action.LYRICS))
    if offered(ops, MORE_ACTIONS):
        per_track.append(Action.MORE)
    for n in range(1, tracks + 1):
        row = [button(a, track_id(a, job_id, n), n=n, locale=locale) for a in per_track]
        for item in row:
            item.row = n  # one row per track, under the song's row
        buttons += row
    return static_view(buttons)


def files_view(job_id: str, locale: object = None) -> discord.ui.View:
    """A WAV, stems or video post can only be deleted."""
    return static_view([button(Action.DELETE, song_id(Action.DELETE, job_id), locale=locale)])


def more_view(
    job_id: str, n: int, ops: frozenset[Operation], locale: object = None
) -> discord.ui.View:
    """The private menu of a track's conversions, in the member's ``locale``."""
    actions = offered(ops, MORE_ACTIONS)
    return static_view([button(a, track_id(a, job_id, n), locale=locale) for a in actions])


def reaction_hint(ops: frozenset[Operation], locale: object = None) -> str:
    """One line telling members which reactions work on this result."""
    parts = [
        f"{emoji} {t(locale, _LABELS[action][1]).lower()}"
        for emoji, action in REACTIONS.items()
        if action not in NEEDS or NEEDS[action] in ops
    ]
    return t(locale, "React {reactions}", reactions=" · ".join(parts))
