"""What the kie.ai emulator answers about its tasks: record-info and callback bodies.

Pure functions of a task and its timeline stage (0 pending, 1 text, 2 first,
3 done; see ``TaskBook.stage``), so the server class keeps only routing,
scripting and delivery. Songs, extensions and covers ("song kinds") share
generate's record shape; WAV, stems, video and lyrics tasks have one step:
pending until the timeline ends, then done or failed.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from tests.fakes.kie_tasks import INSTRUMENTAL, SONG_KINDS, Task

# record-info's operationType per song kind ("upload_cover" is a guess).
_OPERATION_TYPES = {
    "generate": "generate",
    "extend": "extend",
    "cover": "upload_cover",
    "upload_extend": "upload_extend",
    "add_vocals": "add_vocals",
    "add_instrumental": "add_instrumental",
}
MODEL_NAMES = {  # Suno's names in modelName (seen in client code; newest ones a guess)
    "V3_5": "chirp-v3-5",
    "V4": "chirp-v4",
    "V4_5": "chirp-auk",
    "V4_5PLUS": "chirp-bluejay",
    "V4_5ALL": "chirp-auk",
    "V5": "chirp-crow",
    "V5_5": "chirp-crow",
}
TAGS = ("emulated, piano, calm", "emulated, synth, upbeat")
# Every stem field vocal-removal answers, and those each split type fills.
ALL_STEMS = (
    "vocal",
    "instrumental",
    "backingVocals",
    "drums",
    "bass",
    "guitar",
    "piano",
    "keyboard",
    "percussion",
    "strings",
    "synth",
    "fx",
    "brass",
    "woodwinds",
)
STEM_GROUPS = {
    "separate_vocal": ("vocal", "instrumental"),
    "split_stem": tuple(s for s in ALL_STEMS if s not in ("instrumental", "piano")),
}
# A failed one-step task's successFlag/status, per kind.
_FAILED_FLAGS = {
    "wav": "GENERATE_WAV_FAILED",
    "stems": "GENERATE_AUDIO_FAILED",
    "video": "GENERATE_MP4_FAILED",
    "lyrics": "GENERATE_LYRICS_FAILED",
}

# Which callbacks each outcome sends, and the stage at which each falls due.
# callback_exception sends like success: kie reports that status when its
# attempts failed, which the emulator cannot know, so it just attempts.
_SONG_CALLBACKS: dict[str, tuple[tuple[str, int], ...]] = {
    "success": (("text", 1), ("first", 2), ("complete", 3)),
    "callback_exception": (("text", 1), ("first", 2), ("complete", 3)),
    "sensitive": (("error", 1),),
    "audio_failed": (("text", 1), ("error", 2)),
    "never": (),
}
# One-step tasks call back once, when they end (kie: "only one callback stage").
_ONE_STEP_CALLBACKS = {
    "success": "complete",
    "callback_exception": "complete",
    "sensitive": "error",
    "audio_failed": "error",
}
CALLBACK_RANK = {"text": 1, "first": 2, "complete": 3, "error": 3}  # an error ends the task
_COMPLETE_MESSAGES = {
    "text": "Text generation completed successfully.",
    "first": "First track generation completed.",
    "complete": "All generated successfully.",
    "wav": "success",
    "stems": "vocal Removal generated successfully.",
    "video": "MP4 generated successfully.",
}
# Callback track field -> record-info (camelCase) field it mirrors.
CALLBACK_TRACK_FIELDS = {
    "id": "id",
    "audio_url": "audioUrl",
    "source_audio_url": "sourceAudioUrl",
    "stream_audio_url": "streamAudioUrl",
    "image_url": "imageUrl",
    "prompt": "prompt",
    "model_name": "modelName",
    "title": "title",
    "tags": "tags",
    "createTime": "createTime",
    "duration": "duration",
}


def record(task: Task, stage: int, base_url: str) -> dict[str, Any]:
    """``data`` of the record-info endpoint the task's kind is polled at."""
    if task.kind in SONG_KINDS:
        return _song_record(task, stage, base_url)
    flag = _one_step_status(task, stage)
    code, message = _error_fields(task, flag)
    common = {"taskId": task.task_id, "errorCode": code, "errorMessage": message}
    created = int(task.submitted * 1000)
    if task.kind == "lyrics":
        response = None
        if flag in ("SUCCESS", "CALLBACK_EXCEPTION"):
            response = {"taskId": task.task_id, "lyricsData": lyrics_drafts(task)}
        param = json.dumps(task.body)
        return {**common, "param": param, "response": response, "status": flag, "type": "LYRICS"}
    done = flag in ("SUCCESS", "CALLBACK_EXCEPTION")
    assert task.source is not None
    return {
        **common,
        "musicId": task.source[1],
        "callbackUrl": task.body.get("callBackUrl"),
        "completeTime": int(task.ends_at * 1000) if done else None,
        "response": _file_fields(task, base_url) if done else None,
        "successFlag": flag,
        "createTime": created,
    }


def _song_record(task: Task, stage: int, base_url: str) -> dict[str, Any]:
    status, response_stage = _song_status(task, stage)
    code, message = _error_fields(task, status)
    response = None
    if response_stage >= 1:
        tracks = [song_track(task, n, response_stage, base_url) for n in (0, 1)]
        response = {"taskId": task.task_id, "sunoData": tracks}
    return {
        "taskId": task.task_id,
        "parentMusicId": task.body.get("audioId", ""),
        "param": json.dumps(task.body),
        "response": response,
        "status": status,
        "type": "chirp-v4",
        "operationType": _OPERATION_TYPES[task.kind],
        "errorCode": code,
        "errorMessage": message,
        "createTime": int(task.submitted * 1000),
    }


def _song_status(task: Task, stage: int) -> tuple[str, int]:
    """The record's status and how far its tracks have come, by outcome and stage."""
    match task.outcome:
        case "success":
            return ("PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS")[stage], stage
        case "callback_exception":
            return ("PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "CALLBACK_EXCEPTION")[stage], stage
        case "sensitive":
            return ("PENDING" if stage == 0 else "SENSITIVE_WORD_ERROR"), 0
        case "audio_failed":
            statuses = ("PENDING", "TEXT_SUCCESS", "GENERATE_AUDIO_FAILED", "GENERATE_AUDIO_FAILED")
            return statuses[stage], min(stage, 1)
    return "PENDING", 0  # never


def _one_step_status(task: Task, stage: int) -> str:
    if task.outcome == "never" or stage < task.done_stage:
        return "PENDING"
    return {
        "success": "SUCCESS",
        "callback_exception": "CALLBACK_EXCEPTION",
        "sensitive": "SENSITIVE_WORD_ERROR",
        "audio_failed": _FAILED_FLAGS[task.kind],
    }[task.outcome]


def _error_fields(task: Task, status: str) -> tuple[int | None, str | None]:
    """``errorCode`` and ``errorMessage`` of a record in ``status``."""
    if status == "SENSITIVE_WORD_ERROR":
        return None, "The prompt contains sensitive words."
    if status == "CALLBACK_EXCEPTION":
        return None, "Callback failed: the callback URL could not be reached."
    if status.startswith("GENERATE_") and status.endswith("_FAILED"):
        return task.error_code, task.error_message
    return None, None


def song_track(task: Task, n: int, stage: int, base_url: str) -> dict[str, Any]:
    """One track of ``sunoData`` as far as ``stage`` has made it."""
    tid = task.task_id
    audio = f"{base_url}/files/{tid}/{n}.mp3{task.audio_url_suffix}" if stage >= 3 else ""
    stream = f"{task.stream_base or base_url}/stream/{tid}/{n}" if stage >= 2 else ""
    image = f"{base_url}/files/{tid}/{n}.png" if stage >= 2 else ""
    return {
        "id": task.track_ids[n],
        "audioUrl": audio,
        "sourceAudioUrl": audio,
        "streamAudioUrl": stream,
        "sourceStreamAudioUrl": stream,
        "imageUrl": image,
        "sourceImageUrl": image,
        "prompt": task.lyrics,
        "modelName": MODEL_NAMES.get(task.model, "chirp-v4"),
        "title": task.titles[n],
        "tags": str(task.body.get("style") or TAGS[n]),
        "createTime": datetime.fromtimestamp(task.submitted, UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "duration": task.durations[n] if stage >= 3 else None,
    }


def made_stems(task: Task) -> tuple[str, ...]:
    return STEM_GROUPS[str(task.body.get("type", "separate_vocal"))]


def _file_fields(task: Task, base_url: str) -> dict[str, Any]:
    """A done WAV, stems or video record's ``response``."""
    files = f"{base_url}/files/{task.task_id}"
    if task.kind == "wav":
        return {"audioWavUrl": f"{files}/audio.wav"}
    if task.kind == "video":
        return {"videoUrl": f"{files}/video.mp4"}
    made = made_stems(task)
    stems = {f"{s}Url": f"{files}/{s}.mp3" if s in made else None for s in ALL_STEMS}
    return {"originUrl": None, **stems}


def file_stages(task: Task) -> dict[str, int]:
    """The files ``/files/{task_id}/`` serves for a task that makes its output, and from when."""
    if task.kind in SONG_KINDS:
        return {"0.mp3": 3, "1.mp3": 3, "0.png": 2, "1.png": 2}
    names = {"wav": ("audio.wav",), "video": ("video.mp4",), "lyrics": ()}.get(task.kind)
    if names is None:
        names = tuple(f"{s}.mp3" for s in made_stems(task))
    return dict.fromkeys(names, 3)


def lyrics_drafts(task: Task) -> list[dict[str, str]]:
    verse = task.lyrics or str(task.body.get("prompt", ""))
    refrains = ("la la la", "na na na")
    return [
        {
            "text": f"[Verse]\n{verse}\n[Chorus]\n{refrains[n]}",
            "title": f"Emulated Lyrics {'AB'[n]}",
            "status": "complete",
            "errorMessage": "",
        }
        for n in (0, 1)
    ]


def timed_words(lyrics: str, duration: float) -> list[dict[str, Any]]:
    """Aligned words spread evenly over the track, split on spaces as kie's are.

    kie's sample word is "[Verse]\\nWaggin'": line breaks stay inside a word.
    An instrumental track has no words.
    """
    if lyrics == INSTRUMENTAL:
        return []
    words = [w for w in re.split(r" +", lyrics.strip()) if w]
    slot = duration / max(len(words), 1)
    return [
        {
            "word": word,
            "success": True,
            "startS": round(i * slot, 2),
            "endS": round((i + 0.9) * slot, 2),
            "palign": 0,
        }
        for i, word in enumerate(words)
    ]


# -- callbacks -------------------------------------------------------------------------------


def callback_schedule(task: Task) -> tuple[tuple[str, int], ...]:
    """(callback stage, timeline stage it falls due at) for the task's outcome."""
    if task.kind in SONG_KINDS:
        return _SONG_CALLBACKS[task.outcome]
    name = _ONE_STEP_CALLBACKS.get(task.outcome)  # "never" sends nothing
    return ((name, task.done_stage),) if name else ()


def callback_payload(task: Task, name: str, base_url: str) -> dict[str, Any]:
    """kie's callback body for ``name`` (text, first, complete, error): snake_case ids.

    Songs and lyrics carry ``callbackType`` and a list; WAV, stems and video
    follow kie's callback pages, with their URLs null on an error (a guess).
    """
    ok = name != "error"
    message = _COMPLETE_MESSAGES.get(task.kind) or _COMPLETE_MESSAGES.get(name, "")
    code, msg = (200, message) if ok else _failure(task)
    if task.kind in SONG_KINDS:
        stage = CALLBACK_RANK[name]
        items = [_snake(song_track(task, n, stage, base_url)) for n in (0, 1)] if ok else []
    elif task.kind == "lyrics":
        items = [_snake_draft(d) for d in lyrics_drafts(task)] if ok else []
    else:
        data = {"task_id": task.task_id, **_callback_files(task, base_url, ok)}
        return {"code": code, "msg": msg, "data": data}
    data = {"callbackType": name, "task_id": task.task_id, "data": items}
    return {"code": code, "msg": msg, "data": data}


def _callback_files(task: Task, base_url: str, ok: bool) -> dict[str, Any]:
    fields = _file_fields(task, base_url) if ok else {}
    if task.kind == "wav":
        # kie's page shows audioWavUrl in camelCase (resellers: audio_wav_url).
        return {"audioWavUrl": fields.get("audioWavUrl")}
    if task.kind == "video":
        return {"video_url": fields.get("videoUrl")}
    if not ok:
        return {"vocal_removal_info": None}
    stems = {_snake_name(k): v for k, v in fields.items() if v}
    return {"vocal_removal_info": {"origin_url": "", **stems}}


def _failure(task: Task) -> tuple[int, str]:
    if task.outcome == "sensitive":
        # kie answers sensitive or copyrighted input with a 400 (PROVIDERS.md).
        return 400, "The prompt contains sensitive words."
    return task.error_code or 501, task.error_message


def _snake(track: dict[str, Any]) -> dict[str, Any]:
    return {name: track[source] for name, source in CALLBACK_TRACK_FIELDS.items()}


def _snake_draft(draft: dict[str, str]) -> dict[str, str]:
    return {_snake_name(k): v for k, v in draft.items()}


def _snake_name(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()
