"""Start-up shortcuts keep the command line exactly as it was: the command being run is
built alone, and everything else (help, typos, groups) still sees every command."""

from __future__ import annotations

import pytest
import typer.main

from crisisplay.cli import _only_what_runs, app
from running import Crisisplay


def every_command() -> list[list[str]]:
    root = typer.main.get_command(app)
    out = []
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        out += [[name, sub] for sub in subs] if subs else [[name]]
    return out


@pytest.mark.parametrize("words", every_command(), ids=" ".join)
def test_a_command_built_alone_has_all_its_options(words: list[str]) -> None:
    def lookup(group: object) -> object:
        for word in words:
            group = group.commands[word]  # type: ignore[attr-defined]
        return group

    full = lookup(typer.main.get_command(app))
    alone = lookup(typer.main.get_command(_only_what_runs(app, words)))
    assert [p.opts for p in alone.params] == [p.opts for p in full.params]  # type: ignore[attr-defined]
    assert alone.help == full.help  # type: ignore[attr-defined]


def test_a_typo_in_a_subcommand_still_suggests_the_right_one(crisisplay: Crisisplay) -> None:
    code, _, err = crisisplay("playbook", "valdate")
    assert code == 2
    assert "Did you mean 'validate'" in err


def test_a_group_without_its_command_lists_all_of_them(crisisplay: Crisisplay) -> None:
    code, out, _ = crisisplay("playbook", "--help")
    assert code == 0
    for name in ("list", "show", "validate", "schema", "new", "diff", "upgrade"):
        assert f"  {name} " in out


def test_top_level_help_lists_every_command(crisisplay: Crisisplay) -> None:
    code, out, _ = crisisplay("--help")
    assert code == 0
    for words in every_command():
        assert f"  {words[0]} " in out


def test_the_command_run_is_the_one_named(crisisplay: Crisisplay) -> None:
    code, out, _ = crisisplay("playbook", "validate", "default")
    assert code == 0
    assert out.startswith("ok ")
    code, _, err = crisisplay("start", "--severity", "12")
    assert code == 2
    assert "--severity" in err


def test_running_main_leaves_the_app_whole(crisisplay: Crisisplay) -> None:
    before = every_command()
    crisisplay("playbook", "schema")
    assert every_command() == before
