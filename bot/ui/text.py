"""Words members read: stage labels, failure reasons, safe quoting of their own text."""

from __future__ import annotations

import discord

from bot.i18n import t
from bot.jobs.models import Stage
from bot.providers.base import FailureReason, Operation

# The dictionaries below hold msgids (the English text); bot/locales has their
# translations, and the functions after them look them up for a locale.

STAGE_LABELS: dict[Stage, str] = {
    Stage.WAITING: "⏳ Sending your request to the music service",
    Stage.QUEUED: "📥 Queued at the music service",
    Stage.RUNNING: "✍️ Writing and composing",
    Stage.PARTIAL: "🎧 First track ready, finishing the second",
    Stage.DELIVERING: "📤 Uploading your songs",
    Stage.DONE: "✅ Done",
    Stage.FAILED: "❌ Failed",
    Stage.CANCELLED: "🚫 Cancelled",
    Stage.UNDELIVERED: "⚠️ Made, but it could not be posted here",
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
    FailureReason.CONTENT_POLICY: (
        "The music service refused this request under its content policy. Try rewording it "
        "(no real artists' names or copyrighted lyrics)."
    ),
    FailureReason.INVALID_INPUT: "The music service rejected the request as invalid.",
    FailureReason.INSUFFICIENT_CREDITS: (
        "The bot's music account is out of credits. Ask a server admin to top it up."
    ),
    FailureReason.RATE_LIMITED: (
        "The music service is too busy right now. Try again in a few minutes."
    ),
    FailureReason.PROVIDER_ERROR: "The music service is unavailable right now. Try again later.",
    FailureReason.TIMEOUT: "The song did not finish in time. Try again later.",
    FailureReason.LINE_TIMEOUT: (
        "The music service was too busy: this song waited too long in line and was never "
        "started, so nothing was charged. Try again later."
    ),
    FailureReason.CANCELLED: "The job was cancelled.",
    FailureReason.UNKNOWN: "The music service could not make this song.",
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


# What a job makes, as members say it ("asked for a song", "here is the WAV").
NOUNS: dict[Operation, str] = {
    Operation.SONG: "song",
    Operation.EXTEND: "song",
    Operation.COVER: "song",
    Operation.WAV: "WAV",
    Operation.STEMS: "stems",
    Operation.VIDEO: "video",
}

# The progress message's first line, per operation: whole sentences, as
# translations need (a noun's gender changes the words around it).
ASKED_FOR: dict[Operation, str] = {
    Operation.SONG: "{mention} asked for a song",
    Operation.EXTEND: "{mention} asked for a song",
    Operation.COVER: "{mention} asked for a song",
    Operation.WAV: "{mention} asked for a WAV",
    Operation.STEMS: "{mention} asked for a stems",
    Operation.VIDEO: "{mention} asked for a video",
}

# A job made from a song, as its progress message is titled.
MADE_FROM: dict[Operation, str] = {
    Operation.COVER: "song of {name}",
    Operation.WAV: "WAV of {name}",
    Operation.STEMS: "stems of {name}",
    Operation.VIDEO: "video of {name}",
}

# The result's first line for a job that makes files, not tracks.
HERE_IS: dict[Operation, str] = {
    Operation.WAV: "{mention} here is the WAV you asked for.",
    Operation.STEMS: "{mention} here is the stems you asked for.",
    Operation.VIDEO: "{mention} here is the video you asked for.",
}
