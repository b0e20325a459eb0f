"""The sandbox's words: titles, lyrics, lyrics written from a theme, boosted styles and
word timings.

Everything is a pure function of its arguments, so a fresh provider after a
restart says the same as the one that took the request (as far as the task
id alone lets it: request details live in memory only to make text nicer).
"""

from __future__ import annotations

import re

from bot.providers.base import GenerateRequest, LyricsDraft, Operation, TimedWord

INSTRUMENTAL = "[Instrumental]"
_TITLE_WORDS = 5
_TITLE_LIMIT = 80
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_SHORT_WORD = 3  # letters
_SECTION = re.compile(r"\[[^\]]*\]")  # "[Verse]": a cue for the singer, never sung


def title_from_prompt(prompt: str) -> str:
    """The prompt's first few words, capitalised: "lofi beats for a rainy day" → "Lofi Beats…"."""
    words = _WORD.findall(prompt)[:_TITLE_WORDS]
    return " ".join(word.capitalize() for word in words)[:_TITLE_LIMIT]


def track_title(request: GenerateRequest | None, operation: Operation, number: int) -> str:
    """A track's title: the member's, else one made from what they asked for."""
    if request is not None and request.title:
        return request.title
    if operation is Operation.EXTEND:
        source = request.source.title if request and request.source else ""
        return f"{source or f'Sandbox Song {number}'} (extended)"
    made = title_from_prompt(request.prompt) if request else ""
    noun = "Cover" if operation is Operation.RESTYLE else "Song"
    return made or f"Sandbox {noun} {number}"


def track_lyrics(request: GenerateRequest | None, instrumental: bool) -> str:
    """The member's own lyrics where they wrote some, else a placeholder about the prompt."""
    if instrumental or (request is not None and request.instrumental):
        return INSTRUMENTAL
    if request is not None and request.lyrics.strip():
        return request.lyrics
    topic = title_from_prompt(request.prompt).lower() if request else ""
    return "\n".join(
        (
            "[Verse]",
            f"Humming {topic or 'a tune'} in the sandbox light,",
            "every note is made right here tonight.",
            "[Chorus]",
            "No key, no cloud, no bill to pay,",
            "the sandbox sings it anyway.",
        )
    )


def write_drafts(theme: str) -> list[LyricsDraft]:
    """Two different songs about ``theme``, built from its own words; [] when it has none."""
    words: list[str] = [word.lower() for word in _WORD.findall(theme)]
    if not words:
        return []
    title = title_from_prompt(theme)
    # Lines are built around the theme's longer words: "a" or "of" alone carry no image.
    keys = [w for w in words if len(w) > _SHORT_WORD] or words

    def word(i: int) -> str:  # cycles, so a one-word theme still fills every line
        return keys[i % len(keys)]

    phrase = " ".join(words[:_TITLE_WORDS])
    first = (
        "[Verse]",
        f"Tell me about {phrase},",
        f"{word(0)} in the morning, {word(1)} at night,",
        f"I carry {word(-1)} like a lantern light.",
        "[Chorus]",
        f"{title},",
        f"oh, {word(0)}, oh, {word(-1)},",
        "sing it out and hold it tight.",
    )
    second = (
        "[Verse]",
        f"Down the road of {word(1)} I found {word(0)} again,",
        f"{word(2).capitalize()} on the window like the rain.",
        "[Chorus]",
        f"Oh, {phrase},",
        f"every {word(-1)} leads me home again.",
    )
    return [
        LyricsDraft(title=title, text="\n".join(first)),
        LyricsDraft(title=f"Ballad of {title}", text="\n".join(second)),
    ]


# What a boost adds to a short style: production words a vendor's boost also writes.
_BOOST_WORDS = (
    "warm analog synths",
    "crisp drums",
    "wide stereo mix",
    "intimate vocals",
    "lush reverb",
    "driving bassline",
    "bright acoustic guitar",
    "cinematic strings",
)
_BOOST_ADDS = 3


def boosted_style(style: str) -> str:
    """``style`` and a few production words picked by its own letters: the same style
    always boosts the same way."""
    start = sum(style.encode()) % len(_BOOST_WORDS)
    added = [_BOOST_WORDS[(start + i) % len(_BOOST_WORDS)] for i in range(_BOOST_ADDS)]
    return ", ".join([style.strip(), *added]) if style.strip() else ", ".join(added)


def timed_words(lyrics: str, seconds: float) -> list[TimedWord]:
    """The sung words of ``lyrics`` spread evenly over ``seconds``.

    Like the vendors' timings, a word carries the space after it, and the last
    word of a line carries the line break instead, so joining them gives the
    lines back. Section cues and "[Instrumental]" are not sung: no words.
    """
    lines = [_SECTION.sub("", line).split() for line in lyrics.splitlines()]
    sung = [(word, i == len(line) - 1) for line in lines for i, word in enumerate(line)]
    if not sung:
        return []
    slot = seconds / len(sung)
    return [
        TimedWord(
            word=word + ("\n" if ends_line else " "),
            start=round(i * slot, 3),
            end=round((i + 1) * slot, 3),
        )
        for i, (word, ends_line) in enumerate(sung)
    ]
