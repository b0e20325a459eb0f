"""Every custom id the bot puts on a button or a form, and the patterns that read them back.

A click or a submitted form is understood from its custom id alone, weeks later
and after any number of restarts: the id says what to do and to which job and
track. Each id is built by one function here and recognised by one pattern here
(``bot/discord/buttons.py``'s ``DynamicItem``s, the forms' ``on_interaction``).
Discord caps a custom id at 100 characters.
"""

from __future__ import annotations

import re

# A job id is 16 hex characters (``JobService``); tracks are numbered from 1.
JOB_ID = r"[0-9a-f]{16}"
_JOB = rf"(?P<job>{JOB_ID})"
_TRACK = r"(?P<n>[1-9])"

# -- buttons (``DynamicItem`` templates) -----------------------------------------------

SONG_TEMPLATE = rf"song:(?P<action>remix|edit|delete):{_JOB}"
TRACK_TEMPLATE = rf"track:(?P<action>extend|lyrics|more|wav|stems|video|timed):{_JOB}:{_TRACK}"
CANCEL_TEMPLATE = rf"job:cancel:{_JOB}"
PAGE_TEMPLATE = rf"lyrics:{_JOB}:{_TRACK}:(?P<page>\d{{1,3}})"
# "Use draft 2": the draft's words are read back from the message the button is on.
DRAFT_TEMPLATE = r"draft:compose:(?P<n>[1-9])"

# -- forms (recognised in ``on_interaction``) ------------------------------------------

COMPOSE_TEMPLATE = re.compile(
    r"compose:(?P<model>[a-z0-9.\-]{1,20}):(?P<instrumental>[01]):(?P<gender>[mf-])"
    r":(?P<style_weight>[\d.]+|-):(?P<weirdness>[\d.]+|-):(?P<audio_weight>[\d.]+|-)"
    r"(?P<boost>:b)?"  # the style is to be boosted; forms sent before boosting had no flag
)
REMIX_TEMPLATE = re.compile(rf"remix:{_JOB}")
EXTEND_TEMPLATE = re.compile(rf"extend:{_JOB}:{_TRACK}")


def song_id(action: str, job_id: str) -> str:
    return f"song:{action}:{job_id}"


def track_id(action: str, job_id: str, n: int) -> str:
    return f"track:{action}:{job_id}:{n}"


def cancel_id(job_id: str) -> str:
    return f"job:cancel:{job_id}"


def page_id(job_id: str, n: int, page: int) -> str:
    return f"lyrics:{job_id}:{n}:{page}"


def draft_id(n: int) -> str:
    return f"draft:compose:{n}"


def compose_id(
    model: str, instrumental: bool, gender: str, weights: list[str], boost: bool = False
) -> str:
    """``weights``: style weight, weirdness, audio weight, each ``"0.50"`` or ``"-"``."""
    flag = ":b" if boost else ""
    return f"compose:{model}:{int(instrumental)}:{gender}:{':'.join(weights)}{flag}"


def remix_form_id(job_id: str) -> str:
    return f"remix:{job_id}"


def extend_form_id(job_id: str, n: int) -> str:
    return f"extend:{job_id}:{n}"
