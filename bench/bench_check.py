"""The statement checker's figures: a 3,000-character statement in-process (cold and warm),
and `crisisplay check` as a whole process.

Run on its own: `cd bench && ../.venv/bin/python bench_check.py`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench import CRISISPLAY, RUNS, paired_ratio, paired_times, row, run_measured, whole_process

WARM_RUNS = 200

# Realistic long statements: mostly sound, with the habits the checker exists for
# (a conditional apology, "any inconvenience", blame on a supplier, an order number).
STATEMENT = {
    "en": (
        "We know many of you could not pay with a card in our stores on Tuesday evening, "
        "and some of you were charged twice. We got this wrong, and we are sorry. "
        "We're sorry if anyone was upset by the queues. Our payment supplier changed a "
        "setting without telling us, but the checks before every change are ours to run, "
        "and we did not run them. We apologise for any inconvenience. "
        "To put it right: every double charge is being refunded today, automatically, and "
        "you do not need to do anything. If you paid twice and do not see the refund by "
        "Friday, send us a direct message with your name, not your card number, and a "
        "person on our team will sort it out with you. Order 48213377 has been refunded. "
        "What we are changing: from this week every change to the card machines is tested "
        "in one store for a full day before it reaches the others, and our own team signs "
        "it off. Our next update will be here by 18:00 UTC. "
    ),
    "es": (
        "Sabemos que el martes por la tarde muchos no pudisteis pagar con tarjeta en "
        "nuestras tiendas, y que a algunos se os cobró dos veces. Nos equivocamos y lo "
        "sentimos. Lamentamos si alguno de ustedes se sintió molesto por las colas. Nuestro "
        "proveedor de pagos cambió una configuración sin avisarnos, pero las comprobaciones "
        "antes de cada cambio nos tocan a nosotros, y no las hicimos. Disculpen las "
        "molestias. Para arreglarlo: hoy devolvemos todos los cobros duplicados, de forma "
        "automática, y no tenéis que hacer nada. Si pagasteis dos veces y el viernes no "
        "veis la devolución, escribidnos por privado con vuestro nombre, nunca con el "
        "número de tarjeta, y una persona de nuestro equipo lo resolverá con vosotros. El "
        "pedido 48213377 ya está devuelto. Qué cambiamos: desde esta semana, cada cambio "
        "en los datáfonos se prueba un día entero en una tienda antes de llegar a las "
        "demás, y lo aprueba nuestro equipo. La próxima actualización, aquí antes de las "
        "18:00 UTC. "
    ),
}
SOUND_X = (
    "We got this wrong and we're sorry: card payments failed in our stores on Tuesday and "
    "some of you were charged twice. To put it right: every double charge is refunded "
    "today. Next update here by 18:00 UTC."
)

_PROBE = r"""
import json, statistics, sys, time
text = open(sys.argv[1], encoding="utf-8").read()
lang, runs = sys.argv[2], int(sys.argv[3])
start = time.perf_counter()
from crisisplay.check import check_statement
found = check_statement(text, lang=lang, kind="apology", platform="facebook")
cold = (time.perf_counter() - start) * 1000
for _ in range(20):
    check_statement(text, lang=lang, kind="apology", platform="facebook")
costs = []
for _ in range(runs):
    t = time.perf_counter()
    check_statement(text, lang=lang, kind="apology", platform="facebook")
    costs.append((time.perf_counter() - t) * 1000)
costs.sort()
print(json.dumps({"cold": cold, "median": statistics.median(costs),
                  "p90": costs[int(len(costs) * 0.9)], "findings": len(found)}))
"""


_SCALING = """
import json, sys, time
from crisisplay.check import check_statement
check_statement("We are sorry.", lang="en", kind="apology")
unit = "We are sorry if anyone was offended, but "
out = {}
for size in map(int, sys.argv[1:]):
    text = (unit * (size // len(unit) + 1))[:size]
    t = time.perf_counter()
    found = check_statement(text, lang="en", kind="apology")
    out[size] = [(time.perf_counter() - t) * 1000, len(found)]
print(json.dumps(out))
"""


def bench_scaling(env: dict[str, str]) -> None:
    """A long paste with no full stop and a finding every sentence: the shape that made the
    checker quadratic. Linear means ×16 the text costs about ×16 the time."""
    sizes = (3_000, 64_000, 1_000_000)
    proc = subprocess.run(
        [sys.executable, "-c", _SCALING, *map(str, sizes)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(proc.stdout)
    for size in sizes:
        ms, found = figures[str(size)]
        print(
            f"  {f'check {size:,} chars of a looping non-apology':<44} {ms:8.0f} ms  "
            f"({found} findings; {ms / size * 1000:.1f} µs per character)"
            + ("  target < 2,000 ms" if size == 1_000_000 else "")
        )


def statement(lang: str, size: int = 3000) -> str:
    """`size` characters of the language's statement, cut at a word boundary, then padded."""
    base = STATEMENT[lang]
    text = (base * (size // len(base) + 1))[:size]
    return text[: text.rfind(" ")].ljust(size, ".")


def probe(path: Path, lang: str, env: dict[str, str]) -> tuple[dict[str, float], float]:
    """One fresh process: the cold first call, then warm calls; its peak RSS in MB."""
    _, mb, code, out = run_measured(
        [sys.executable, "-c", _PROBE, str(path), lang, str(WARM_RUNS)],
        env,
        stdout=subprocess.PIPE,
    )
    if code != 0:
        raise SystemExit(f"checker probe for {lang} failed")
    return json.loads(out), mb


def bench_check(tmp: Path, env: dict[str, str]) -> None:
    for lang in ("en", "es"):
        path = tmp / f"statement-{lang}.txt"
        text = statement(lang)
        path.write_text(text, encoding="utf-8")
        colds = []
        for _ in range(max(3, RUNS // 5)):
            figures, mb = probe(path, lang, env)
            colds.append(figures["cold"])
        colds.sort()
        print(
            f"  {f'check 3,000 chars ({lang}), in-process, median':<44} "
            f"{figures['median']:8.2f} ms  (p90 {figures['p90']:.2f} ms, {WARM_RUNS} runs, "
            f"{int(figures['findings'])} findings)  target ≤ 10 ms"
        )
        row(
            f"check 3,000 chars ({lang}), cold first call",
            colds[len(colds) // 2],
            mb,
            "import + rules loaded and compiled",
        )
    bench_scaling(env)
    sound = tmp / "sound-x.txt"
    sound.write_text(SOUND_X + "\n", encoding="utf-8")
    # The first check after install compiles the rules and keeps them (the disk cache);
    # every later one, the one timed here, reads them back.
    whole_process([CRISISPLAY, "check", str(sound), "--platform", "x"], env=env)
    times, peaks = paired_times(
        {
            "help": [CRISISPLAY, "--help"],
            "check": [CRISISPLAY, "check", str(sound), "--platform", "x"],
        },
        RUNS,
        env,
    )
    row(
        "crisisplay check FILE --platform x",
        statistics.median(times["check"]),
        peaks["check"],
        f"{paired_ratio(times, 'check', 'help'):.2f}x crisisplay --help paired (target ≤ 2x)",
    )
    long = tmp / "long-en.txt"
    long.write_text(statement("en"), encoding="utf-8")
    ms, mb = whole_process(
        [CRISISPLAY, "check", str(long), "--platform", "facebook", "--json"], env=env, ok=(0, 1)
    )
    row("crisisplay check 3,000 chars --json (exit 1)", ms, mb)
