"""JobService.boost_style: the provider's fuller style, fitted to the model's style limit."""

from __future__ import annotations

import pytest

from bot.config import JobSettings
from bot.errors import InputError, ProviderError
from bot.jobs.service import JobService
from bot.jobs.store import JobStore
from bot.jobs.validation import check_generate
from bot.providers.base import FailureReason, GenerateRequest, Operation, Provider
from bot.providers.catalog import MODELS
from bot.providers.sandbox import SandboxProvider
from bot.providers.sandbox.text import boosted_style
from tests.sandbox.helpers import settings as sandbox_settings
from tests.test_admission import RecordingRunner

GUILD = 1
# Sixty short words, comma separated: about 480 characters, more than V4's 200.
LONG = ", ".join(f"word{i:02d}" for i in range(60))


class NoBoostSandbox(SandboxProvider):
    """The sandbox without the style boost, as APIXO, Evolink and Kunavo are."""

    operations = SandboxProvider.operations - {Operation.BOOST_STYLE}


class ScriptedBoost(SandboxProvider):
    """The sandbox answering a boost with ``answer``, as a vendor may (the others: the
    sandbox's own, which only adds a few words)."""

    def __init__(self, answer: str) -> None:
        super().__init__(sandbox_settings())
        self.answer = answer
        self.asked: list[str] = []

    async def boost_style(self, style: str) -> str:
        self.asked.append(style)
        return self.answer


def service(store: JobStore, *providers: Provider) -> JobService:
    chosen = list(providers) or [SandboxProvider(sandbox_settings())]
    return JobService(store, RecordingRunner(), chosen, JobSettings())  # type: ignore[arg-type]


def song(style: str, model: str = "v5", **fields: object) -> GenerateRequest:
    values: dict[str, object] = {"custom": True, "instrumental": True, "title": "T"}
    return GenerateRequest(model=model, style=style, **(values | fields))  # type: ignore[arg-type]


async def test_a_long_answer_is_cut_at_a_comma_within_v4s_limit(store: JobStore) -> None:
    boosted = await service(store, ScriptedBoost(LONG)).boost_style(song("pop", "v4"), GUILD)
    assert MODELS["v4"].style_limit == 200
    assert len(boosted) <= 200
    assert boosted == LONG[: LONG.rfind(",", 0, 200)]  # whole words only, no dangling comma


async def test_v5_takes_the_whole_answer(store: JobStore) -> None:
    assert MODELS["v5"].style_limit == 1000
    assert await service(store, ScriptedBoost(LONG)).boost_style(song("pop"), GUILD) == LONG


async def test_an_answer_without_a_comma_is_cut_at_the_limit(store: JobStore) -> None:
    boosted = await service(store, ScriptedBoost("a" * 300)).boost_style(song("pop", "v4"), GUILD)
    assert boosted == "a" * 200


async def test_the_sandbox_adds_its_words_to_the_trimmed_style(store: JobStore) -> None:
    boosted = await service(store).boost_style(song("  lo-fi, rainy  "), GUILD)
    assert boosted == boosted_style("lo-fi, rainy")
    assert boosted.startswith("lo-fi, rainy, ")


async def test_the_first_provider_that_boosts_is_asked(store: JobStore) -> None:
    plain = NoBoostSandbox(sandbox_settings(name="plain"))
    scripted = ScriptedBoost("jazz, brushed drums")
    assert await service(store, plain, scripted).boost_style(song("jazz"), GUILD) == (
        "jazz, brushed drums"
    )
    assert scripted.asked == ["jazz"]


async def test_no_provider_that_boosts_is_a_provider_error(store: JobStore) -> None:
    # A form opened with boost_style, submitted after the bot was reconfigured.
    with pytest.raises(ProviderError) as info:
        await service(store, NoBoostSandbox(sandbox_settings())).boost_style(song("jazz"), GUILD)
    assert (info.value.reason, info.value.code) == (FailureReason.INVALID_INPUT, "unsupported")


@pytest.mark.parametrize(
    ("request_", "msgid"),
    [
        # A form's custom id names its model; one sent before the model left the catalog.
        (song("jazz", "v9"), "Model `{model}` is not available here. Choose one of: {names}."),
        (
            song("jazz", "v4", instrumental=False, lyrics="la " * 1100),
            "`lyrics` is {length} characters; {model} allows at most {limit}. "
            "Nothing was submitted.",
        ),
    ],
    ids=["model", "lyrics"],
)
async def test_a_song_that_would_be_refused_costs_no_boost(
    store: JobStore, request_: GenerateRequest, msgid: str
) -> None:
    scripted = ScriptedBoost("jazz, brushed drums")
    jobs = service(store, scripted)
    assert await jobs.boost_style(request_, GUILD) is None  # create refuses it, and audits
    assert scripted.asked == []
    with pytest.raises(InputError) as info:
        check_generate(request_, jobs.offered_models())
    assert info.value.msgid == msgid


async def test_a_style_with_a_blocked_term_costs_no_boost(store: JobStore) -> None:
    await store.block_term(GUILD, "shoegaze", "word")
    scripted = ScriptedBoost("dream pop, hazy")
    assert await service(store, scripted).boost_style(song("shoegaze"), GUILD) is None
    assert scripted.asked == []


async def test_a_boosted_style_naming_a_blocked_term_is_no_boost(store: JobStore) -> None:
    # The vendor's words must not get the member refused: the song keeps their own style.
    await store.block_term(GUILD, "shoegaze", "word")
    jobs = service(store, ScriptedBoost("dream pop, shoegaze, hazy"))
    with pytest.raises(ProviderError) as info:
        await jobs.boost_style(song("dream pop"), GUILD)
    assert (info.value.reason, info.value.code) == (FailureReason.CONTENT_POLICY, "blocked")
