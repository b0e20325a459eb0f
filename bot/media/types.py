"""What a downloaded file really is, by its leading bytes, and whether that is what it claims.

A CDN answering 200 with a sign-in or error page must not be attached as
``song.mp3``: the file's first bytes decide, never its URL or Content-Type.
"""

from __future__ import annotations

AUDIO = frozenset({"mp3", "wav", "flac", "ogg", "mp4"})
IMAGES = frozenset({"jpeg", "png", "webp"})
# Enough for the longest signature below (RIFF....WAVE, ....ftyp).
HEAD_BYTES = 12

# What a file saved under each suffix may be. ".img" is a cover of any image kind.
_EXPECTED: dict[str, frozenset[str]] = {
    ".mp3": frozenset({"mp3"}),
    ".wav": frozenset({"wav"}),
    ".flac": frozenset({"flac"}),
    ".ogg": frozenset({"ogg"}),
    ".mp4": frozenset({"mp4"}),
    ".m4a": frozenset({"mp4"}),
    ".img": IMAGES,
    ".png": IMAGES,
    ".jpg": IMAGES,
    ".jpeg": IMAGES,
    ".webp": IMAGES,
}


def sniff(head: bytes) -> str | None:
    """The media kind ``head`` (a file's first bytes) starts like, or None."""
    if head.startswith(b"ID3") or _mpeg_frame(head):
        return "mp3"
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"WEBP"):
        return "wav" if head[8:12] == b"WAVE" else "webp"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, then a version and layer that exist."""
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    return version != 0b01 and layer != 0b00


def mismatch(head: bytes, suffix: str) -> str | None:
    """Why a file starting with ``head`` may not be saved as ``suffix``; None when it may."""
    expected = _EXPECTED.get(suffix.lower(), AUDIO | IMAGES)
    found = sniff(head)
    if found in expected:
        return None
    wanted = "an image" if expected <= IMAGES else "an audio or video file"
    return f"media is not {wanted} of the expected kind (found {found or 'something else'})"
