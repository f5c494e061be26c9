"""The JSON Schema an editor uses (`crisisplay playbook schema`) is as strict as the loader
wherever a schema can say it: checked with a real JSON Schema validator, as an editor
would, against the shipped playbooks and the catalogue of broken ones."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from answering import EXE
from crisisplay.home import shipped_root

BROKEN = Path(__file__).parent / "data" / "playbooks" / "broken"
SHIPPED = sorted((shipped_root() / "playbooks").rglob("*.yaml"))

#: Broken files whose fault is a shape a schema can state, and where an editor shows it.
SCHEMA_CATCHES = {
    "bad-duration.yaml": "$.stages[0].due",
    "bad-id.yaml": "$.id",
    "decide-one-option.yaml": "$.stages[0].steps[0].options",
    "duration-number.yaml": "$.stages[0].due",
    "list-at-top.yaml": "$",
    "merge-key.yaml": "$",
    "missing-name.yaml": "$",
    "missing-stage-title.yaml": "$.stages[0]",
    "overlay-deadline-bad-stage.yaml": "$.deadlines",
    "overlay-with-stages.yaml": "$",
    "platform-unknown.yaml": "$.stages[0].steps[1].platforms[1]",
    "scalar-at-top.yaml": "$",
    "stage-empty.yaml": "$.stages[1].steps",
    "stage-unknown.yaml": "$.stages[1].id",
    "step-no-kind.yaml": "$.stages[0].steps[0]",
    "step-two-kinds.yaml": "$.stages[0].steps[0]",
    "unknown-key-typo.yaml": "$.stages[0].steps[0]",
    "unknown-top-key.yaml": "$",
    "version-float.yaml": "$.version",
    "wrong-schema.yaml": "$.schema",
    "wrong-type-steps.yaml": "$.stages[0].steps",
    "yes-no-input.yaml": "$.stages[0].steps[0].input",
    "yes-no-value.yaml": "$.stages[0].steps[0].options[1].label",
}
#: Faults only the whole playbook shows (gotos, reachability, roles, templates, overlays
#: against their base, order and uniqueness): no schema can say them; `validate` does.
WHOLE_PLAYBOOK = {
    "deadline-backwards.yaml",
    "field-wrong-kind.yaml",
    "goto-backward.yaml",
    "goto-typo.yaml",
    "role-approve-by.yaml",
    "role-notify.yaml",
    "stage-out-of-order.yaml",
    "stage-twice.yaml",
    "step-id-duplicate.yaml",
    "unreachable-step.yaml",
    "variable-later.yaml",
}
#: Names only the time zone database knows (it changes; a schema can give only the shape):
#: an editor lets them through, `validate` refuses them at file:line:col.
ZONE_DATABASE = {"client-timezone-unknown.yaml"}


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> jsonschema.Validator:
    """The schema exactly as `crisisplay playbook schema -o FILE` writes it."""
    out = tmp_path_factory.mktemp("schema") / "crisisplay-v1.json"
    proc = subprocess.run(
        [str(EXE), "playbook", "schema", "-o", str(out)], capture_output=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(out.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _document(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _first_error(validator: jsonschema.Validator, doc: Any) -> Any:
    return jsonschema.exceptions.best_match(validator.iter_errors(doc))


def _validate(path: Path) -> int:
    return subprocess.run(
        [str(EXE), "playbook", "validate", str(path)], capture_output=True, check=False
    ).returncode


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_what_the_loader_accepts_the_schema_accepts(
    validator: jsonschema.Validator, path: Path
) -> None:
    assert _first_error(validator, _document(path)) is None


@pytest.mark.parametrize("name", sorted(SCHEMA_CATCHES))
def test_what_the_loader_refuses_for_its_shape_the_schema_refuses_there(
    validator: jsonschema.Validator, name: str
) -> None:
    error = _first_error(validator, _document(BROKEN / name))
    assert error is not None, f"the schema lets {name} through"
    assert error.json_path == SCHEMA_CATCHES[name]
    assert _validate(BROKEN / name) == 1


def test_every_broken_file_is_classified() -> None:
    parses = set()
    for path in BROKEN.glob("*.yaml"):
        try:
            docs = list(YAML(typ="safe", pure=True).load_all(path.read_text(encoding="utf-8")))
        except Exception:
            continue  # not YAML an editor can read: the editor says so itself
        if len(docs) == 1 and not path.name.startswith(("hostile-", "overlay-", "template-")):
            parses.add(path.name)
    assert parses - set(SCHEMA_CATCHES) - WHOLE_PLAYBOOK - ZONE_DATABASE == set()


@pytest.mark.parametrize("name", sorted(ZONE_DATABASE))
def test_a_zone_the_database_does_not_know_passes_the_schema_and_fails_validate(
    validator: jsonschema.Validator, name: str
) -> None:
    assert _first_error(validator, _document(BROKEN / name)) is None
    assert _validate(BROKEN / name) == 1


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda pb: pb["stages"][0].update(steps=[]), "$.stages[0].steps"),
        (lambda pb: pb["stages"][0].update(due=""), "$.stages[0].due"),
        (lambda pb: pb["stages"][0].update(due="0m"), "$.stages[0].due"),
        (lambda pb: pb["stages"][0].update(due="0h0m"), "$.stages[0].due"),
        (lambda pb: pb["stages"][0].update(id="Detect"), "$.stages[0].id"),
        (lambda pb: pb["stages"][0]["steps"][0].update(id="Bad Id"), "$.stages[0].steps[0].id"),
        (lambda pb: pb.update(version="1.0"), "$.version"),
        (lambda pb: pb.update(language="english"), "$.language"),
        (lambda pb: pb.update(client={"timezone": "Europe Madrid"}), "$.client.timezone"),
        (lambda pb: pb.update(client={"timezone": "/etc/localtime"}), "$.client.timezone"),
    ],
)
def test_schema_and_validate_give_the_same_verdict(
    validator: jsonschema.Validator, tmp_path: Path, edit: Any, where: str
) -> None:
    pb = _document(shipped_root() / "playbooks" / "default.yaml")
    edit(pb)
    error = _first_error(validator, pb)
    assert error is not None and error.json_path == where
    path = tmp_path / "edited.yaml"
    YAML().dump(pb, path)
    assert _validate(path) == 1
    ok = tmp_path / "fine.yaml"
    pb = _document(shipped_root() / "playbooks" / "default.yaml")
    pb["stages"][0]["due"] = "0h10m"  # a valid spelling of a valid deadline
    YAML().dump(pb, ok)
    assert _first_error(validator, _document(ok)) is None and _validate(ok) == 0
