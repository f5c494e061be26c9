"""The report as Markdown for a wiki or a pull request: no raw HTML, user text escaped.

It renders the report's model (`model.view`): what the report says is decided there, the
same for Markdown and HTML; here only how Markdown writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from crisisplay.report.model import Block, Line, Report, Span, view, words

# What can start or end Markdown structure inline (links, emphasis, code, HTML, tables,
# entities); what only matters at the start of a line is handled by _LINE_START.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
# A list marker ("- ", "+ ", "1. ", "1) ") or a setext underline ("===", "---") only
# counts at the start of a line.
_LIST = re.compile(r"^(\s*)(\d*)([-+.)])(?=\s|$)", re.MULTILINE)
_UNDERLINE = re.compile(r"^(\s*)([=-])(?=[=-]*\s*$)", re.MULTILINE)


def _line_start(s: str) -> str:
    def fix(m: re.Match[str]) -> str:
        lead, digits, mark = m.groups()
        if bool(digits) != (mark in ".)"):
            return m.group(0)  # "-5" or "." alone: not a list marker
        return f"{lead}{digits}\\{mark}"

    return _UNDERLINE.sub(r"\1\\\2", _LIST.sub(fix, s))


def esc(text: Any) -> str:
    """User text, safe inline: Markdown specials escaped, one line (for tables too)."""
    s = " ".join(str(text).split())
    s = _SPECIAL.sub(r"\\\1", s)
    return _line_start(s)


def esc_block(text: Any) -> str:
    """User text as a blockquote, line breaks kept."""
    lines = str(text).splitlines() or [""]
    out = []
    for line in lines:
        s = _SPECIAL.sub(r"\\\1", line.rstrip())
        s = _line_start(s)
        out.append(f"> {s}" if s else ">")
    return "\n".join(out)


def fenced(text: str) -> str:
    """The text exactly as published, in a fence longer than any backtick run in it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def link(url: Any) -> str:
    u = str(url or "")
    if re.fullmatch(r"https?://[^\s<>`]+", u):
        return f"<{u}>"
    return esc(u) if u else "—"


def _table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def code(text: str) -> str:
    """An inline code span that holds any text: a fence longer than its backtick runs."""
    text = " ".join(text.split())
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def span(s: Span) -> str:
    text = s.text
    if not text.strip():
        return " " if text else ""
    lead = " " if text[0].isspace() else ""
    tail = " " if text[-1].isspace() else ""
    if s.href is not None:
        body = link(s.href)
    elif s.style == "code":
        body = code(text)
    elif s.style in ("bad", "strong"):
        body = f"**{esc(text)}**"
    elif s.style == "em":
        body = f"_{esc(text)}_"
    else:
        body = esc(text)
    return f"{lead}{body}{tail}"


def line(spans: Line) -> str:
    return "".join(span(s) for s in spans).strip()


def render(report: dict[str, Any]) -> str:
    return "\n".join(sections(report)) + "\n"


def sections(report: dict[str, Any]) -> Iterator[str]:
    """The report's Markdown, line by line."""
    yield from lines(view(report))


def lines(model: Report) -> Iterator[str]:
    yield f"# {esc(model.title)}"
    yield ""
    if model.drill:
        _ = words(model.lang)[0]
        yield f"**{esc(_('DRILL'))}** — {esc(_('an exercise, not a real incident.'))}"
        yield ""
    for b in model.top:
        yield from block(b)
        yield ""
    for section in model.for_format("md"):
        yield f"## {esc(section.title)}"
        yield ""
        for b in section.blocks:
            yield from block(b)
            yield ""


def block(b: Block, level: int = 3) -> Iterator[str]:
    from crisisplay.report import model

    if isinstance(b, model.Para):
        text = line(b.line)
        yield f"_{text}_" if b.style == "empty" else text
    elif isinstance(b, model.Banner):
        yield f"> **{esc(b.lead)}** {line(b.line)}"
        if b.items:
            yield ">"
            for problem in b.items:
                yield f"> - {esc(problem)}"
    elif isinstance(b, model.Table):
        if b.head is None:
            yield _table(["", ""], [[line(c) for c in r.cells] for r in b.rows])
        else:
            yield _table([esc(h) for h in b.head], [[line(c) for c in r.cells] for r in b.rows])
    elif isinstance(b, model.Items):
        for n, item in enumerate(b.items, start=1):
            yield f"{n}. {line(item.line)}" if b.ordered else f"- {line(item.line)}"
            for sub in item.sub:
                yield f"  - {line(sub)}"
    elif isinstance(b, model.Quote):
        yield esc_block(b.text)
    elif isinstance(b, model.Sub):
        yield f"{'#' * level} {esc(b.title)}"
        yield ""
        for inner in b.blocks:
            yield from block(inner, level + 1)
    elif isinstance(b, model.Statement):
        yield f"{'#' * level} {b.n}. {esc(b.heading)}"
        yield ""
        for label, value in b.facts:
            yield f"- {esc(label)}: {line(value)}"
        yield ""
        for n, net in enumerate(b.networks):
            yield f"**{esc(net.name)}** — {line(net.state)}; {line(net.record)}"
            yield ""
            yield fenced(net.text)
            if n < len(b.networks) - 1:
                yield ""
