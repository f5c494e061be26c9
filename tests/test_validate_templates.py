"""`playbook validate` renders every draft template with sample answers and checks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crisisplay.check import check_statement
from crisisplay.playbook.template_check import SAMPLE_TIMES, samples
from running import Crisisplay

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "playbooks").rglob("*.yaml"))


@pytest.fixture
def home(tmp_path: Path, crisisplay: Crisisplay, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace home with its own templates folder, and a private cache."""
    root = tmp_path / "agency"
    (root / "templates" / "en").mkdir(parents=True)
    (root / "playbooks").mkdir()
    crisisplay.home = root
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CRISISPLAY_CACHE_DIR", raising=False)
    return root


def overlay(folder: Path, templates: str) -> Path:
    """A client overlay on the shipped default whose `templates:` block is given as is."""
    path = folder / "acme.yaml"
    path.write_text(
        "schema: crisisplay/v1\n"
        "id: acme\n"
        "version: 1.0.0\n"
        "name: Acme\n"
        "language: en\n"
        "extends: default@^1\n"
        "client:\n"
        "  name: Acme\n"
        "  confidential_terms: [Project Falcon]\n"
        "templates:\n" + templates,
        encoding="utf-8",
    )
    return path


# --- the shipped content -----------------------------------------------------------------------


def test_shipped_playbooks_and_templates_validate_without_findings(
    crisisplay: Crisisplay, home: Path
) -> None:
    code, out, err = crisisplay("playbook", "validate", *map(str, SHIPPED))
    assert code == 0, err
    assert err == ""
    assert len([line for line in out.splitlines() if line.startswith("ok ")]) == len(SHIPPED)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("kind", [None, "holding-statement", "apology", "update", "resolution"])
def test_sample_answers_say_nothing_the_checker_flags(lang: str, kind: str | None) -> None:
    # a sample that tripped a rule would put a false warning on every agency's template
    sample = samples(lang)
    assert (lang == "es") == ("tiendas" in sample["title"])  # each in its own language
    for text in (sample["text"], sample["title"], " ".join(SAMPLE_TIMES.values())):
        found = check_statement(text, lang=lang, kind=kind, platform="x")
        assert [f.rule for f in found if f.end > f.start] == []


# --- a template that would hold back every draft -------------------------------------------------


def test_non_apology_in_an_inline_template_fails_at_its_line(
    crisisplay: Crisisplay, home: Path
) -> None:
    path = overlay(
        home / "playbooks",
        "  apology: |\n"
        "    We're sorry if anyone was offended by {{ what_we_did_wrong }}.\n"
        "    To put it right: {{ remedy }}. Next update by {{ next_update }}.\n",
    )
    code, out, err = crisisplay("playbook", "validate", str(path))
    assert code == 1
    assert out == ""
    # line 12 of the file, column of "sorry if" in "    We're sorry if…"
    assert (
        f"{path}:12:11: template 'apology' for x, facebook, instagram (step 'apologise-draft'): "
        in err
    )
    assert "conditional-apology “sorry if”" in err
    assert "error: 1 problem in 1 playbook." in err


def test_non_apology_in_a_workspace_template_file_names_the_file(
    crisisplay: Crisisplay, home: Path
) -> None:
    template = home / "templates" / "en" / "apology.j2"
    template.write_text(
        "{#- our apology: what_we_did_wrong, remedy, next_update -#}\n"
        "We're sorry if anyone was offended by {{ what_we_did_wrong }}.\n"
        "To put it right: {{ remedy }}. Next update by {{ next_update }}.\n",
        encoding="utf-8",
    )
    code, _, err = crisisplay("playbook", "validate", "default")
    assert code == 1
    assert f"{template}:2:7: template 'apology' for x, facebook, instagram (step" in err
    assert "conditional-apology" in err


def test_confidential_term_in_a_template_fails(crisisplay: Crisisplay, home: Path) -> None:
    path = overlay(
        home / "playbooks",
        '  holding-statement: "We know that {{ issue_summary }}. Project Falcon is paused. '
        'Next update by {{ next_update }}."\n',
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 1
    col = len('  holding-statement: "We know that {{ issue_summary }}. ') + 1
    assert f"{path}:11:{col}: template 'holding-statement'" in err
    assert "confidential-term “Project Falcon”" in err


def test_missing_element_no_answer_could_supply_fails(crisisplay: Crisisplay, home: Path) -> None:
    # only the incident's title reaches this text: no update time can ever appear in it
    path = overlay(
        home / "playbooks",
        '  holding-statement: "We know about {{ title }} and we are looking into it."\n',
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 1
    assert f"{path}:11:22: template 'holding-statement'" in err
    assert "needs-next-update" in err


def test_missing_element_an_answer_may_supply_is_left_to_the_draft(
    crisisplay: Crisisplay, home: Path
) -> None:
    # "what are we doing to put it right" is the manager's answer: the draft step checks it
    path = overlay(
        home / "playbooks",
        '  apology: "We got this wrong and we are sorry: {{ what_we_did_wrong }}. {{ remedy }}."\n',
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 0, err
    assert "apology-needs-repair" not in err


def test_warning_level_phrase_is_a_warning_only(crisisplay: Crisisplay, home: Path) -> None:
    path = overlay(
        home / "playbooks",
        "  update: |\n"
        "    Update, {{ now }}: {{ update_text }}. We apologise for any inconvenience.\n"
        "    Next update by {{ next_update }}.\n",
    )
    code, out, err = crisisplay("playbook", "validate", str(path))
    assert code == 0
    assert out.startswith("ok ")
    assert f"{path}:12:" in err
    assert ": warning: template 'update'" in err
    assert "any-inconvenience" in err


# --- length -------------------------------------------------------------------------------------


def test_x_template_too_long_on_its_own_text_fails(crisisplay: Crisisplay, home: Path) -> None:
    own = "We are looking into it. " * 12  # 288 characters of the template's own words
    path = overlay(
        home / "playbooks",
        f'  holding-statement:\n    default: "We know that {{{{ issue_summary }}}}. Next update '
        f'by {{{{ next_update }}}}."\n    x: "We know that {{{{ issue_summary }}}}. {own}Next '
        f'update by {{{{ next_update }}}}."\n',
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 1
    assert "template 'holding-statement' for x (step 'hold-draft'): too-long" in err


def test_x_template_too_long_only_with_sample_answers_warns(
    crisisplay: Crisisplay, home: Path
) -> None:
    own = "We are looking into it. " * 9  # 216: room for a short answer, not for the sample
    path = overlay(
        home / "playbooks",
        f'  holding-statement:\n    default: "We know that {{{{ issue_summary }}}}. Next update '
        f'by {{{{ next_update }}}}."\n    x: "We know that {{{{ issue_summary }}}}. {own}Next '
        f'update by {{{{ next_update }}}}."\n',
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 0, err
    assert "warning: template 'holding-statement' for x (step 'hold-draft'): too-long" in err
    assert "real answers change the length" in err


# --- templates that cannot be written ------------------------------------------------------------


def test_template_that_fails_with_sample_answers_is_an_error_at_its_line(
    crisisplay: Crisisplay, home: Path
) -> None:
    template = home / "templates" / "en" / "resolution.j2"
    template.write_text(
        "{#- resolution -#}\n"
        "Closing this topic. {{ resolution_summary }}.\n"
        "What has changed: {{ what_changed.details }}.\n",
        encoding="utf-8",
    )
    code, _, err = crisisplay("playbook", "validate", "default")
    assert code == 1
    assert f"{template}:3:19: template 'resolution'" in err
    assert "cannot be written with sample answers" in err
    assert "has no attribute 'details'" in err


def test_each_branch_is_rendered(crisisplay: Crisisplay, home: Path) -> None:
    # `triage` is set by the default playbook's decide options: every value is tried
    template = home / "templates" / "en" / "update.j2"
    template.write_text(
        "Update, {{ now }}: {{ update_text }}. Next update by {{ next_update }}.\n"
        '{% if triage == "troll" %}{{ 1 / 0 }}{% endif %}\n',
        encoding="utf-8",
    )
    code, _, err = crisisplay("playbook", "validate", "default")
    assert code == 1
    assert "when triage is “troll”" in err
    assert "division by zero" in err


# --- JSON and the cache ---------------------------------------------------------------------------


def test_json_lists_warnings_apart_from_problems(
    crisisplay: Crisisplay, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = overlay(
        home / "playbooks",
        '  update: "Update, {{ now }}: {{ update_text }}. Sorry for any inconvenience. '
        'Next update by {{ next_update }}."\n',
    )
    code, out, _ = crisisplay("playbook", "validate", str(path), "--json")
    assert code == 0
    [report] = json.loads(out)["playbooks"]
    assert report["ok"] is True and report["problems"] == []
    # The overlay has no contacts of its own: the base's placeholders are warned about too.
    [contacts] = [w for w in report["warnings"] if w["message"].startswith("client.contacts")]
    assert "none of this client's own" in contacts["message"]
    [warning] = [w for w in report["warnings"] if w is not contacts]
    assert (warning["file"], warning["line"]) == (str(path), 11)
    assert "any-inconvenience" in warning["message"]


def results(crisisplay: Crisisplay, *args: str) -> tuple[int, str]:
    code, _, err = crisisplay("playbook", "validate", *args)
    return code, err


def test_cached_results_are_the_same_and_never_stale(
    crisisplay: Crisisplay, home: Path, tmp_path: Path
) -> None:
    template = home / "templates" / "en" / "apology.j2"
    template.write_text(
        "We got this wrong and we are sorry: {{ what_we_did_wrong }}. To put it right: "
        "{{ remedy }}. Next update by {{ next_update }}.\n",
        encoding="utf-8",
    )
    assert results(crisisplay, "default") == (0, "")
    assert any((tmp_path / "cache" / "crisisplay").glob("template-checks-*/*"))
    assert results(crisisplay, "default") == (0, "")
    template.write_text(
        "We're sorry if anyone was upset: {{ what_we_did_wrong }}. To put it right: "
        "{{ remedy }}. Next update by {{ next_update }}.\n",
        encoding="utf-8",
    )
    first = results(crisisplay, "default")
    assert first[0] == 1 and "conditional-apology" in first[1]
    assert results(crisisplay, "default") == first


def test_an_unwritable_cache_costs_only_time(
    crisisplay: Crisisplay, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    path = overlay(home / "playbooks", '  apology: "We\'re sorry if you were upset."\n')
    first = results(crisisplay, str(path))
    assert first[0] == 1 and "conditional-apology" in first[1]
    assert results(crisisplay, str(path)) == first


def test_a_broken_workspace_rule_file_is_a_clear_problem(
    crisisplay: Crisisplay, home: Path
) -> None:
    (home / "checker").mkdir()
    (home / "checker" / "en.yaml").write_text(
        "rules:\n  - id: x\n    patterns: ['(unclosed']\n", encoding="utf-8"
    )
    code, _, err = crisisplay("playbook", "validate", "default")
    assert code == 1
    assert "statement checker" in err and "invalid regular expression" in err
    assert "Traceback" not in err


def test_a_damaged_cache_file_is_recomputed(
    crisisplay: Crisisplay, home: Path, tmp_path: Path
) -> None:
    path = overlay(home / "playbooks", '  apology: "We\'re sorry if you were upset."\n')
    first = results(crisisplay, str(path))
    entries = list((tmp_path / "cache" / "crisisplay").glob("template-checks-*/*"))
    assert entries
    for damage in ('[["half a', '[[{"what": "finding"}]]', "{}"):
        for entry in entries:
            entry.write_text(damage, encoding="utf-8")
        assert results(crisisplay, str(path)) == first


def test_the_cache_can_be_moved_or_switched_off(
    crisisplay: Crisisplay, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = overlay(home / "playbooks", '  apology: "We\'re sorry if you were upset."\n')
    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", "off")
    first = results(crisisplay, str(path))
    assert first[0] == 1 and "conditional-apology" in first[1]
    assert not (tmp_path / "cache").exists()
    monkeypatch.setenv("CRISISPLAY_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert results(crisisplay, str(path)) == first
    assert any((tmp_path / "elsewhere").glob("template-checks-*/*"))


# --- optional slots -------------------------------------------------------------------------------


def test_a_slot_read_under_is_defined_needs_no_step_to_ask_it(
    crisisplay: Crisisplay, home: Path
) -> None:
    # nothing in the playbook asks for `recall_number`: the template does without it
    path = overlay(
        home / "playbooks",
        "  holding-statement: |\n"
        "    {% if recall_number is defined and recall_number %}\n"
        "    Call {{ recall_number }}.\n"
        "    {% endif %}\n"
        "    We know that {{ issue_summary }}. Next update by {{ next_update }}.\n",
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 0, err
    # read without asking, it is still a variable nothing provides
    path.write_text(
        path.read_text(encoding="utf-8").replace("{% if recall_number is defined and", "{% if"),
        encoding="utf-8",
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 1
    assert "uses 'recall_number', which nothing before step 'hold-draft' provides" in err


def test_the_text_without_an_optional_slot_is_checked_too(
    crisisplay: Crisisplay, home: Path
) -> None:
    # answered, the slot hides the non-apology; unanswered, every draft would carry it
    path = overlay(
        home / "playbooks",
        "  apology: |\n"
        "    {% if explanation is defined and explanation %}{{ explanation }}.\n"
        "    {% else %}We're sorry if anyone was offended.\n"
        "    {% endif %}We got this wrong: {{ what_we_did_wrong }}. {{ remedy }}.\n",
    )
    code, _, err = crisisplay("playbook", "validate", str(path))
    assert code == 1
    assert "when explanation is not answered): conditional-apology “sorry if”" in err
