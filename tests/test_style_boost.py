"""JobService.boost_style: the provider's fuller style, fitted to the model's style limit."""

from __future__ import annotations

import pytest

from bot.config import JobSettings
from bot.errors import InputError, ProviderError
from bot.jobs.service import JobService
from bot.jobs.store import JobStore
from bot.providers.base import FailureReason, Operation, Provider
from bot.providers.catalog import MODELS
from bot.providers.sandbox import SandboxProvider
from bot.providers.sandbox.text import boosted_style
from tests.sandbox.helpers import settings as sandbox_settings
from tests.test_admission import RecordingRunner

# Sixty short words, comma separated: about 480 characters, more than V4's 200.
LONG = ", ".join(f"word{i:02d}" for i in range(60))


class NoBoostSandbox(SandboxProvider):
    """The sandbox without the style boost, as APIXO, Evolink and Kunavo are."""

    operations = SandboxProvider.operations - {Operation.BOOST_STYLE}


def service(store: JobStore, *providers: Provider) -> JobService:
    chosen = list(providers) or [SandboxProvider(sandbox_settings())]
    return JobService(store, RecordingRunner(), chosen, JobSettings())  # type: ignore[arg-type]


async def test_a_long_answer_is_cut_at_a_comma_within_v4s_limit(store: JobStore) -> None:
    boosted = await service(store).boost_style(LONG, "v4")
    assert MODELS["v4"].style_limit == 200
    assert len(boosted) <= 200
    assert boosted == LONG[: LONG.rfind(",", 0, 200)]  # whole words only, no dangling comma
    assert boosted.startswith("word00, word01")


async def test_v5_takes_the_whole_answer(store: JobStore) -> None:
    boosted = await service(store).boost_style(LONG, "v5")
    assert MODELS["v5"].style_limit == 1000
    assert boosted == boosted_style(LONG)
    assert len(boosted) > 200


async def test_an_answer_without_a_comma_is_cut_at_the_limit(store: JobStore) -> None:
    # The sandbox adds its words after a comma: a single word of 300 letters has none before 200.
    boosted = await service(store).boost_style("a" * 300, "v4")
    assert boosted == "a" * 200


async def test_the_style_is_sent_without_surrounding_space(store: JobStore) -> None:
    boosted = await service(store).boost_style("  lo-fi, rainy  ", "v5")
    assert boosted == boosted_style("lo-fi, rainy")
    assert boosted.startswith("lo-fi, rainy, ")


async def test_the_first_provider_that_boosts_is_asked(store: JobStore) -> None:
    plain = NoBoostSandbox(sandbox_settings(name="plain"))
    boosting = SandboxProvider(sandbox_settings(name="boosting"))
    assert await service(store, plain, boosting).boost_style("jazz", "v5") == (
        boosted_style("jazz")
    )


async def test_no_provider_that_boosts_is_a_provider_error(store: JobStore) -> None:
    # A form opened with boost_style, submitted after the bot was reconfigured.
    with pytest.raises(ProviderError) as info:
        await service(store, NoBoostSandbox(sandbox_settings())).boost_style("jazz", "v5")
    assert (info.value.reason, info.value.code) == (FailureReason.INVALID_INPUT, "unsupported")


async def test_a_model_not_offered_is_refused_before_the_vendor_is_asked(
    store: JobStore,
) -> None:
    # A form's custom id names its model; one sent before the model left the catalog.
    with pytest.raises(InputError) as info:
        await service(store).boost_style("jazz", "v9")
    assert info.value.msgid == "Model `{model}` is not available here."
