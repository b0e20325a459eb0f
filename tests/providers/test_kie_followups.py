"""Contract tests: kie.ai WAV, stems, video, written and timed lyrics, over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.errors import MalformedResponse, ProviderError, TransientProviderError
from bot.providers.base import (
    CallbackRejected,
    FailureReason,
    GenerateRequest,
    LyricsDraft,
    Operation,
    OutputFile,
    TaskState,
    TimedWord,
    TrackRef,
)
from bot.providers.kie import KieProvider
from tests.fakes.kie import LYRICS, STEMS, TIMED_LYRICS, VIDEO, WAV, KieEmulator
from tests.providers.helpers import (
    GENERATION,
    KIE,
    FakeClock,
    Receiver,
    assert_no_secret,
    provider_fixtures,
    submit_error,
    wait_until,
)
from tests.providers.test_kie_songs import finished_song

R = FailureReason
VENDOR = KIE
PLACEHOLDER = "https://example.invalid/suno-callback"
FILE_OPS = (Operation.WAV, Operation.STEMS, Operation.VIDEO)
CREATE_PATHS = {Operation.WAV: WAV, Operation.STEMS: STEMS, Operation.VIDEO: VIDEO}
FAILED_FLAGS = {
    Operation.WAV: "GENERATE_WAV_FAILED",
    Operation.STEMS: "GENERATE_AUDIO_FAILED",
    Operation.VIDEO: "GENERATE_MP4_FAILED",
}
LYRICS_RECORD = "/api/v1/lyrics/record-info"
SECRET = "kie-webhook-secret-0123456789"

make_kie_fixture, kie_fixture = provider_fixtures("kie")


def follow_up(operation: Operation, source: TrackRef) -> GenerateRequest:
    return GenerateRequest(model="v4.5", operation=operation, source=source)


@pytest_asyncio.fixture
async def writer(make_settings: Callable[..., Any]) -> AsyncIterator[KieProvider]:
    """A provider that looks at lyrics tasks every 10 ms and waits at most 2 s."""
    provider = KieProvider(make_settings(), lyrics_poll_seconds=0.01, lyrics_wait_seconds=2.0)
    yield provider
    await provider.aclose()


# -- WAV, stems, video ----------------------------------------------------------------------


async def test_wav_is_made_from_a_finished_track_and_downloads(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    source, _ = await finished_song(kie, clock)
    task_id = await kie.submit(follow_up(Operation.WAV, source), "job-2")
    assert emu.calls(WAV) == [
        {"taskId": source.task_id, "audioId": source.track_id, "callBackUrl": PLACEHOLDER}
    ]
    pending = await kie.status(task_id, Operation.WAV)
    assert (pending.state, pending.files, pending.code) == (TaskState.QUEUED, [], "PENDING")
    clock.advance(GENERATION)
    status = await kie.status(task_id, Operation.WAV)
    assert (status.state, status.code, status.tracks) == (TaskState.SUCCEEDED, "SUCCESS", [])
    [wav] = status.files
    assert (wav.label, wav.suffix) == ("WAV", ".wav")
    assert wav.url.startswith(emu.base_url)
    assert wav.url.endswith(".wav")
    size = await kie.download(wav.url, tmp_path / "song.wav", 10_000_000)
    data = (tmp_path / "song.wav").read_bytes()
    assert size == len(data) > 44
    assert (data[:4], data[8:12]) == (b"RIFF", b"WAVE")
    assert emu.polls[task_id] == 2


async def test_stems_are_vocals_and_instrumental_mp3s(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    _, source = await finished_song(kie, clock)
    task_id = await kie.submit(follow_up(Operation.STEMS, source), "job-2")
    [body] = emu.calls(STEMS)
    assert body == {
        "taskId": source.task_id,
        "audioId": source.track_id,
        "type": "separate_vocal",
        "callBackUrl": PLACEHOLDER,
    }
    clock.advance(GENERATION)
    status = await kie.status(task_id, Operation.STEMS)
    assert status.state is TaskState.SUCCEEDED
    assert [(f.label, f.suffix) for f in status.files] == [
        ("Vocals", ".mp3"),
        ("Instrumental", ".mp3"),
    ]
    assert len({f.url for f in status.files}) == 2
    for n, stem in enumerate(status.files):
        await kie.download(stem.url, tmp_path / f"{n}.mp3", 10_000_000)
        assert (tmp_path / f"{n}.mp3").read_bytes() == emu.audio_bytes


async def test_video_is_an_mp4(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    source, _ = await finished_song(kie, clock)
    task_id = await kie.submit(follow_up(Operation.VIDEO, source), "job-2")
    assert emu.calls(VIDEO)[0]["audioId"] == source.track_id
    clock.advance(GENERATION)
    [video] = (await kie.status(task_id, Operation.VIDEO)).files
    assert (video.label, video.suffix) == ("Video", ".mp4")
    await kie.download(video.url, tmp_path / "v.mp4", 10_000_000)
    assert (tmp_path / "v.mp4").read_bytes()[4:8] == b"ftyp"


async def test_split_stems_answer_every_stem_labelled_from_its_field(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    # The bot asks for two stems; kie's twelve-stem split is read the same way.
    source, _ = await finished_song(kie, clock)
    body = {
        "taskId": source.task_id,
        "audioId": source.track_id,
        "type": "split_stem",
        "callBackUrl": PLACEHOLDER,
    }
    headers = {"Authorization": f"Bearer {KIE.api_key}"}
    async with httpx.AsyncClient(base_url=emu.base_url, headers=headers) as client:
        task_id = (await client.post(STEMS, json=body)).json()["data"]["taskId"]
    clock.advance(GENERATION)
    labels = [f.label for f in (await kie.status(task_id, Operation.STEMS)).files]
    assert labels[0] == "Vocals"
    assert {"Backing Vocals", "Drums", "Bass", "FX", "Woodwinds"} <= set(labels)
    assert "Instrumental" not in labels
    assert len(labels) == 12


@pytest.mark.parametrize("operation", FILE_OPS, ids=str)
@pytest.mark.parametrize(
    ("error_code", "reason"), [(531, R.PROVIDER_ERROR), (451, R.CONTENT_POLICY)]
)
async def test_a_failed_file_task_takes_its_reason_from_the_error_code(
    kie: KieProvider,
    emu: KieEmulator,
    clock: FakeClock,
    operation: Operation,
    error_code: int,
    reason: FailureReason,
) -> None:
    source, _ = await finished_song(kie, clock)
    emu.plan("audio_failed", error_code=error_code, error_message="boom")
    task_id = await kie.submit(follow_up(operation, source), "job-2")
    clock.advance(GENERATION)
    status = await kie.status(task_id, operation)
    assert (status.state, status.failure, status.files) == (TaskState.FAILED, reason, [])
    assert (status.code, status.detail) == (f"{FAILED_FLAGS[operation]}:{error_code}", "boom")


@pytest.mark.parametrize(
    ("outcome", "state", "failure"),
    [
        ("sensitive", TaskState.FAILED, R.CONTENT_POLICY),
        ("callback_exception", TaskState.SUCCEEDED, None),
        ("never", TaskState.QUEUED, None),
    ],
)
async def test_other_file_task_outcomes(
    kie: KieProvider,
    emu: KieEmulator,
    clock: FakeClock,
    outcome: str,
    state: TaskState,
    failure: FailureReason | None,
) -> None:
    source, _ = await finished_song(kie, clock)
    emu.plan(outcome)
    task_id = await kie.submit(follow_up(Operation.WAV, source), "job-2")
    clock.advance(GENERATION)
    status = await kie.status(task_id, Operation.WAV)
    assert (status.state, status.failure) == (state, failure)
    assert bool(status.files) is (state is TaskState.SUCCEEDED)


async def test_file_tasks_need_a_finished_track_of_the_named_task(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    first, _ = await finished_song(kie, clock)
    task_id = await kie.submit(GenerateRequest(prompt="x", model="v4.5"), "job-1")
    clock.advance(70)  # the second song streams but is not finished
    early = (await kie.status(task_id)).tracks[0]
    cases = [
        (TrackRef(task_id=task_id, track_id=early.vendor_track_id), R.INVALID_INPUT, "400"),
        (TrackRef(task_id=task_id, track_id=first.track_id), R.INVALID_INPUT, "400"),
        (TrackRef(task_id="nope", track_id=first.track_id), R.PROVIDER_ERROR, "404"),
        (TrackRef(task_id=first.task_id, track_id="nope"), R.PROVIDER_ERROR, "404"),
    ]
    for source, reason, code in cases:
        error = await submit_error(kie, follow_up(Operation.VIDEO, source), KIE.api_key)
        assert (error.reason, error.code) == (reason, code), source
    assert emu.calls(VIDEO) == []
    assert emu.task_ids() == [first.task_id, task_id]


async def test_a_file_task_is_polled_at_its_own_record(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    source, _ = await finished_song(kie, clock)
    task_id = await kie.submit(follow_up(Operation.WAV, source), "job-2")
    with pytest.raises(ProviderError) as info:
        await kie.status(task_id)  # the song record does not know it
    assert info.value.code == "404"
    with pytest.raises(ProviderError):
        await kie.status(source.task_id, Operation.WAV)
    assert emu.hits["/api/v1/wav/record-info"] == 1


async def test_a_refused_wav_keeps_the_vendor_code(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    source, _ = await finished_song(kie, clock)
    emu.fail_submit(402, "credits are insufficient", path=WAV)
    error = await submit_error(kie, follow_up(Operation.WAV, source), KIE.api_key)
    assert (type(error), error.reason, error.code) == (
        ProviderError,
        R.INSUFFICIENT_CREDITS,
        "402",
    )
    assert emu.calls(WAV) == []


# -- file records the emulator does not send ------------------------------------------------


def mock_kie(make_settings: Callable[..., Any], data: Any) -> KieProvider:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": 200, "msg": "success", "data": data})

    return KieProvider(
        make_settings(),
        transport=httpx.MockTransport(answer),
        lyrics_poll_seconds=0.01,
        lyrics_wait_seconds=0.5,
    )


def file_record(flag: str, response: Any = None, **extra: Any) -> dict[str, Any]:
    return {"taskId": "t1", "successFlag": flag, "response": response, **extra}


WAV_URL = {"audioWavUrl": "https://cdn/x.wav"}


@pytest.mark.parametrize(
    ("operation", "data", "state", "failure", "files"),
    [
        (Operation.WAV, file_record("PENDING"), TaskState.QUEUED, None, []),
        (
            Operation.WAV,
            {"taskId": "t1", "status": "SUCCESS", "response": WAV_URL},  # status, not successFlag
            TaskState.SUCCEEDED,
            None,
            [OutputFile(label="WAV", url="https://cdn/x.wav", suffix=".wav")],
        ),
        (
            Operation.WAV,
            file_record("SUCCESS", {"audio_wav_url": "https://cdn/y.wav"}),
            TaskState.SUCCEEDED,
            None,
            [OutputFile(label="WAV", url="https://cdn/y.wav", suffix=".wav")],
        ),
        (
            Operation.VIDEO,
            file_record("CREATE_TASK_FAILED", errorCode=402),
            TaskState.FAILED,
            R.INSUFFICIENT_CREDITS,
            [],
        ),
        (Operation.VIDEO, file_record("GENERATE_MP4_FAILED"), TaskState.FAILED, None, []),
        (Operation.VIDEO, file_record("CALLBACK_EXCEPTION"), TaskState.FAILED, None, []),
        (
            Operation.VIDEO,
            file_record("CALLBACK_EXCEPTION", {"videoUrl": "https://cdn/v.mp4"}),
            TaskState.SUCCEEDED,
            None,
            [OutputFile(label="Video", url="https://cdn/v.mp4", suffix=".mp4")],
        ),
        (Operation.STEMS, file_record("SOMETHING_NEW"), TaskState.RUNNING, None, []),
        (
            Operation.STEMS,
            file_record(
                "SUCCESS",
                {
                    "originUrl": "https://cdn/o.mp3",
                    "instrumentalUrl": "",
                    "vocalUrl": "https://cdn/v",
                },
            ),
            TaskState.SUCCEEDED,
            None,
            [OutputFile(label="Vocals", url="https://cdn/v", suffix=".mp3")],
        ),
    ],
)
async def test_file_record_edges(
    make_settings: Callable[..., Any],
    operation: Operation,
    data: dict[str, Any],
    state: TaskState,
    failure: FailureReason | None,
    files: list[OutputFile],
) -> None:
    kie = mock_kie(make_settings, data)
    status = await kie.status("t1", operation)
    await kie.aclose()
    assert (status.state, status.files) == (state, files)
    expected = failure or (R.PROVIDER_ERROR if state is TaskState.FAILED else None)
    assert status.failure is expected


@pytest.mark.parametrize(
    "data",
    [
        file_record("SUCCESS"),  # no response at all
        file_record("SUCCESS", {"audioWavUrl": ""}),
        file_record("SUCCESS", "https://cdn/x.wav"),
        {"taskId": "t1", "response": WAV_URL},  # no state
    ],
)
async def test_unreadable_file_records_are_malformed(
    make_settings: Callable[..., Any], data: Any
) -> None:
    kie = mock_kie(make_settings, data)
    with pytest.raises(MalformedResponse):
        await kie.status("t1", Operation.WAV)
    await kie.aclose()


# -- written lyrics ---------------------------------------------------------------------------


async def write_in_background(
    writer: KieProvider, emu: KieEmulator, clock: FakeClock, theme: str, seconds: float
) -> list[LyricsDraft]:
    """Write lyrics while the fake clock moves ``seconds`` once the task exists."""
    call = asyncio.create_task(writer.write_lyrics(theme))
    await wait_until(lambda: bool(emu.task_ids()) or call.done())
    await asyncio.sleep(0.05)  # a few looks while it is pending
    clock.advance(seconds)
    return await call


async def test_lyrics_are_written_after_a_few_looks(
    writer: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    drafts = await write_in_background(writer, emu, clock, "a lighthouse keeper", 30)
    assert emu.calls(LYRICS) == [{"prompt": "a lighthouse keeper", "callBackUrl": PLACEHOLDER}]
    assert len(drafts) == 2
    assert [d.title for d in drafts] == ["Emulated Lyrics A", "Emulated Lyrics B"]
    assert all("a lighthouse keeper" in d.text for d in drafts)
    assert drafts[0].text != drafts[1].text
    [task_id] = emu.task_ids()
    assert emu.polls[task_id] >= 2


@pytest.mark.parametrize(
    ("outcome", "error_code", "reason", "code"),
    [
        ("audio_failed", 531, R.PROVIDER_ERROR, "GENERATE_LYRICS_FAILED:531"),
        ("audio_failed", 400, R.INVALID_INPUT, "GENERATE_LYRICS_FAILED:400"),
        ("sensitive", None, R.CONTENT_POLICY, "SENSITIVE_WORD_ERROR"),
    ],
)
async def test_failed_lyrics_raise_with_the_vendor_reason(
    writer: KieProvider,
    emu: KieEmulator,
    clock: FakeClock,
    outcome: str,
    error_code: int | None,
    reason: FailureReason,
    code: str,
) -> None:
    emu.plan(outcome, error_code=error_code)
    with pytest.raises(ProviderError) as info:
        await write_in_background(writer, emu, clock, "a storm", 30)
    assert type(info.value) is ProviderError
    assert (info.value.reason, info.value.code) == (reason, code)
    assert_no_secret(info.value, KIE.api_key)


async def test_lyrics_that_never_come_time_out(
    make_settings: Callable[..., Any], emu: KieEmulator
) -> None:
    emu.plan("never")
    kie = KieProvider(make_settings(), lyrics_poll_seconds=0.02, lyrics_wait_seconds=0.15)
    try:
        with pytest.raises(ProviderError) as info:
            await kie.write_lyrics("a long wait")
    finally:
        await kie.aclose()
    assert (info.value.reason, info.value.code) == (R.TIMEOUT, "PENDING")
    [task_id] = emu.task_ids()
    assert 3 <= emu.polls[task_id] <= 10


async def test_a_theme_over_the_limit_is_refused_without_polling(
    writer: KieProvider, emu: KieEmulator
) -> None:
    with pytest.raises(ProviderError) as info:
        await writer.write_lyrics("x" * 201)
    assert (info.value.reason, info.value.code) == (R.INVALID_INPUT, "400")
    assert emu.task_ids() == []
    assert emu.hits[LYRICS_RECORD] == 0


async def test_transient_errors_while_polling_lyrics_propagate(
    writer: KieProvider, emu: KieEmulator
) -> None:
    emu.fail_record_info(455, "maintenance", count=50, path=LYRICS_RECORD)
    with pytest.raises(TransientProviderError) as info:
        await writer.write_lyrics("a storm")
    assert (info.value.reason, info.value.code) == (R.PROVIDER_ERROR, "455")


async def test_lyrics_in_older_data_form_and_failed_variations(
    make_settings: Callable[..., Any],
) -> None:
    items = [
        {"text": "[Verse]\none", "title": "One", "status": "complete"},
        {"text": "", "title": "Empty", "status": "complete"},
        {"text": "[Verse]\nbad", "title": "Bad", "status": "failed"},
    ]
    answers = iter(
        [
            {"taskId": "t1"},  # the create call
            {"taskId": "t1", "status": "SUCCESS", "response": {"taskId": "t1", "data": items}},
        ]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": 200, "msg": "success", "data": next(answers)})

    kie = KieProvider(
        make_settings(), transport=httpx.MockTransport(answer), lyrics_poll_seconds=0.01
    )
    try:
        drafts = await kie.write_lyrics("theme")
    finally:
        await kie.aclose()
    assert drafts == [LyricsDraft(title="One", text="[Verse]\none")]


# -- timed lyrics -----------------------------------------------------------------------------


async def test_timed_lyrics_spread_the_track_words_over_its_length(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    _, track = await finished_song(kie, clock)
    words = await kie.timed_lyrics(track)
    assert emu.calls(TIMED_LYRICS) == [{"taskId": track.task_id, "audioId": track.track_id}]
    assert " ".join(w.word for w in words) == "[Verse]\nsea shanty\n[Chorus]\nla la la"
    assert words[0].start == 0
    assert all(w.start < w.end for w in words)
    assert all(a.end <= b.start for a, b in itertools.pairwise(words))
    assert track.duration is not None
    assert words[-1].end <= track.duration


async def test_an_instrumental_has_no_timed_words(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock
) -> None:
    plain = GenerateRequest(prompt="ambient", model="v4.5", instrumental=True)
    track, _ = await finished_song(kie, clock, plain)
    assert await kie.timed_lyrics(track) == []


async def test_timed_lyrics_of_an_unknown_track_is_a_provider_error(
    kie: KieProvider, emu: KieEmulator
) -> None:
    with pytest.raises(ProviderError) as info:
        await kie.timed_lyrics(TrackRef(task_id="nope", track_id="nope"))
    assert (info.value.reason, info.value.code) == (R.PROVIDER_ERROR, "404")


async def test_timed_lyrics_read_once_more_after_a_lost_answer(
    make_kie: Callable[..., KieProvider], emu: KieEmulator, clock: FakeClock
) -> None:
    kie = make_kie(timeout_seconds=0.2)
    _, track = await finished_song(kie, clock)
    emu.delay_requests(1.0, path_prefix=TIMED_LYRICS)
    assert await kie.timed_lyrics(track)
    assert emu.hits[TIMED_LYRICS] == 2


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            {"alignedWords": [{"word": "hi\n", "success": True, "start_s": 1.5, "end_s": 2}]},
            [TimedWord(word="hi\n", start=1.5, end=2.0)],
        ),
        (
            {"alignedWords": [{"word": "a", "startS": 0.5, "endS": 1}, {"word": "b"}]},
            [TimedWord(word="a", start=0.5, end=1.0)],  # a word without times is skipped
        ),
        ({"alignedWords": None, "waveformData": []}, []),
    ],
)
async def test_timed_lyrics_forms(
    make_settings: Callable[..., Any], data: Any, words: list[TimedWord]
) -> None:
    kie = mock_kie(make_settings, data)
    assert await kie.timed_lyrics(TrackRef(task_id="t", track_id="a")) == words
    await kie.aclose()


@pytest.mark.parametrize("data", [[1, 2], {"alignedWords": "x"}, {"alignedWords": ["x"]}])
async def test_unreadable_timed_lyrics_are_malformed(
    make_settings: Callable[..., Any], data: Any
) -> None:
    kie = mock_kie(make_settings, data)
    with pytest.raises(MalformedResponse):
        await kie.timed_lyrics(TrackRef(task_id="t", track_id="a"))
    await kie.aclose()


# -- callbacks of the follow-ups ----------------------------------------------------------------


@pytest.mark.parametrize("operation", FILE_OPS, ids=str)
async def test_a_file_task_calls_back_once_naming_its_task(
    kie: KieProvider,
    emu: KieEmulator,
    clock: FakeClock,
    receiver: Receiver,
    operation: Operation,
) -> None:
    source, _ = await finished_song(kie, clock)
    task_id = await kie.submit(follow_up(operation, source), "job-2", receiver.url)
    clock.advance(GENERATION - 1)
    await emu.flush_callbacks()
    assert receiver.received == []
    clock.advance(1)
    await emu.flush_callbacks()
    clock.advance(100)
    await emu.flush_callbacks()
    [(headers, body)] = receiver.received
    payload = json.loads(body)
    assert payload["code"] == 200
    assert payload["data"]["task_id"] == task_id
    assert kie.read_callback(headers, body, clock()).task_id == task_id
    status = await kie.status(task_id, operation)
    urls = {f.url for f in status.files}
    if operation is Operation.WAV:
        assert {payload["data"]["audioWavUrl"]} == urls
    elif operation is Operation.VIDEO:
        assert {payload["data"]["video_url"]} == urls
    else:
        info = payload["data"]["vocal_removal_info"]
        assert {info["vocal_url"], info["instrumental_url"]} == urls


async def test_a_signed_wav_callback_is_accepted_with_the_secret(
    make_kie: Callable[..., KieProvider], emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    emu.webhook_secret = SECRET
    kie = make_kie(webhook_secret=SecretStr(SECRET))
    source, _ = await finished_song(kie, clock)
    task_id = await kie.submit(follow_up(Operation.WAV, source), "job-2", receiver.url)
    clock.advance(GENERATION)
    await emu.flush_callbacks()
    [(headers, body)] = receiver.received
    assert headers["x-webhook-signature"]
    assert kie.read_callback(headers, body, clock()).task_id == task_id
    forged = {**headers, "x-webhook-signature": base64.b64encode(b"forged").decode()}
    with pytest.raises(CallbackRejected):
        kie.read_callback(forged, body, clock())


async def test_a_failed_wav_calls_back_with_the_vendor_code(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    source, _ = await finished_song(kie, clock)
    emu.plan("audio_failed", error_code=531, error_message="conversion failed")
    task_id = await kie.submit(follow_up(Operation.WAV, source), "job-2", receiver.url)
    clock.advance(GENERATION)
    await emu.flush_callbacks()
    [(headers, body)] = receiver.received
    payload = json.loads(body)
    assert (payload["code"], payload["msg"]) == (531, "conversion failed")
    assert payload["data"] == {"task_id": task_id, "audioWavUrl": None}
    assert kie.read_callback(headers, body, clock()).task_id == task_id


async def test_an_extension_calls_back_in_stages_like_a_song(
    kie: KieProvider, emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    source, _ = await finished_song(kie, clock)
    request = GenerateRequest(model="v4.5", operation=Operation.EXTEND, source=source)
    task_id = await kie.submit(request, "job-2", receiver.url)
    for step in (30, 30, 40):
        clock.advance(step)
        await emu.flush_callbacks()
    payloads = [json.loads(body) for _, body in receiver.received]
    assert [p["data"]["callbackType"] for p in payloads] == ["text", "first", "complete"]
    assert all(p["data"]["task_id"] == task_id for p in payloads)
    assert all(t["audio_url"] for t in payloads[-1]["data"]["data"])


async def test_a_lyrics_task_calls_back_with_its_drafts(
    emu: KieEmulator, clock: FakeClock, receiver: Receiver
) -> None:
    # The bot polls for lyrics; a loopback callBackUrl shows what kie would send.
    headers = {"Authorization": f"Bearer {KIE.api_key}"}
    async with httpx.AsyncClient(base_url=emu.base_url, headers=headers) as client:
        answer = await client.post(LYRICS, json={"prompt": "rain", "callBackUrl": receiver.url})
    task_id = answer.json()["data"]["taskId"]
    clock.advance(30)  # lyrics are done when a song's text would be
    await emu.flush_callbacks()
    [(_, body)] = receiver.received
    data = json.loads(body)["data"]
    assert (data["callbackType"], data["task_id"]) == ("complete", task_id)
    assert [d["title"] for d in data["data"]] == ["Emulated Lyrics A", "Emulated Lyrics B"]
    assert emu.completed_at[task_id] == pytest.approx(clock())
