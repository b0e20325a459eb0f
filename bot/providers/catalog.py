"""The bot's own model names and the text limits every vendor shares for them.

Limits come from the vendors' documentation (PROVIDERS.md): a description is
at most 500 characters; custom lyrics 3,000 (V3.5, V4) or 5,000 (V4.5 and
later); style 200 or 1,000; title 80.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    key: str  # the bot's name, shown to members and used in config
    label: str
    # Suno's own name, which the resellers passing Suno's API through (kie.ai, APIXO) take.
    suno_name: str
    max_minutes: int
    lyrics_limit: int
    style_limit: int
    prompt_limit: int = 500
    title_limit: int = 80


_OLD = {"lyrics_limit": 3000, "style_limit": 200, "max_minutes": 4}
_NEW = {"lyrics_limit": 5000, "style_limit": 1000, "max_minutes": 8}

MODELS: dict[str, ModelSpec] = {
    spec.key: spec
    for spec in (
        ModelSpec("v3.5", "V3.5: song structure", "V3_5", **_OLD),
        ModelSpec("v4", "V4: better vocals", "V4", **_OLD),
        ModelSpec("v4.5", "V4.5: smart prompts", "V4_5", **_NEW),
        ModelSpec("v4.5-plus", "V4.5+: richer sound", "V4_5PLUS", **_NEW),
        ModelSpec("v4.5-all", "V4.5 All: smart and fast", "V4_5ALL", **_NEW),
        ModelSpec("v5", "V5: best musicality", "V5", **_NEW),
    )
}
