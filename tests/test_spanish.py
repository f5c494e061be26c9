"""A Spanish playbook's walk speaks Spanish: the catalogue is whole and up to date, and what
a Spanish manager reads during a walk, in a real terminal and in `log show` has no English
interface words left in it."""

from __future__ import annotations

import io
import re
import string
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from answering import ROOT, answers_for, drive, library, write_yaml
from crisisplay.incident.log import read_events, verify
from needs import program
from running import Crisisplay

SRC = ROOT / "src" / "crisisplay"
LOCALE = SRC / "locale"
PO = LOCALE / "es" / "LC_MESSAGES" / "crisisplay.po"
#: Every language's catalogue: a third language is checked like Spanish as soon as its .po is
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/crisisplay.po"))

DOWN, ENTER, ESC_ENTER = "\x1b[B", "\r", "\x1b\r"

#: English interface words a Spanish manager must not meet during a walk (whole words,
#: case as the interface writes them). "No" is Spanish too, so it is not here.
ENGLISH = (
    "Done",
    "Skip",
    "Next",
    "deadline",
    "Deadline",
    "Use arrow keys",
    "to choose",
    "Enter to confirm",
    "Choose",
    "Yes",
    "Step",
    "Stage",
    "stage",
    "step",
    "steps",
    "severity",
    "Answer",
    "Question",
    "Statement",
    "statement",
    "Pause",
    "Paused",
    "Add a note",
    "Where am I",
    "due in",
    "since first seen",
    "first seen",
    "recorded",
    "published",
    "Accept",
    "Edit",
    "Signed off",
    "When did",
    "Where was it",
    "How did",
    "Incident",
    "opened",
    "The log is",
    "Receipt",
    "complete",
    "closed",
    "Post-mortem",
    "Read",
    "Tell",
    "To do",
    "Told them",
    "type",
    "Client",
    "What is happening",
    "now",
    "ago",
    "OPENED",
    "CLOSED",
    "OPEN",
    "MISSED",
    "met",
    "Deadlines",
    "Metrics",
    "note",
    "notified",
    "decided",
    "approved by",
    "time to",
    "updates",
    "events",
    "session",
    "Friday",
    "Monday",
    "Saturday",
    "Sunday",
    "Thursday",
    "Tuesday",
    "Wednesday",
)


def english_in(text: str) -> list[str]:
    return [w for w in ENGLISH if re.search(rf"(?<![\w/-]){re.escape(w)}(?![\w-])", text)]


def spanish_choices() -> dict[str, str]:
    """The unhappy customer's path through default-es: the option at the same place as in
    the English twin (the two playbooks share their ids and the order of their options)."""
    from crisisplay.home import Home
    from crisisplay.playbook.library import Library

    lib = Library(Home(ROOT / ".no-home", "env"))
    en, es = lib.load("default").playbook, lib.load("default-es").playbook
    from test_interactive import UNHAPPY

    out = {}
    for step_id, label in UNHAPPY.items():
        en_step, es_step = en.step(step_id), es.step(step_id)
        assert en_step is not None and es_step is not None
        labels = [o.label for o in en_step.options or []]
        index = next(n for n, x in enumerate(labels) if x.startswith(label))
        out[step_id] = (es_step.options or [])[index].label
    return out


# --- (a) the catalogue -----------------------------------------------------------------------


def extracted() -> dict[str, tuple[str, ...]]:
    """Every message the source asks for, as `make catalogues` extracts it: {msgid: (msgid,
    plural)}."""
    from babel.messages.extract import extract_from_dir

    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    from babel.messages.extract import DEFAULT_KEYWORDS

    # pybabel's own keywords as well (a template's {% trans %} is a gettext call), as make does
    keywords = {**DEFAULT_KEYWORDS, "_": None, "ngettext": (1, 2)}
    out: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SRC), method_map, options, keywords
    ):
        ids = (message,) if isinstance(message, str) else tuple(message)
        out[ids[0]] = ids
    return out


def catalogue(path: Path) -> Any:
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f)


def fields(text: str) -> set[str]:
    """The `{name}` fields of a str.format text (`{{` is a brace, not a field)."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_spanish_is_among_the_catalogues() -> None:
    assert PO in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_word_of_the_interface_has_its_translation(po: Path) -> None:
    wanted = extracted()
    assert len(wanted) > 300  # the whole walk, log show and the drill: not a handful
    have = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalogue(po) if m.id}
    missing = sorted(set(wanted) - set(have))
    assert missing == [], f"not in the .po (run `make catalogues`): {missing[:5]}"
    stale = sorted(set(have) - set(wanted))
    assert stale == [], f"in the .po, no longer in the code (run `make catalogues`): {stale[:5]}"
    untranslated = [
        key
        for key, m in have.items()
        if not (all(s.strip() for s in m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert untranslated == [], untranslated[:5]
    pot = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue(LOCALE / "crisisplay.pot")
        if m.id
    }
    assert pot == set(wanted), "the committed .pot is out of date: run `make catalogues`"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_placeholders_are_the_same_in_english_and_the_translation(po: Path) -> None:
    for m in catalogue(po):
        if not m.id:
            continue
        ids = (m.id,) if isinstance(m.id, str) else m.id
        strings = (m.string,) if isinstance(m.string, str) else m.string
        want = set().union(*(fields(i) for i in ids))
        for s in strings:
            assert fields(s) == want, (ids[0], s)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_the_committed_mo_is_the_po_compiled(po: Path) -> None:
    import gettext

    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalogue(po))
    compiled = gettext.GNUTranslations(io.BytesIO(buf.getvalue()))
    with open(po.with_suffix(".mo"), "rb") as f:
        committed = gettext.GNUTranslations(f)
    assert committed._catalog == compiled._catalog, "run `make catalogues`"  # type: ignore[attr-defined]


def test_the_language_follows_the_playbook_and_english_is_the_fallback() -> None:
    from crisisplay import i18n
    from crisisplay.i18n import _, ngettext

    assert _("Done") == "Done"
    i18n.use("es-MX")
    assert i18n.current() == "es"
    assert (_("Done"), _("Yes"), _("⏸ Pause")) == ("Hecho", "Sí", "⏸ Pausa")
    assert ngettext("{n} step recorded.", "{n} steps recorded.", 2) == "{n} pasos registrados."
    with i18n.speaking("en"):  # a block of its own (a drill's frame): then back
        assert _("Done") == "Done"
    assert _("Done") == "Hecho"
    i18n.use("fr")  # no catalogue: English
    assert (_("Done"), i18n.current()) == ("Done", "fr")


# --- (b) a Spanish walk with real keystrokes --------------------------------------------------


class Screen:
    """What prompt_toolkit draws, kept as text (the walk's prompts, menus and toolbar)."""

    def __init__(self) -> None:
        from prompt_toolkit.data_structures import Size
        from prompt_toolkit.output.vt100 import Vt100_Output

        self.buf = io.StringIO()
        self.output = Vt100_Output(self.buf, lambda: Size(rows=60, columns=200), term="xterm")

    def text(self) -> str:
        raw = self.buf.getvalue()
        raw = re.sub(
            r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>78]|\x1b\][^\x07]*\x07", "", raw
        )
        return raw.replace("\r", "\n")


def test_a_spanish_walk_shows_no_english_from_the_first_question_to_the_close(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crisisplay.frontends.interactive import start_interactive
    from test_interactive import keys_for_walk

    lib = library(tmp_path / "home")
    resolved = lib.load("default-es")
    screen = Screen()
    monkeypatch.setattr("prompt_toolkit.output.DummyOutput", lambda: screen.output)
    opening = "Café Olé" + ENTER + "Vídeo de café quemado" + ENTER + DOWN * 2 + ENTER
    opening += "ahora" + ENTER  # first seen: typed, in Spanish (nothing is prefilled)
    opening += "espresso" + ENTER  # the playbook's variable
    # a time is typed the Spanish way: «ahora»
    keys = keys_for_walk(resolved, spanish_choices()).replace("now" + ENTER, "ahora" + ENTER)
    # Before the first step's answer, typed in Spanish: a note, and where we are (both
    # ask the step again).
    keys = "/nota el cliente ha llamado" + ENTER + "/donde" + ENTER + keys
    drive(
        opening + keys,
        start_interactive,
        lib,
        playbook="default-es",
        client=None,
        title=None,
        severity=None,
        first_seen=None,
    )
    printed = capsys.readouterr().out
    drawn = screen.text()
    # What a Spanish manager reads: the prompts and menus …
    for said in (
        "▶ Cliente:",
        "(↓ ↑ para elegir, Intro para confirmar)",
        "¿Hecho?",
        "Hecho",
        "↷ Omitir (con un motivo)",
        "✎ Añadir una nota",
        "⌖ ¿Dónde estoy?",
        "⏸ Pausa",
        "Sí",
        "El comunicado:",
        "Aceptar",
        "vence en",  # the toolbar's countdown
    ):
        assert said in drawn, said
    # … and what the walk prints around them.
    for said in (
        "Incidente ",
        "gravedad 2",
        "etapa 1/6",
        "desde la detección",
        "Nota registrada.",
        " 0 pasos registrados.",  # /donde: where we are, before the first answer
        "Protocolo completado; el incidente",
        "Post mortem:",
        "Comprobante ",
    ):
        assert said in printed, said
    assert english_in(drawn) == []
    # Step ids, the log's path and the resume command are not words: leave them out.
    words = re.sub(r"\S*[-/_.]\S*", " ", printed)
    assert english_in(words) == []
    (folder,) = list(lib.home.incidents.iterdir())
    events = list(read_events(folder / "log.jsonl"))
    assert events[-1]["type"] == "incident.closed"
    assert events[0]["data"]["playbook"]["language"] == "es"
    assert [e["data"]["text"] for e in events if e["type"] == "note"] == ["el cliente ha llamado"]
    assert verify(folder / "log.jsonl").ok


def test_a_wrong_answer_is_explained_in_spanish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crisisplay.frontends.interactive import Interrupted, start_interactive

    lib = library(tmp_path / "home")
    keys = "Café Olé" + ENTER + "Vídeo" + ENTER + DOWN + ENTER
    keys += "mañana" + ENTER + "ahora" + ENTER  # not a time; then «ahora», typed
    keys += "espresso" + ENTER
    keys += "no es un enlace" + ENTER  # detect-post-url
    with pytest.raises(Interrupted):  # the keys run out: Ctrl-D pauses the walk
        drive(
            keys,
            start_interactive,
            lib,
            playbook="default-es",
            client=None,
            title=None,
            severity=None,
            first_seen=None,
        )
    out = capsys.readouterr().out
    assert "«mañana» no es una hora" in " ".join(out.split())
    assert "no es una dirección web" in out
    assert "is not" not in out


# --- (c) a whole Spanish walk in a real terminal ----------------------------------------------


@pytest.fixture
def terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from test_terminal import Terminal

    monkeypatch.delenv("TMUX", raising=False)
    # The private tmux server starts from this environment, and the walk from it.
    monkeypatch.setenv("TZ", "Europe/Madrid")
    monkeypatch.setenv("LANG", "C.UTF-8")
    term = Terminal(tmp_path)
    yield term
    term.close()


def asked(term: Any, n: int, timeout: float = 15.0) -> str:
    """Wait until the n-th question (from 1) is drawn: every prompt starts a line with ▶,
    drawn once it has dropped the keys typed before it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = term._tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t").stdout
        if sum(line.startswith("▶") for line in history.splitlines()) >= n:
            time.sleep(0.15)
            return str(history)
        time.sleep(0.05)
    raise AssertionError(f"question {n} never came:\n{term.screen()}")


@pytest.mark.terminal
@program("tmux")
def test_a_spanish_walk_in_a_real_terminal_from_start_to_close(terminal: Any) -> None:
    terminal.run(
        "start", "--playbook", "default-es", "--client", "Café Olé", "--title", "Café quemado",
        "--severity", "2",
    )  # fmt: skip
    answers: list[tuple[str, ...]] = [
        ("ahora", "Enter"),  # ¿Cuándo se detectó? typed: nothing is prefilled
        ("espresso", "Enter"),  # the playbook's variable
        ("https://x.com/a/1", "Enter"),  # detect-post-url
        ("Down", "Enter"),  # detect-screenshot: Hecho
        ("Un vídeo de café quemado", "Escape", "Enter"),  # detect-post-summary
        ("Down", "Enter"),  # detect-moderation: Leído
        ("Down", "Down", "Enter"),  # detect-positive: Negativa
        ("1.200", "Enter"),  # detect-reach: 1200, written the Spanish way
        ("Down", "Enter"),  # detect-velocity
        ("Down", "Enter"),  # detect-media
        ("3", "Enter"),  # detect-same-reports
        ("Down", "Down", "Enter"),  # detect-history: No
        ("Down", "Down", "Enter"),  # detect-legal-safety: No
        ("Down", "Enter"),  # detect-severity: Hecho
        ("Down", "Enter"),  # detect-response: Comunicado público (the only one at severity 2)
        ("Down", "Down", "Enter"),  # detect-triage: Desahogo
        ("Hola, Marta: lo miro ahora y te escribo", "Escape", "Enter"),  # detect-rager-reply
        ("Down", "Enter"),  # detect-rager-outcome: Respondido — the end
    ]
    for n, keys in enumerate(answers, start=1):
        screen = asked(terminal, n)
        terminal.keys(*keys)
        if n == 4:
            assert "(↓ ↑ para elegir, Intro para confirmar)" in screen
            assert "Hecho" in screen and "↷ Omitir (con un motivo)" in screen
            assert "gravedad 2" in screen and "etapa 1/6" in screen and "⏱" in screen
        if n == 12:
            assert "Sí" in screen
    assert terminal.exit_code(timeout=20) == 0
    history = terminal._tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t").stdout
    assert "Protocolo completado; el incidente" in history
    assert "Comprobante " in history
    words = re.sub(r"\S*[-/_.]\S*", " ", history)  # ids, paths and commands are not words
    assert english_in(words) == []
    (folder,) = list((terminal.home / "incidents").iterdir())
    events = list(read_events(folder / "log.jsonl"))
    assert events[-1]["type"] == "incident.closed"
    reach = next(e for e in events if e["type"] == "step" and e["data"]["step"] == "detect-reach")
    assert reach["data"]["value"] == 1200
    assert verify(folder / "log.jsonl").ok


# --- (d) log show of a Spanish incident -------------------------------------------------------


def spanish_incident(crisisplay: Crisisplay, tmp_path: Path) -> str:
    lib = library(crisisplay.home)
    answers = answers_for(lib.load("default-es"), spanish_choices())
    answers["incident"]["client"] = "Café Olé"
    path = write_yaml(tmp_path / "answers.yaml", answers)
    code, out, err = crisisplay("start", "--playbook", "default-es", "--answers", str(path))
    assert code == 0, err
    assert "pasos registrados; incidente cerrado." in err
    return out.strip()


def test_log_show_of_a_spanish_incident_is_spanish(crisisplay: Crisisplay, tmp_path: Path) -> None:
    incident = spanish_incident(crisisplay, tmp_path)
    code, out, err = crisisplay("log", "show", incident)
    assert code == 0, err
    for said in ("gravedad 2", "protocolo default-es", "detectado ", "abierto ", "cerrado ",
                 "Plazos", "Métricas", "cumplido", "publicado", "aprobado por", "se decidió",
                 "tiempo hasta la disculpa", "pasos registrados"):  # fmt: skip
        assert said in out, said
    words = re.sub(r"\S*[-/_.@]\S*", " ", out)
    assert english_in(words) == []
    code, flat, err = crisisplay("log", "show", incident, "--events")
    assert code == 0, err
    assert "ABIERTO " in flat and "CERRADO" in flat
    assert english_in(re.sub(r"\S*[-/_.@]\S*", " ", flat)) == []
    # The next command in the same process, on nothing Spanish, is English again.
    code, out, _err = crisisplay("log", "list")
    assert code == 0 and "status" in out


def test_check_with_a_spanish_client_s_playbook_frames_its_findings_in_spanish(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    statement = tmp_path / "comunicado.txt"
    statement.write_text("Pedimos disculpas si alguien se ha sentido ofendido.\n", "utf-8")
    code, out, err = crisisplay(
        "check", "--client", "bean-there-es", "--platform", "x", str(statement)
    )
    assert code == 1, err  # an error: the conditional apology
    assert "conditional-apology en 1:1" in out
    assert "x: 52 de 280 según cuenta x" in out
    assert out.rstrip().endswith("1 error.")
    assert english_in(re.sub(r"\S*[-/_.]\S*", " ", out)) == []
    # Without a client's playbook the frame stays English.
    code, out, _err = crisisplay("check", "--lang", "es", "--platform", "x", str(statement))
    assert "conditional-apology at 1:1" in out and "52 of 280" in out


def test_resume_speaks_the_language_the_incident_was_opened_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crisisplay import i18n
    from crisisplay.frontends.interactive import Interrupted, resume_interactive, start_interactive

    lib = library(tmp_path / "home")
    keys = (
        "Café Olé" + ENTER + "Vídeo" + ENTER + DOWN + ENTER + "ahora" + ENTER + "espresso" + ENTER
    )
    keys += "https://x.com/a/1" + ENTER  # detect-post-url, then the keys run out: a pause
    with pytest.raises(Interrupted) as paused:
        drive(keys, start_interactive, lib, playbook="default-es", client=None, title=None,
              severity=None, first_seen=None)  # fmt: skip
    assert "En pausa (Ctrl-C)" in str(paused.value)
    capsys.readouterr()
    i18n.use(None)  # a new command starts in English …
    with pytest.raises(Interrupted):
        drive(DOWN + ENTER, resume_interactive, lib, None)  # … and resumes in Spanish
    out = capsys.readouterr().out
    assert "Reanudando " in out and "1 paso ya registrado." in out
    assert "Tarea · detect-screenshot" in out
    assert english_in(re.sub(r"\S*[-/_.]\S*", " ", out)) == []


def test_a_time_typed_for_later_today_is_refused_in_spanish() -> None:
    """At 1:16 in Madrid, «19:40» would be this evening: refused, and said in Spanish, with
    the forms to use instead («hace …», not «… ago»)."""
    from datetime import UTC, datetime

    from crisisplay import i18n, times
    from crisisplay.incident.walk import Unconfirmed, incident_time

    i18n.use("es")
    times.use_zone("Europe/Madrid")
    now = datetime(2026, 12, 5, 0, 16, tzinfo=UTC)
    with pytest.raises(ValueError) as refused:
        incident_time("19:40", i18n._("that time"), now=now)
    said = str(refused.value)
    assert said.startswith("esa hora: «19:40» sería hoy a las 19:40 CET, en el futuro")
    assert "2026-12-04 19:40 o 'hace 5h36m'" in said
    assert english_in(said) == []
    with pytest.raises(Unconfirmed) as asked:  # 71 minutes ago: asked first, in Spanish too
        incident_time("0:05", i18n._("that time"), now=now)
    assert "No se registra nada a ciegas" in str(asked.value)
