"""Reading hand-written YAML: plain values, exact positions, hostile input refused."""

from __future__ import annotations

import pytest

from crisisplay.errors import PlaybookError
from crisisplay.yamlfile import load


def problem(text: str) -> tuple[int, int, str]:
    with pytest.raises(PlaybookError) as error:
        load(text, "f.yaml")
    first = error.value.problems[0]
    return first.line, first.col, first.message


def test_values_keep_their_line_and_column() -> None:
    located = load("a: 1\nb:\n  - x\n  - {c: d}\n", "f.yaml")
    assert located.data == {"a": 1, "b": ["x", {"c": "d"}]}
    assert located.at(("b", 1, "c")) == (4, 9)
    assert located.at(("b", 1, "c"), key=True) == (4, 6)


def test_yaml_1_2_yes_and_no_are_text_and_true_is_a_boolean() -> None:
    assert load("a: yes\nb: no\nc: true\n", "f.yaml").data == {"a": "yes", "b": "no", "c": True}


def test_a_duplicate_key_names_the_first_one() -> None:
    assert problem("a: 1\nb: 2\na: 3\n") == (
        3,
        1,
        "duplicate key 'a' (first at line 1): keep one of them.",
    )


def test_a_tab_in_the_indentation_is_named() -> None:
    line, col, message = problem("a:\n\t- x\n")
    assert (line, col) == (2, 1)
    assert "tab" in message


def test_an_unclosed_flow_list_is_reported_where_it_opens() -> None:
    line, col, message = problem("a: [1, 2\nb: 3\n")
    assert (line, col) == (1, 4)
    assert "not closed with ']'" in message


def test_an_undefined_alias_is_explained() -> None:
    assert "anchor" in problem("a: *nothing\n")[2]


def test_a_self_referencing_alias_is_refused() -> None:
    assert "refers to itself" in problem("a: &x [1, *x]\n")[2]


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!!python/name:os.system", "!custom"])
def test_tags_are_refused(tag: str) -> None:
    assert "tag" in problem(f"a: {tag} x\n")[2].lower()


def test_a_binary_value_tag_is_refused() -> None:
    assert "not allowed" in problem("a: !!binary aGVsbG8=\n")[2]
