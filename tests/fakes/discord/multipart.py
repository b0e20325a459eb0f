"""Request bodies: JSON, or multipart with a ``payload_json`` part and ``files[N]`` parts."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from .models import FakeAttachment, Json
from .responses import ApiError

_FILE_FIELD = re.compile(r"^files\[(\d+)\]$")


@dataclass
class Body:
    payload: Any = None
    files: dict[int, FakeAttachment] = field(default_factory=dict)  # by N of files[N]

    @property
    def json(self) -> Json:
        return self.payload if isinstance(self.payload, dict) else {}


async def read_body(request: web.Request) -> Body:
    if not request.can_read_body:
        return Body()
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return Body()
    try:
        return Body(payload=json.loads(raw))
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


async def _read_multipart(request: web.Request) -> Body:
    body = Body()
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue  # nested multipart: discord.py never sends it
        data = await part.read(decode=False)
        name = part.name or ""
        if name == "payload_json":
            body.payload = json.loads(data)
            continue
        match = _FILE_FIELD.match(name) or re.match(r"^file(\d*)$", name)
        if match is None:
            continue
        index = int(match.group(1) or 0)
        content_type = part.headers.get("Content-Type", "application/octet-stream")
        body.files[index] = FakeAttachment(
            part.filename or f"file{index}", bytes(data), content_type
        )
    _apply_descriptions(body)
    return body


def _apply_descriptions(body: Body) -> None:
    # payload.attachments[*] with a small integer id describes the upload files[id].
    for entry in body.json.get("attachments") or []:
        try:
            index = int(entry.get("id"))
        except (TypeError, ValueError):
            continue
        upload = body.files.get(index)
        if upload is None:
            continue
        if entry.get("filename"):
            upload.filename = entry["filename"]
        if entry.get("description") is not None:
            upload.description = entry["description"]
