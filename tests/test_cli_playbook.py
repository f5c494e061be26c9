"""`crisisplay playbook …` and `crisisplay init` on valid playbooks, as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crisisplay.yamlfile import load_file
from running import Crisisplay

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "playbooks").rglob("*.yaml"))
DEFAULT = ROOT / "playbooks" / "default.yaml"
BEAN_THERE = ROOT / "playbooks" / "examples" / "bean-there.yaml"


@pytest.fixture
def workspace(tmp_path: Path, crisisplay: Crisisplay) -> Path:
    """An agency workspace made with `crisisplay init`, used as home."""
    root = tmp_path / "agency"
    crisisplay.ok("init", str(root))
    crisisplay.home = root
    return root


def write_default(folder: Path, version: str, name: str = "Agency default") -> Path:
    """A copy of the shipped default with another version and name."""
    text = DEFAULT.read_text(encoding="utf-8")
    text = text.replace("version: 1.0.0", f"version: {version}", 1)
    text = text.replace("name: Social-media crisis protocol", f"name: {name}", 1)
    path = folder / f"default-{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- validate ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_each_shipped_playbook_validates(crisisplay: Crisisplay, path: Path) -> None:
    out = crisisplay.ok("playbook", "validate", str(path))
    assert out.startswith("ok ")


def test_validate_without_paths_checks_every_visible_playbook(crisisplay: Crisisplay) -> None:
    out = crisisplay.ok("playbook", "validate")
    assert len([line for line in out.splitlines() if line.startswith("ok ")]) == len(SHIPPED)


def test_validate_accepts_playbook_ids(crisisplay: Crisisplay) -> None:
    report = crisisplay.json("playbook", "validate", "default", "bean-there@^1")
    assert report["ok"] is True
    assert [p["id"] for p in report["playbooks"]] == ["default", "bean-there"]


def test_unquoted_yes_and_no_are_text(crisisplay: Crisisplay, tmp_path: Path) -> None:
    # YAML 1.2: `yes`/`no` are words, not booleans, so a label "no" stays "no".
    path = tmp_path / "yes-no.yaml"
    path.write_text(
        "schema: crisisplay/v1\nid: yes-no\nversion: 1.0.0\nname: Y\nlanguage: en\n"
        "stages:\n  - id: detect\n    title: Detect\n    steps:\n"
        "      - id: detect-legal\n        decide: Legal exposure?\n        options:\n"
        "          - label: yes\n          - label: no\n",
        encoding="utf-8",
    )
    shown = crisisplay.json("playbook", "show", str(path))
    options = shown["playbook"]["stages"][0]["steps"][0]["options"]
    assert [o["label"] for o in options] == ["yes", "no"]


# --- show ----------------------------------------------------------------------------------


def test_show_default_prints_every_stage_title_and_step_id(crisisplay: Crisisplay) -> None:
    out = crisisplay.ok("playbook", "show", "default")
    data = load_file(DEFAULT).data
    for stage in data["stages"]:
        assert stage["title"] in out
        for step in stage["steps"]:
            assert step["id"] in out


def test_show_resolved_overlay_has_its_added_steps_not_its_removed_one(
    crisisplay: Crisisplay,
) -> None:
    out = crisisplay.ok("playbook", "show", "bean-there", "--resolved")
    for added in ("bean-notify-franchise-ops", "bean-hold-tiktok", "bean-verify-cctv"):
        assert added in out
    assert "verify-evidence" not in out
    assert re.search(r"\[hold\]\s+due 30m", out)


def test_show_overlay_without_resolved_shows_only_what_it_changes(crisisplay: Crisisplay) -> None:
    out = crisisplay.ok("playbook", "show", "bean-there")
    assert "overlay on default@^1" in out
    assert "remove: verify-evidence" in out
    assert "detect-post-url" not in out  # a base step the overlay does not touch


def test_show_json_gives_lineage_sha256_and_the_resolved_playbook(crisisplay: Crisisplay) -> None:
    shown = crisisplay.json("playbook", "show", "bean-there", "--resolved")
    assert set(shown) == {"lineage", "sha256", "playbook"}
    assert re.fullmatch(r"[0-9a-f]{64}", shown["sha256"])
    playbook = shown["playbook"]
    assert playbook["id"] == "bean-there"
    assert [s["id"] for s in playbook["stages"]][:2] == ["detect", "hold"]
    hold = next(s for s in playbook["stages"] if s["id"] == "hold")
    assert hold["due"] == "30m"
    assert "update" in playbook["templates"]
    assert "extends" not in playbook


def test_lineage_lists_the_overlay_then_its_base(crisisplay: Crisisplay) -> None:
    shown = crisisplay.json("playbook", "show", "bean-there", "--resolved")
    assert [(e["id"], e["version"]) for e in shown["lineage"]] == [
        ("bean-there", "1.0.0"),
        ("default", "1.0.0"),
    ]


def test_show_an_unknown_id_suggests_the_close_one(crisisplay: Crisisplay) -> None:
    code, _, err = crisisplay("playbook", "show", "defualt")
    assert code == 1
    assert "Did you mean 'default'?" in err
    assert "Traceback" not in err


# --- list ----------------------------------------------------------------------------------


def test_list_json_has_the_shipped_playbooks_with_their_origins(crisisplay: Crisisplay) -> None:
    entries = {e["id"]: e for e in crisisplay.json("playbook", "list")}
    assert entries["default"]["origin"] == "shipped"
    assert entries["default-es"]["origin"] == "shipped"
    assert entries["default-es"]["language"] == "es"
    assert entries["bean-there"]["origin"] == "example"
    assert entries["bean-there"]["extends"] == "default@^1"
    assert entries["bean-there"]["client"] == "Bean There Coffee"


def test_list_prints_a_table_with_ids_and_origins(crisisplay: Crisisplay) -> None:
    out = crisisplay.ok("playbook", "list")
    for word in ("default", "default-es", "bean-there", "shipped", "example"):
        assert word in out


# --- workspaces ----------------------------------------------------------------------------


def test_init_creates_a_workspace_and_is_idempotent(crisisplay: Crisisplay, tmp_path: Path) -> None:
    root = tmp_path / "agency"
    out = crisisplay.ok("init", str(root))
    assert "Workspace ready" in out
    for name in ("crisisplay.toml", "playbooks", "templates", "incidents", "README.md"):
        assert (root / name).exists()
    assert "already a workspace" in crisisplay.ok("init", str(root))


def test_a_workspace_playbook_shadows_the_shipped_one_with_the_same_id(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    write_default(workspace / "playbooks", "1.0.0", "Agency default")
    entries = [e for e in crisisplay.json("playbook", "list") if e["id"] == "default"]
    assert [(e["origin"], e["name"]) for e in entries] == [("workspace", "Agency default")]
    shown = crisisplay.json("playbook", "show", "default")
    assert shown["playbook"]["name"] == "Agency default"


def test_the_workspace_is_found_from_the_current_folder(
    crisisplay: Crisisplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "agency"
    crisisplay.ok("init", str(root))
    write_default(root / "playbooks", "1.0.0", "Found by walking up")
    (root / "clients" / "bean").mkdir(parents=True)
    monkeypatch.chdir(root / "clients" / "bean")
    shown = crisisplay.json("playbook", "show", "default", env={"CRISISPLAY_HOME": None})
    assert shown["playbook"]["name"] == "Found by walking up"


def test_a_version_range_picks_the_highest_matching_version(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    for version in ("1.0.0", "1.4.0", "1.2.3", "2.0.0"):
        write_default(workspace / "playbooks", version, f"Default {version}")
    assert crisisplay.json("playbook", "show", "default@^1")["playbook"]["version"] == "1.4.0"
    assert crisisplay.json("playbook", "show", "default@~1.2")["playbook"]["version"] == "1.2.3"
    assert crisisplay.json("playbook", "show", "default")["playbook"]["version"] == "2.0.0"


def test_an_overlay_follows_the_highest_base_in_its_range(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    for version in ("1.0.0", "1.4.0", "2.0.0"):
        write_default(workspace / "playbooks", version)
    (workspace / "playbooks" / "bean.yaml").write_bytes(BEAN_THERE.read_bytes())
    shown = crisisplay.json("playbook", "show", "bean-there", "--resolved")
    assert shown["lineage"][1]["version"] == "1.4.0"


def test_a_range_no_version_matches_is_a_clear_error(crisisplay: Crisisplay) -> None:
    code, _, err = crisisplay("playbook", "show", "default@^2")
    assert code == 1
    assert "No version of playbook 'default' matches ^2: it has 1.0.0." in err
    assert "Traceback" not in err


def test_a_malformed_range_is_a_clear_error(crisisplay: Crisisplay) -> None:
    code, _, err = crisisplay("playbook", "show", "default@^one")
    assert code == 1
    assert "is not a version range" in err


# --- new -----------------------------------------------------------------------------------


def test_new_writes_an_overlay_that_validates_as_it_stands(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    out = crisisplay.ok("playbook", "new", "acme", "--client", "Acme Ltd")
    path = Path(out.strip())
    assert path == workspace / "playbooks" / "acme.yaml"
    assert crisisplay.ok("playbook", "validate", str(path)).startswith("ok ")
    shown = crisisplay.json("playbook", "show", "acme", "--resolved")
    assert shown["playbook"]["client"]["name"] == "Acme Ltd"
    assert [e["id"] for e in shown["lineage"]] == ["acme", "default"]


def test_new_leaves_contacts_to_the_agency_and_validate_warns_on_placeholders(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    path = Path(crisisplay.ok("playbook", "new", "acme", "--client", "Acme Ltd").strip())
    text = path.read_text(encoding="utf-8")
    assert "(set in the client's playbook)" not in text  # no placeholder people copied in
    assert "\n  # contacts:\n" in text and "\n  contacts:" not in text
    code, out, err = crisisplay("playbook", "validate", str(path))
    assert code == 0 and out.startswith("ok ")
    (warned,) = [line for line in err.splitlines() if "warning:" in line]
    assert "client.contacts: none of this client's own; default's placeholders stand in" in warned
    assert "on-call-lead, account-manager, legal, spokesperson" in warned
    filled = text.replace(
        "  # contacts:\n",
        "  contacts:\n"
        '    - { name: Ana Ruiz, role: on-call-lead, reach: "+34 612 345 678" }\n'
        '    - { name: TBD, role: account-manager, reach: "ana@acme.es" }\n'
        '    - { name: Luis Gil, role: legal, reach: "legal@example.com" }\n'
        '    - { name: Name Surname, role: spokesperson, reach: "+34 600 000 000" }\n',
    )
    path.write_text(filled, encoding="utf-8")
    code, out, err = crisisplay("playbook", "validate", str(path))
    assert code == 0 and out.startswith("ok ")
    warned = [line for line in err.splitlines() if "warning:" in line]
    assert len(warned) == 3, err
    assert "the account-manager contact's name “TBD” is a placeholder" in warned[0]
    assert "the legal contact's reach “legal@example.com”" in warned[1]
    assert "name “Name Surname” and reach “+34 600 000 000” are placeholders" in warned[2]
    assert all(f"{path}:" in line for line in warned)  # at the line to change
    assert "Ana Ruiz" not in err


def test_the_shipped_base_keeps_its_stand_ins_without_warnings(crisisplay: Crisisplay) -> None:
    code, _, err = crisisplay("playbook", "validate", "default")
    assert code == 0 and "placeholder" not in err


def test_new_from_another_base_extends_it(crisisplay: Crisisplay, workspace: Path) -> None:
    crisisplay.ok("playbook", "new", "acme-es", "--client", "Acme", "--from", "default-es")
    shown = crisisplay.json("playbook", "show", "acme-es", "--resolved")
    assert shown["playbook"]["language"] == "es"
    assert shown["lineage"][1]["id"] == "default-es"


def test_new_refuses_to_overwrite_an_existing_playbook(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    crisisplay.ok("playbook", "new", "acme", "--client", "Acme")
    path = workspace / "playbooks" / "acme.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    code, _, err = crisisplay("playbook", "new", "acme", "--client", "Someone else")
    assert code == 1
    assert "already exists" in err
    assert path.read_text(encoding="utf-8").endswith("# edited by hand\n")


def test_new_with_force_overwrites(crisisplay: Crisisplay, workspace: Path) -> None:
    crisisplay.ok("playbook", "new", "acme", "--client", "Acme")
    crisisplay.ok("playbook", "new", "acme", "--client", "Acme Two", "--force")
    assert "Acme Two" in (workspace / "playbooks" / "acme.yaml").read_text(encoding="utf-8")


def test_new_with_an_invalid_id_is_a_usage_error(crisisplay: Crisisplay, workspace: Path) -> None:
    code, _, err = crisisplay("playbook", "new", "Acme Ltd", "--client", "Acme")
    assert code == 2
    assert "not a valid id" in err


# --- diff ----------------------------------------------------------------------------------


def test_diff_json_lists_what_the_overlay_declares(crisisplay: Crisisplay) -> None:
    declared = load_file(BEAN_THERE).data
    added = {s["id"] for insertion in declared["add"] for s in insertion["steps"]}
    result = crisisplay.json("playbook", "diff", "default", "bean-there")
    steps = result["steps"]
    assert {s["id"] for s in steps["added"]} == added
    assert {s["id"] for s in steps["removed"]} == set(declared["remove"])
    assert {s["id"] for s in steps["changed"]} == set(declared["change"])
    assert result["stages"] == {"hold": {"due": ["1h", "30m"]}}
    assert result["same"] is False


def test_diff_of_a_playbook_with_itself_is_empty(crisisplay: Crisisplay) -> None:
    result = crisisplay.json("playbook", "diff", "default", "default")
    assert result["same"] is True
    out = crisisplay.ok("playbook", "diff", "default", "default")
    assert "No differences" in out


def test_diff_text_marks_added_and_removed_steps(crisisplay: Crisisplay) -> None:
    out = crisisplay.ok("playbook", "diff", "default", "bean-there")
    assert "+ bean-verify-cctv" in out
    assert "- verify-evidence" in out


# --- schema --------------------------------------------------------------------------------


def test_schema_is_json_that_describes_the_shipped_default(crisisplay: Crisisplay) -> None:
    schema = json.loads(crisisplay.ok("playbook", "schema"))
    assert schema["$schema"].startswith("https://json-schema.org/")
    properties = schema["properties"]
    assert "stages" in properties
    data = load_file(DEFAULT).data
    assert set(data) <= set(properties)
    assert set(schema["required"]) <= set(data)
    stage_def = schema["$defs"]["Stage"]
    assert set(data["stages"][0]) <= set(stage_def["properties"])
    step_keys = {k for stage in data["stages"] for step in stage["steps"] for k in step}
    assert step_keys <= set(schema["$defs"]["Step"]["properties"])


def test_schema_can_be_written_to_a_file(crisisplay: Crisisplay, tmp_path: Path) -> None:
    target = tmp_path / "crisisplay.schema.json"
    crisisplay.ok("playbook", "schema", "-o", str(target))
    assert "stages" in json.loads(target.read_text(encoding="utf-8"))["properties"]


# --- sha256 --------------------------------------------------------------------------------


def test_the_resolved_sha256_is_stable_across_runs(crisisplay: Crisisplay) -> None:
    first = crisisplay.json("playbook", "show", "bean-there", "--resolved")["sha256"]
    second = crisisplay.json("playbook", "show", "bean-there", "--resolved")["sha256"]
    assert first == second


def test_the_sha256_changes_when_a_workspace_template_changes(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    before = crisisplay.json("playbook", "show", "default")["sha256"]
    folder = workspace / "templates" / "en"
    folder.mkdir(parents=True)
    template = folder / "resolution.j2"
    template.write_text("Closed: {{ resolution_summary }}. {{ what_changed }}.", encoding="utf-8")
    with_template = crisisplay.json("playbook", "show", "default")["sha256"]
    template.write_text("Done: {{ resolution_summary }}. {{ what_changed }}.", encoding="utf-8")
    edited = crisisplay.json("playbook", "show", "default")["sha256"]
    assert len({before, with_template, edited}) == 3


# --- workspace templates -------------------------------------------------------------------


def test_a_workspace_template_with_an_unknown_variable_is_reported_at_the_step(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    folder = workspace / "templates" / "en"
    folder.mkdir(parents=True)
    (folder / "resolution.j2").write_text("Closed.\nThanks, {{ store_manager }}.", encoding="utf-8")
    code, _, err = crisisplay("playbook", "validate", "default")
    assert code == 1
    assert "workspace template en/resolution.j2" in err
    assert "'store_manager', which nothing before step 'close-draft' provides" in err
    assert re.search(r"default\.yaml:\d+:\d+: step 'close-draft'", err)


def test_a_workspace_template_with_a_syntax_error_names_its_line(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    folder = workspace / "templates" / "en"
    folder.mkdir(parents=True)
    (folder / "resolution.j2").write_text(
        "Closed.\n{% if what_changed %}{{ what_changed }}\n", encoding="utf-8"
    )
    code, _, err = crisisplay("playbook", "validate", "default")
    assert code == 1
    assert "'{% if %}' is never closed" in err
    assert "resolution.j2" in err


# --- upgrade -------------------------------------------------------------------------------


def test_upgrade_of_a_current_playbook_does_nothing(crisisplay: Crisisplay) -> None:
    assert "already crisisplay/v1" in crisisplay.ok("playbook", "upgrade", str(DEFAULT))


def test_upgrade_of_an_unknown_schema_is_a_clear_error(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    path = tmp_path / "old.yaml"
    path.write_text("schema: crisisplay/v0\nid: old\n", encoding="utf-8")
    code, _, err = crisisplay("playbook", "upgrade", str(path))
    assert code == 1
    assert "schema 'crisisplay/v0' is not one crisisplay knows how to upgrade" in err
