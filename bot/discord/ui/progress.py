"""The progress message: one embed per job, re-rendered only when its stage changes."""

from __future__ import annotations

import discord

from bot.discord.custom_ids import cancel_id
from bot.discord.ui.actions import Action, button, static_view
from bot.discord.ui.limits import fit
from bot.discord.ui.links import vetted
from bot.discord.ui.text import (
    MADE_FROM,
    STAGE_STEP,
    STAGE_STEPS,
    failure_text,
    job_marker,
    quote,
    stage_label,
)
from bot.discord.ui.text import duration as fmt_duration
from bot.i18n import t
from bot.jobs.estimates import LinePlace
from bot.jobs.models import Job, Stage
from bot.providers.base import GenerateRequest, Operation

_COLOURS: dict[Stage, discord.Colour] = {
    Stage.DONE: discord.Colour.green(),
    Stage.FAILED: discord.Colour.red(),
    Stage.UNDELIVERED: discord.Colour.orange(),
    Stage.CANCELLED: discord.Colour.dark_grey(),
}
# No progress bar: nothing more will happen.
_ENDED_BADLY = (Stage.FAILED, Stage.UNDELIVERED, Stage.CANCELLED)
# Where "Listen now" is offered: from the first stream until the result message replaces it.
_BEING_MADE = (Stage.QUEUED, Stage.RUNNING, Stage.PARTIAL, Stage.DELIVERING)
# Where Cancel is offered: until the delivery begins (``JobStore.cancel`` says the same).
_CANCELLABLE = (Stage.WAITING, Stage.QUEUED, Stage.RUNNING, Stage.PARTIAL)


def progress_bar(stage: Stage) -> str:
    step = STAGE_STEP[stage]
    return "▰" * step + "▱" * (STAGE_STEPS - step)


def progress_embed(
    job: Job,
    result_url: str | None = None,
    place: LinePlace | None = None,
    locale: object = None,
) -> discord.Embed:
    """``place``: where a waiting job stands in line ("#7 in line · about 3 min").

    ``locale``: the server's, as the message is public.
    """
    request = job.request
    embed = discord.Embed(
        title=_title(job, locale),
        description=_description(request),
        colour=_COLOURS.get(job.stage, discord.Colour.blurple()),
    )
    status = stage_label(job.stage, locale)
    if job.stage is Stage.FAILED and job.failure is not None:
        status = f"{status}: {failure_text(job.failure, locale)}"
    elif job.stage is Stage.DONE and result_url:
        jump = t(locale, "[jump to your songs]({url})", url=result_url)
        status = f"{status}: {jump}"
    elif job.stage is Stage.WAITING and place is not None:
        status = f"⏳ {place.in_words(locale)}"
    if job.stage not in _ENDED_BADLY:
        status = f"{status}\n{progress_bar(job.stage)}"
    embed.add_field(name=t(locale, "Status"), value=status, inline=False)
    embed.add_field(name=t(locale, "Model"), value=request.model)
    if request.style:
        embed.add_field(name=t(locale, "Style"), value=quote(request.style, 200))
    if request.instrumental:
        embed.add_field(name=t(locale, "Vocals"), value=t(locale, "Instrumental"))
    embed.add_field(name=t(locale, "Time"), value=_elapsed(job, locale))
    embed.set_footer(text=job_marker(job.id))
    return fit([embed])[0]


def _title(job: Job, locale: object) -> str:
    request = job.request
    if request.source is None:
        return quote(request.title, 200) if request.title else t(locale, "New song")
    name = request.source.title or t(locale, "a song")
    if request.operation is Operation.EXTEND:
        return quote(t(locale, "Extending {name}", name=name), 200)
    return quote(t(locale, MADE_FROM[request.operation], name=name), 200)


def _description(request: GenerateRequest) -> str | None:
    """What the member asked for: the description, or the start of their lyrics."""
    text = request.lyrics if request.custom else request.prompt
    return f">>> {quote(text, 1000)}" if text.strip() else None


def _elapsed(job: Job, locale: object) -> str:
    # While running, Discord's relative timestamp counts up on its own, so the
    # message needs no edit just to show time passing.
    if job.finished_at is None or job.stage not in (Stage.DONE, *_ENDED_BADLY):
        started = f"<t:{int(job.created_at)}:R>"
        return t(locale, "started {when}", when=started)
    return t(locale, "took {duration}", duration=fmt_duration(job.finished_at - job.created_at))


def progress_view(job: Job, locale: object = None) -> discord.ui.View | None:
    """The progress message's buttons: "Listen now" links and Cancel; None when it has none.

    None once the job ended, so the edit that says "Done" removes the buttons.
    """
    buttons = _listen_buttons(job, locale)
    if job.stage in _CANCELLABLE:
        buttons.append(button(Action.CANCEL, cancel_id(job.id), locale=locale))
    return static_view(buttons) if buttons else None


def _listen_buttons(job: Job, locale: object) -> list[discord.ui.Button[discord.ui.View]]:
    """A "Listen now" link to each track's stream while the songs are made.

    Vendors stream a track minutes before its final MP3. A stream URL is
    untrusted like any vendor URL: one that fails ``vetted`` gets no button.
    """
    if job.stage not in _BEING_MADE:
        return []
    streams = [vetted(track.stream_url)[0] for track in job.tracks]
    buttons: list[discord.ui.Button[discord.ui.View]] = []
    for n, url in enumerate(streams, start=1):
        if url is not None:
            label = (
                t(locale, "Listen now")
                if len(streams) == 1
                else t(locale, "Listen now · song {n}", n=n)
            )
            buttons.append(discord.ui.Button(style=discord.ButtonStyle.link, label=label, url=url))
    return buttons
