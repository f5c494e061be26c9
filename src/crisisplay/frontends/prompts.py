"""The prompts every interactive screen is made of: a menu that opens with nothing selected,
a full-width text prompt, the console, and the bottom toolbar that counts down while a walk
is on screen.

Drawn with prompt_toolkit directly. No menu opens with an option selected: Enter on it says
"choose" and answers nothing. Keys typed before a prompt is drawn were meant for the one
before and are dropped. Nothing prefilled is a placeholder: a hint shows greyed
(``placeholder=``), and Enter on it records nothing.
"""

from __future__ import annotations

import os
from typing import Any

from crisisplay.i18n import _


def walk_actions() -> tuple[str, str, str, str]:
    """The actions under every menu of a walk, in the playbook's language:
    (note, skip, where, pause)."""
    return (_("✎ Add a note"), _("↷ Skip (with a reason)"), _("⌖ Where am I?"), _("⏸ Pause"))


def update_action() -> str:
    """The action under every menu of a walk that publishes an update between steps."""
    return _("✉ Publish an update now")


def text_help() -> str:
    """What can be typed at any text prompt of a walk (the commands stay as they are)."""
    return _("type /note, /update, /skip, /where or /pause at any prompt")


def console() -> Any:
    # the walk's screens show titles, steps and scenario events others wrote: through the
    # console that strips what could rewrite the terminal
    from crisisplay.output import console

    return console()


# --- prompts ---------------------------------------------------------------------------
#
# Drawn with prompt_toolkit directly. No menu opens with an option selected: Enter on
# it says "choose" and answers nothing. Keys typed before a prompt is drawn were meant
# for the one before and are dropped. Nothing prefilled is a placeholder: a hint shows
# greyed (`placeholder=`), and Enter on it records nothing. While a walk is on screen a
# bottom toolbar counts down every second (`live`, set by `run`).

#: () -> formatted text for the bottom toolbar, while a walk is on screen; None otherwise.
live: Any = None

_STYLE = {
    "qmark": "fg:ansicyan bold",
    "question": "bold",
    "answer": "fg:ansicyan",
    "pointer": "fg:ansicyan bold",
    "selected": "fg:ansicyan bold",
    "separator": "fg:ansibrightblack",
    "instruction": "fg:ansibrightblack",
    "placeholder": "fg:#888888 italic",
    "warning": "fg:ansired bold",
    "bottom-toolbar": "noreverse bg:ansiblack fg:ansiwhite",
    "toolbar.late": "bg:ansiblack fg:ansired bold",
    "toolbar.soon": "bg:ansiblack fg:ansiyellow bold",
}


def style() -> Any:
    from prompt_toolkit.styles import Style

    return Style.from_dict(_STYLE)


def discard_typeahead() -> None:
    """Drop every key typed before this prompt is drawn: it was meant for the one before
    (an Enter pressed twice, arrows still coming in as a drill's pop-up opens)."""
    from prompt_toolkit.application.current import get_app_session
    from prompt_toolkit.input.typeahead import clear_typeahead

    inp = get_app_session().input
    clear_typeahead(inp)  # what the last prompt read past its own answer
    try:
        fd = inp.fileno()
    except (NotImplementedError, AttributeError, ValueError, OSError):
        return
    if os.isatty(fd):
        try:
            import termios

            termios.tcflush(fd, termios.TCIFLUSH)  # typed, not yet read (even half a line)
        except (ImportError, OSError):
            pass
    read = getattr(inp, "read_keys", None)
    if read is not None:  # a pipe, or what the terminal's reader already holds
        for _n in range(10_000):
            if not read():
                break
        inp.flush_keys()


#: Work to begin once the next prompt is on screen, while the person reads it (the
#: playbook's real load after a preview drew the first question). Each runs once.
after_draw: list[Any] = []


def _begin_after_draw(app: Any) -> None:
    """Run what waits in `after_draw` once `app` has drawn itself (not before: the
    question comes first)."""
    if not after_draw:
        return
    work = list(after_draw)
    after_draw.clear()

    def begin() -> None:
        import asyncio

        asyncio.get_running_loop().call_soon(lambda: [w() for w in work])  # after the draw

    app.pre_run_callables.append(begin)


def prepare() -> None:
    """Import what the first prompt is drawn with (while something else works: see
    `Library.preview`)."""
    import prompt_toolkit.shortcuts.prompt
    import prompt_toolkit.styles  # noqa: F401


def toolbar() -> Any:
    return live() if live is not None else None


def select(message: str, choices: list[str], *, actions: bool = True) -> str:
    """A menu that opens with nothing selected: ↓/↑ move onto an option, Enter takes it;
    Enter before that answers nothing and says to choose."""
    from prompt_toolkit.application import Application, get_app
    from prompt_toolkit.filters import Condition, is_done
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import ConditionalContainer, HSplit, Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    items: list[str | None] = list(choices)
    if actions:
        items += [None, *walk_actions(), update_action()]  # None: a separator line
    live_items = [n for n, x in enumerate(items) if x is not None]
    state: dict[str, Any] = {"at": None, "warn": False}

    def screen() -> Any:
        head = [("class:qmark", "▶ "), ("class:question", message)]
        if get_app().is_done:  # answered (or interrupted: nothing was chosen)
            chosen = "" if state["at"] is None else str(items[state["at"]])
            return [*head, ("", " "), ("class:answer", chosen)]
        hint = (
            ("class:warning", "  " + _("Choose one first: ↓ then Enter"))
            if state["warn"]
            else ("class:instruction", "  " + _("(↓ ↑ to choose, Enter to confirm)"))
        )
        out = [*head, hint]
        for n, item in enumerate(items):
            if item is None:
                out.append(("class:separator", "\n   ─────────────"))
            elif n == state["at"]:
                out += [("", "\n"), ("class:pointer", " » "), ("class:selected", item)]
            else:
                out += [("", "\n   "), ("", item)]
        return out

    def move(by: int) -> None:
        at = state["at"]
        if at is None:
            state["at"] = live_items[0] if by > 0 else live_items[-1]
        else:
            state["at"] = live_items[(live_items.index(at) + by) % len(live_items)]
        state["warn"] = False

    kb = KeyBindings()
    kb.add("down")(lambda e: move(1))
    kb.add("c-n")(lambda e: move(1))
    kb.add("up")(lambda e: move(-1))
    kb.add("c-p")(lambda e: move(-1))

    @kb.add("enter")
    @kb.add("c-j")  # Enter as a terminal in cooked mode sends it (while text is printed above)
    def _enter(event: Any) -> None:
        if state["at"] is None:
            state["warn"] = True
        else:
            event.app.exit(result=items[state["at"]])

    @kb.add("c-c")
    def _interrupt(event: Any) -> None:
        event.app.exit(exception=KeyboardInterrupt(), style="class:aborting")

    @kb.add("<any>")
    def _other(event: Any) -> None:
        pass  # letters and digits choose nothing: no answer by accident

    bar = ConditionalContainer(
        Window(FormattedTextControl(toolbar), style="class:bottom-toolbar", wrap_lines=True),
        filter=~is_done & Condition(lambda: live is not None),
    )
    app: Application[str] = Application(
        layout=Layout(HSplit([Window(FormattedTextControl(screen), wrap_lines=True), bar])),
        key_bindings=kb,
        style=style(),
        refresh_interval=1 if live is not None else None,
        erase_when_done=False,
    )
    discard_typeahead()
    _begin_after_draw(app)
    return str(app.run())


def text(
    message: str,
    *,
    default: str = "",
    multiline: bool = False,
    instruction: str | None = None,
    placeholder: str | None = None,
) -> str:
    """A text prompt, full width: the hint on its own line above the input, the input
    from the first column (a multi-line answer too). `default` is only ever text the
    person is editing (their own statement); a suggestion goes in `placeholder`."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import FormattedText

    hint = (
        instruction
        if instruction is not None
        else (
            _("(Esc then Enter to finish; {help})").format(help=text_help())
            if multiline
            else f"({text_help()})"
        )
    )
    parts = [("class:qmark", "▶ "), ("class:question", message)]
    if hint:
        parts += [("", "\n"), ("class:instruction", "  " + hint)]
    parts += [("", "\n" if multiline else "\n› ")]
    session: PromptSession[str] = PromptSession(
        FormattedText(parts),
        multiline=multiline,
        style=style(),
        bottom_toolbar=toolbar if live is not None else None,
        refresh_interval=1 if live is not None else 0,
        placeholder=FormattedText([("class:placeholder", placeholder)]) if placeholder else None,
        prompt_continuation="",
        erase_when_done=False,
    )
    discard_typeahead()
    _begin_after_draw(session.app)
    return str(session.prompt(default=default))
