"""Printing: data to stdout, diagnostics to stderr, colour only on a terminal.

Text other people wrote (titles, answers, statements, playbooks, scenarios, log
entries, file names in errors) reaches the terminal by one of three roads, and each
road strips what could rewrite the screen or disguise the text (`text.printable`):

* plain writes to `sys.stdout` / `sys.stderr`: `main()` puts a `PrintableStream` in
  front of both for the whole command (`guarded_streams`);
* rich output: `console()` renders through a hook that cleans every text segment, and
  writes to the real stream so rich's own colours survive;
* JSON: `print_json` escapes those characters (`\\u001b`), so the data stays exact.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

from crisisplay.errors import CrisisplayError, PlaybookError
from crisisplay.text import json_safe, printable


class OutputGone(Exception):
    """Standard output or error cannot be written: a closed pipe (`| head -1`), a full
    device (`> /dev/full`), an I/O error. `main()` turns it into an exit, never a trace."""

    def __init__(self, stream: str, error: OSError) -> None:
        super().__init__(f"cannot write to standard {stream}: {error.strerror or error}")
        self.stream = stream
        self.errno = error.errno


class PrintableStream:
    """A text stream that drops control characters and bidi overrides from what is
    written to it (with `clean`), and says which stream failed when a write or a flush
    does; everything else (fileno, isatty, buffer, encoding…) is the stream's."""

    def __init__(self, stream: Any, name: str = "output", *, clean: bool = True) -> None:
        self.raw_stream = stream
        self.stream_name = name
        self.clean = clean

    def write(self, text: str) -> int:
        text_out = printable(text) if self.clean and isinstance(text, str) else text
        try:
            self.raw_stream.write(text_out)
        except OSError as e:
            raise OutputGone(self.stream_name, e) from None
        return len(text)

    def flush(self) -> None:
        try:
            self.raw_stream.flush()
        except OSError as e:
            raise OutputGone(self.stream_name, e) from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw_stream, name)


def raw(stream: Any) -> Any:
    """The stream under a PrintableStream (rich writes its own colour codes there)."""
    return getattr(stream, "raw_stream", stream)


@contextlib.contextmanager
def guarded_streams() -> Iterator[None]:
    """sys.stdout and sys.stderr print only printable text while the block runs."""
    saved = sys.stdout, sys.stderr
    if sys.stdout is not None and not isinstance(sys.stdout, PrintableStream):
        sys.stdout = PrintableStream(sys.stdout, "output")
    if sys.stderr is not None and not isinstance(sys.stderr, PrintableStream):
        sys.stderr = PrintableStream(sys.stderr, "error")
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


_HOOK: Any = None


def _printable_hook() -> Any:
    """A rich render hook: every text segment of what is printed goes through
    `printable`; rich's own control segments (cursor moves, a Live redraw) pass."""
    global _HOOK
    if _HOOK is None:
        from rich.console import RenderHook
        from rich.segment import Segment

        class _Clean:
            def __init__(self, inner: Any) -> None:
                self.inner = inner

            def __rich_console__(self, console: Any, options: Any) -> Any:
                for seg in console.render(self.inner, options):
                    if seg.control or not seg.text:
                        yield seg
                    else:
                        yield Segment(printable(seg.text), seg.style)

        class Hook(RenderHook):
            def process_renderables(self, renderables: list[Any]) -> list[Any]:
                return [_Clean(r) for r in renderables]

        _HOOK = Hook()
    return _HOOK


_CONSOLE: Any = None


def _console_class() -> Any:
    """rich's Console, except that text whose square brackets rich cannot read as markup
    (a title such as "Refunds [/] delays") is printed as it is, never a traceback."""
    global _CONSOLE
    if _CONSOLE is None:
        from rich.console import Console
        from rich.errors import MarkupError

        class SafeConsole(Console):
            def print(self, *objects: Any, **kwargs: Any) -> None:
                try:
                    super().print(*objects, **kwargs)
                except MarkupError:
                    kwargs["markup"] = False
                    super().print(*objects, **kwargs)

        _CONSOLE = SafeConsole
    return _CONSOLE


def console(stderr: bool = False) -> Any:
    Console = _console_class()

    # rich's own colour codes must pass, so it writes to the real stream, through a
    # PrintableStream that only says which stream failed; the hook cleans the text.
    stream = raw(sys.stderr if stderr else sys.stdout)
    name = "error" if stderr else "output"
    file: Any = PrintableStream(stream, name, clean=False)
    out = Console(file=file, highlight=False, soft_wrap=False)
    out.push_render_hook(_printable_hook())
    return out


def print_json(data: Any) -> None:
    sys.stdout.write(json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n")


def print_error(error: CrisisplayError) -> None:
    """One clean paragraph on stderr; a file's problems one per line, editor-clickable."""
    if isinstance(error, PlaybookError):
        for problem in error.problems:
            sys.stderr.write(f"{problem}\n")
        n = len(error.problems)
        plural = "s" if n != 1 else ""
        sys.stderr.write(f"error: {n} problem{plural} found: fix and try again.\n")
        if error.hint:
            sys.stderr.write(f"{error.hint}\n")
        return
    sys.stderr.write(f"error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"{error.hint}\n")
