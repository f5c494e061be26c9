"""Every call in a statement template that can build a big string or loop is bounded:
a clear error a playbook author understands, quickly, in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from answering import DATA, cli

HUGE = [
    ("{{ lipsum(n=1000000) }}", "lipsum(n=1000000): n is at most 20"),
    ("{{ lipsum(max=10**9) }}", "lipsum(max=1000000000): max is at most 200"),
    ("{{ x.ljust(10**10) }}", "'ljust()': a width or count of 10,000,000,000"),
    ("{{ x.rjust(99999999) }}", "'rjust()': a width or count of 99,999,999"),
    ("{{ x.center(99999999) }}", "'center()': a width or count"),
    ("{{ x.zfill(99999999) }}", "'zfill()': a width or count"),
    ("{{ '%10000000s' % x }}", "'%' formatting: a width or count of 10,000,000"),
    ("{{ '%.99999999f' % 1.5 }}", "'%' formatting: a width or count of 99,999,999"),
    ("{{ '%*s' % (99999999, x) }}", "a width taken from the values ('*') is not allowed"),
    ("{{ '{:>99999999}'.format(x) }}", "'format()': a width or count of 99,999,999"),
    ("{{ '{:>{w}}'.format(x, w=99999999) }}", "a width taken from another value"),
    ("{{ '{0:.99999999f}'.format_map({'0': 1.5}) }}", "'format_map()': a width or count"),
    ("{{ ('{0}' * 5000).format(x * 20000) }}", "'format()' would build about"),
    ("{{ '%99999999s'|format(x) }}", "the 'format' filter: a width or count of 99,999,999"),
    ("{{ x|center(99999999) }}", "the 'center' filter: a width or count"),
    ("{{ ((x ~ '\\n') * 10000)|indent(10000) }}", "the 'indent' filter would build about"),
    ("{{ ((x ~ ' ') * 10000)|wordwrap(1, wrapstring=x * 10000) }}", "the 'wordwrap' filter"),
    ("{{ range(10**9)|list }}", "range() of 1,000,000,000 numbers (the limit is 1,000)"),
    ("{{ (x * 20000) ~ (x * 20000) ~ (x * 20000) ~ (x * 20000) }}", "'~' would build about"),
    ("{{ (x * 20000) + (x * 20000) + (x * 20000) + (x * 20000) }}", "'+' would build about"),
    ("{{ ([x * 20000] * 20000)|join }}", "the 'join' filter would build about"),
    ("{{ ([x * 20000] * 20000)|sentence }}", "the 'sentence' filter would build about"),
    ("{{ (x * 20000)|list|join(x * 20000) }}", "the 'join' filter would build about"),
    ("{{ (x * 20000).join([x] * 20000) }}", "'join()' would build about"),
    ("{{ (x * 20000)|replace(x, x * 20000) }}", "the 'replace' filter would build about"),
    ("{{ x.replace(x, 'b' * 20000).replace('b', 'c' * 20000) }}", "'replace()' would build"),
    ("{{ ([[x]] * 20000)|sum(start=[]) }}", "the 'sum' filter would build"),
    ("{{ ('\t' * 20000).expandtabs(20000) }}", "'expandtabs()'"),
    ("{{ (x * 20000).translate({97: x * 20000}) }}", "'translate()' would build about"),
    ("{{ x" + "|tojson" * 40 + " }}", "the 'tojson' filter would build about"),
    ("{{ [x * 20000] * 20000 }}", "printing this value would build about"),
    (
        "{% for i in range(1000) %}{% set y = (x * 20000).replace(x, 'bb') %}{% endfor %}",
        "the template builds over 20,000,000 characters in all",
    ),
]

# One subprocess for every case, under an address-space limit: without the bounds the
# first of them needs gigabytes (lipsum(n=1000000) took 120 s and 2.6 GB).
_PROBE = """
import json, resource, sys, time
limit = 400 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from crisisplay.playbook.templates import Source, TemplateError, render
out = []
for text in json.loads(sys.stdin.read()):
    started = time.perf_counter()
    try:
        render(Source("t", "default", "ok\\n" + text, "inline", "playbook"), {"x": "a"})
        out.append(["rendered", None, 0.0])
    except TemplateError as e:
        out.append([e.message, e.line, time.perf_counter() - started])
print(json.dumps(out))
"""


def test_every_way_to_build_something_huge_is_refused_in_bounded_memory() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        input=json.dumps([text for text, _ in HUGE]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for (text, says), (message, line, seconds) in zip(HUGE, results, strict=True):
        assert says in message, (text, message)
        assert line == 2, (text, line)  # the line of the template that does it
        assert seconds < 2.0, (text, seconds)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ x.ljust(5, '.') }}|", "a....|"),
        ("|{{ '%5s|%-3d|' % (x, 7) }}", "|    a|7  |"),
        ("|{{ '{:>4}{}'.format(x, 2) }}", "|   a2"),
        ("{{ [x, x]|join(', ') }}", "a, a"),
        ("{{ (x ~ ' b ') * 3 }}", "a b a b a b"),
        ("{{ x + 'b' }}{{ 7 % 3 }}", "ab1"),
        ("{{ lipsum(1, false, 5, 6)|wordcount in (5, 6) }}", "True"),
        ("{{ 'a\nb'|indent(2, true) }}", "a\n  b"),
        ("{{ [[1], [2]]|sum(start=[]) }}", "[1, 2]"),
        ("{{ (' ' ~ x ~ ' is ready ')|sentence }}", "A is ready."),
        ("{{ ('¿' ~ x ~ '?')|sentence }}", "¿A?"),
    ],
)
def test_what_a_statement_really_does_still_works(text: str, expected: str) -> None:
    from crisisplay.playbook.templates import Source, render

    assert render(Source("t", "default", text, "inline", "playbook"), {"x": "a"}) == expected


def test_validate_says_where_in_the_playbook_and_quickly(tmp_path: Path) -> None:
    text = (DATA / "branches.yaml").read_text(encoding="utf-8")
    old = '    default: "We know about {{ what }} with {{ product }}. More by {{ next_update }}."'
    assert old in text
    new = (
        "    default: |-\n"
        "      We know about {{ what }} with {{ product }}.\n"
        "      More by {{ next_update }}.\n"
        "      {{ lipsum(n=1000000) }}"
    )
    path = tmp_path / "evil.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = text.splitlines().index(old) + 4  # the lipsum line, third of the template
    done = cli(tmp_path, "playbook", "validate", str(path), timeout=30)
    assert done.returncode == 1
    assert f"{path}:{line}:7: template 'short-note'" in done.stderr, done.stderr
    assert "lipsum(n=1000000): n is at most 20 in a statement template" in done.stderr
