"""`crisisplay check`: a second pair of eyes on a statement before it goes out."""

import sys
from typing import Annotated, Any

import typer

MAX_BYTES = 1024 * 1024  # far above the longest post any network takes (63,206 characters)


def check(
    file: Annotated[
        str | None,
        typer.Argument(
            metavar="FILE|-",
            help="The statement, as a UTF-8 text file; '-' or nothing reads standard input.",
            show_default=False,
        ),
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform",
            "-p",
            help="Count the length as this network does: x, bluesky, threads, instagram, "
            "facebook, linkedin, tiktok.",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="The statement's language: en or es. Default: the client's, else en."
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="What the statement is, to check what it must contain: holding-statement, "
            "apology, update, resolution, or reply (to one person).",
        ),
    ] = None,
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            "-c",
            help="Apply this client's confidential terms, banned phrases and language.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Check a statement before it goes out.

    Non-apologies, blame shifting, minimising, canned or dismissive phrases, what the
    statement kind must contain, personal data, the client's confidential terms, and
    the length as the platform counts it. Findings show on the statement itself.
    Exit 1 if any finding is an error.
    """
    from crisisplay.check import KINDS, check_statement
    from crisisplay.check.platforms import ALIASES, canonical_platform
    from crisisplay.errors import CrisisplayError, UsageError
    from crisisplay.home import home
    from crisisplay.playbook.clients import (
        primary_language,
        profile_of,
        rule_languages,
        workspace_rules_dirs,
    )

    if kind is not None and kind not in KINDS:
        raise UsageError(f"Unknown --kind '{kind}'.", f"Use one of: {', '.join(KINDS)}.")
    platform_name = None
    if platform is not None:
        try:
            platform_name = canonical_platform(platform)
        except ValueError:
            from crisisplay.check import PLATFORM_LIMITS

            aliases = ", ".join(f"{a} for {n}" for a, n in sorted(ALIASES.items()))
            raise UsageError(
                f"Unknown --platform '{platform}'.",
                f"Use one of: {', '.join(PLATFORM_LIMITS)} (or {aliases}).",
            ) from None
    where = home()
    extra = workspace_rules_dirs(where)
    if lang is not None:
        known = rule_languages(extra)
        if not lang.strip() or primary_language(lang) not in known:
            raise UsageError(f"Unknown --lang '{lang}'.", f"Use one of: {', '.join(known)}.")
    text = _read_statement(file)

    profile = None
    if client is not None:
        from crisisplay.playbook.clients import client_playbook
        from crisisplay.playbook.library import Library

        resolved = client_playbook(Library(where), client, lang)
        from crisisplay import i18n

        i18n.use(resolved.playbook.language)  # the client's playbook: its language
        profile = profile_of(resolved.client)
        lang = lang or resolved.playbook.language or "en"
    try:
        findings = check_statement(
            text,
            lang=lang or "en",
            kind=kind,
            platform=platform_name,
            profile=profile,
            extra_rules_dirs=extra,
        )
    except ValueError as e:  # a workspace rule file that cannot be used
        raise CrisisplayError(f"The statement checker cannot run: {e}") from None

    length = None
    if platform_name is not None:
        from crisisplay.check import platform_length

        length = platform_length(text, platform_name)
    if as_json:
        from crisisplay.output import print_json

        data: dict[str, Any] = {
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity,
                    "message": f.message,
                    "start": f.start,
                    "end": f.end,
                    "family": f.family,
                    "hint": f.hint,
                    "text": text[f.start : f.end],
                }
                for f in findings
            ]
        }
        if length is not None:
            data.update(platform=platform_name, length=length[0], limit=length[1])
        print_json(data)
    else:
        _show(text, findings, platform_name, length)
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


def _read_statement(file: str | None) -> str:
    """The statement as given, less one trailing newline (what an editor or echo adds)."""
    from crisisplay.errors import CrisisplayError, UsageError
    from crisisplay.files import ReadError, read_limited

    how = (
        "Give a file (crisisplay check statement.txt) or pipe the text in "
        "(pbpaste | crisisplay check -)."
    )
    if file is None or file == "-":
        if file is None and (sys.stdin is None or sys.stdin.isatty()):
            raise UsageError("No statement to check.", how)
        name = "standard input"
        source = "-"
    else:
        from pathlib import Path

        name = file
        source = str(Path(file).expanduser())
    try:
        raw = read_limited(source, MAX_BYTES, what="a statement", name=name)
    except ReadError as e:
        if e.kind == "missing":
            raise CrisisplayError(f"No file at {file}.", how) from None
        if e.kind == "folder":
            raise CrisisplayError(f"{file} is a folder, not a statement.", how) from None
        if e.kind == "too-big":
            raise CrisisplayError(
                f"{name} is over {MAX_BYTES:,} bytes: that is not a statement.",
                "Check one statement at a time.",
            ) from None
        raise CrisisplayError(f"Cannot read {name}: {e.reason}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CrisisplayError(
            f"{name} is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}).",
            "Save it as UTF-8 and try again.",
        ) from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text.strip():
        raise CrisisplayError(f"The statement ({name}) is empty.", how)
    return text


_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
_INDENT = 9


def _label(severity: str) -> str:
    from crisisplay.i18n import _

    return {"error": _("error"), "warning": _("warning"), "info": _("info")}[severity]


def _show(text: str, findings: list[Any], platform: str | None, length: Any) -> None:
    """The statement with what was found highlighted, then one entry per finding."""
    from rich.text import Text

    from crisisplay.i18n import _
    from crisisplay.output import console

    out = console()
    plain = out.no_color or out.color_system is None
    spans = [f for f in findings if f.end > f.start]
    statement = Text(_marked(text, spans) if plain else text)
    if not plain:
        # Milder first, so that where spans overlap the most serious colour shows.
        for severity in ("info", "warning", "error"):
            for f in spans:
                if f.severity == severity:
                    statement.stylize(_STYLE[severity] + " underline", f.start, f.end)
    out.print(statement, soft_wrap=True)
    out.print()
    for f in sorted(spans, key=lambda f: (f.start, f.end)):
        line, col = _line_col(text, f.start)
        entry = Text()
        entry.append(f"{_label(f.severity):<8}", style=_STYLE[f.severity])
        entry.append(f" {f.rule}", style="bold")
        entry.append(" " + _("at {line}:{col}").format(line=line, col=col))
        entry.append(f" “{_clip(text[f.start : f.end])}”")
        out.print(entry)
        _explain(out, f)
    for f in findings:
        if f.end == f.start:
            entry = Text()
            entry.append(f"{_label(f.severity):<8}", style=_STYLE[f.severity])
            entry.append(" " + _("missing:") + " ")
            entry.append(f.rule, style="bold")
            out.print(entry)
            _explain(out, f)
    if platform is not None and length is not None:
        count, limit = length
        over = count > limit
        out.print(
            Text(
                _("{platform}: {count} of {limit} as {platform} counts").format(
                    platform=platform, count=count, limit=limit
                )
                + (" — " + _("{n} over").format(n=count - limit) if over else ""),
                style="red" if over else "green",
            )
        )
    out.print(Text(_summary(findings), style="bold"))


def _explain(out: Any, f: Any) -> None:
    """The message and the hint, indented under the finding, wrapped without padding."""
    from rich.text import Text

    body = Text(f.message)
    if f.hint:
        body.append(f"\n→ {f.hint}", style="dim" if f.severity == "info" else "")
    for line in body.wrap(out, max(out.width - _INDENT, 30)):
        line.rstrip()
        out.print(Text(" " * _INDENT) + line, soft_wrap=True)


def _marked(text: str, spans: list[Any]) -> str:
    """The statement with each flagged span in [[ ]], for reading without colour."""
    merged: list[list[int]] = []
    for f in sorted(spans, key=lambda f: (f.start, f.end)):
        if merged and f.start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], f.end)
        else:
            merged.append([f.start, f.end])
    parts, pos = [], 0
    for start, end in merged:
        parts += [text[pos:start], "[[", text[start:end], "]]"]
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _clip(text: str, width: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def _summary(findings: list[Any]) -> str:
    from crisisplay.i18n import _, ngettext

    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    if not any(counts.values()):
        return _("No findings.")
    said = {
        "error": lambda n: ngettext("{n} error", "{n} errors", n),
        "warning": lambda n: ngettext("{n} warning", "{n} warnings", n),
        "info": lambda n: ngettext("{n} tip", "{n} tips", n),
    }
    return ", ".join(said[s](n).format(n=n) for s, n in counts.items() if n) + "."
