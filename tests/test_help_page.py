"""The /help page: what it says, and that it fits Discord's limits however big the server."""

from __future__ import annotations

import re

import discord
from discord import app_commands

from bot.discord.ui.help import HelpPage, MemberRights, RuleSource, help_embeds, some
from bot.discord.ui.limits import DESCRIPTION, EMBEDS, TITLE, TOTAL, size
from bot.discord.ui.usage import Window
from cogs.help import offered_commands

ALLOWED = MemberRights(
    generate=True,
    costly=True,
    remix_others=True,
    manage_others=False,
    generate_roles=frozenset(),
    costly_roles=frozenset(),
)


def page(**changes: object) -> HelpPage:
    values: dict[str, object] = {
        "commands": [("generate", "Make two songs from a description."), ("help", "This page.")],
        "costly_operations": ["extend", "WAV"],
        "rights": ALLOWED,
        "windows": [Window("Last 24 hours", 1, 3), Window("Last 7 days", 1, 0)],
        "song_channels": [],
        "admin_commands": None,
    }
    return HelpPage(**{**values, **changes})  # type: ignore[arg-type]


def text(embeds: list[discord.Embed]) -> str:
    return "\n".join(f"{e.title or ''}\n{e.description or ''}" for e in embeds)


def test_a_member_sees_commands_rights_quota_and_where_songs_go() -> None:
    shown = text(help_embeds(page(song_channels=[11, 12])))
    assert "`/generate` — Make two songs from a description." in shown
    assert "**Make songs:** yes" in shown
    assert "**Extend, WAV:** yes" in shown
    assert "**Last 24 hours:** 2 of 3 left" in shown
    assert "**Last 7 days:** no limit" in shown
    assert "**Where songs are made:** <#11>, <#12>" in shown
    assert "For server managers" not in shown


def test_a_member_without_the_roles_is_told_which_roles_may() -> None:
    rights = MemberRights(False, False, False, False, frozenset({7}), frozenset({8, 9}))
    shown = text(help_embeds(page(rights=rights)))
    assert "**Make songs:** no (only members with <@&7>)" in shown
    assert "**Extend, WAV:** no (only members with <@&8>, <@&9>)" in shown
    assert "**Cancel or delete others' songs:** no (needs Manage Messages)" in shown


def test_a_manager_sees_admin_commands_and_rule_sources() -> None:
    rules = [RuleSource("Monthly budget", "$5.00", "config.toml")]
    shown = text(help_embeds(page(admin_commands=[("settings", "Server rules.")], rules=rules)))
    assert "`/settings` — Server rules." in shown
    assert "**Monthly budget:** $5.00 · config.toml" in shown


def test_hundreds_of_channels_roles_and_commands_fit_in_one_message() -> None:
    ids = list(range(10**17, 10**17 + 500))
    many = page(
        commands=[(f"command{n}", "d" * 100) for n in range(100)],
        song_channels=ids,
        rights=MemberRights(False, False, False, False, frozenset(ids), frozenset(ids)),
        admin_commands=[(f"admin{n}", "a" * 100) for n in range(100)],
        rules=[RuleSource("Song channels", some([f"<#{i}>" for i in ids]), "/settings")] * 50,
    )
    embeds = help_embeds(many)
    assert 1 <= len(embeds) <= EMBEDS
    assert sum(size(e) for e in embeds) <= TOTAL
    assert all(len(e.description or "") <= DESCRIPTION for e in embeds)
    assert all(len(e.title or "") <= TITLE for e in embeds)
    shown = text(embeds)
    assert "`/command0`" in shown  # the first commands survive the cut


def test_a_long_list_of_mentions_ends_with_a_count_not_a_cut_mention() -> None:
    listed = some([f"<#{10**17 + n}>" for n in range(500)])
    match = re.fullmatch(r"(?:<#\d+>, )*<#\d+> and (\d+) more", listed)
    assert match is not None, listed[-80:]
    assert listed.count("<#") + int(match[1]) == 500
    assert len(listed) < 1000


def test_commands_for_server_managers_are_listed_apart() -> None:
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(
        discord.Client(intents=discord.Intents.none())
    )

    @app_commands.command(name="generate", description="Make two songs from a description.")
    async def generate(interaction: discord.Interaction[discord.Client]) -> None: ...

    @app_commands.command(name="settings", description="This server's rules.")
    @app_commands.default_permissions(manage_guild=True)
    async def settings(interaction: discord.Interaction[discord.Client]) -> None: ...

    @app_commands.context_menu(name="Remix")
    async def remix(
        interaction: discord.Interaction[discord.Client], m: discord.Message
    ) -> None: ...

    for command in (generate, settings, remix):
        tree.add_command(command)
    everyone, managers = offered_commands(tree, 1)
    assert everyone == [("generate", "Make two songs from a description.")]
    assert managers == [("settings", "This server's rules.")]
    # With guild_ids the commands live in each server (the global list is emptied).
    tree.copy_global_to(guild=discord.Object(1))
    tree.clear_commands(guild=None)
    assert offered_commands(tree, 1) == (everyone, managers)
    assert offered_commands(tree, 2) == ([], [])
