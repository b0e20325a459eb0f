"""Words members read: stage labels, failure reasons, safe quoting of their own text."""

from __future__ import annotations

import discord

from bot.i18n import N_, t
from bot.jobs.models import Stage
from bot.providers.base import FailureReason, Operation

# The dictionaries below hold msgids (the English text); bot/locales has their
# translations, and the functions after them look them up for a locale.

STAGE_LABELS: dict[Stage, str] = {
    Stage.WAITING: N_("⏳ Sending your request to the music service"),
    Stage.QUEUED: N_("📥 Queued at the music service"),
    Stage.RUNNING: N_("✍️ Writing and composing"),
    Stage.PARTIAL: N_("🎧 First track ready, finishing the second"),
    Stage.DELIVERING: N_("📤 Uploading your songs"),
    Stage.DONE: N_("✅ Done"),
    Stage.FAILED: N_("❌ Failed"),
    Stage.CANCELLED: N_("🚫 Cancelled"),
    Stage.UNDELIVERED: N_("⚠️ Made, but it could not be posted here"),
}

# Position on the progress bar, out of STAGE_STEPS.
STAGE_STEP: dict[Stage, int] = {
    Stage.WAITING: 1,
    Stage.QUEUED: 2,
    Stage.RUNNING: 3,
    Stage.PARTIAL: 4,
    Stage.DELIVERING: 5,
    Stage.DONE: 6,
    Stage.FAILED: 0,
    Stage.CANCELLED: 0,
    Stage.UNDELIVERED: 0,
}
STAGE_STEPS = 6

FAILURE_TEXT: dict[FailureReason, str] = {
    FailureReason.CONTENT_POLICY: N_(
        "The music service refused this request under its content policy. Try rewording it "
        "(no real artists' names or copyrighted lyrics)."
    ),
    FailureReason.INVALID_INPUT: N_("The music service rejected the request as invalid."),
    FailureReason.INSUFFICIENT_CREDITS: N_(
        "The bot's music account is out of credits. Ask a server admin to top it up."
    ),
    FailureReason.RATE_LIMITED: N_(
        "The music service is too busy right now. Try again in a few minutes."
    ),
    FailureReason.PROVIDER_ERROR: N_(
        "The music service is unavailable right now. Try again later."
    ),
    FailureReason.TIMEOUT: N_("The song did not finish in time. Try again later."),
    FailureReason.LINE_TIMEOUT: N_(
        "The music service was too busy: this song waited too long in line and was never "
        "started, so nothing was charged. Try again later."
    ),
    FailureReason.CANCELLED: N_("The job was cancelled."),
    FailureReason.UNKNOWN: N_("The music service could not make this song."),
}


def stage_label(stage: Stage, locale: object = None) -> str:
    return t(locale, STAGE_LABELS[stage])


def failure_text(reason: FailureReason, locale: object = None) -> str:
    return t(locale, FAILURE_TEXT[reason])


def quote(text: str, limit: int) -> str:
    """A member's own text, shown literally: no markdown, no mentions, bounded."""
    safe = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def job_marker(job_id: str) -> str:
    """Footer text that lets a restarted bot recognise its own messages for a job."""
    return f"job {job_id}"


# What a job makes (``Operation.makes``), as members say it ("asked for a song",
# "here is the WAV").
NOUNS: dict[Operation, str] = {
    Operation.SONG: N_("song"),
    Operation.WAV: N_("WAV"),
    Operation.STEMS: N_("stems"),
    Operation.VIDEO: N_("video"),
}

# The progress message's first line, per thing made (``Operation.makes``): whole
# sentences, as translations need (a noun's gender changes the words around it).
ASKED_FOR: dict[Operation, str] = {
    Operation.SONG: N_("{mention} asked for a song"),
    Operation.WAV: N_("{mention} asked for a WAV"),
    Operation.STEMS: N_("{mention} asked for a stems"),
    Operation.VIDEO: N_("{mention} asked for a video"),
}

# A job made from a song, as its progress message is titled.
MADE_FROM: dict[Operation, str] = {
    Operation.WAV: N_("WAV of {name}"),
    Operation.STEMS: N_("stems of {name}"),
    Operation.VIDEO: N_("video of {name}"),
}

# The result's first line for a job that makes files, not tracks.
HERE_IS: dict[Operation, str] = {
    Operation.WAV: N_("{mention} here is the WAV you asked for."),
    Operation.STEMS: N_("{mention} here is the stems you asked for."),
    Operation.VIDEO: N_("{mention} here is the video you asked for."),
}
