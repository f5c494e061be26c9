"""Semantic versions and the ranges a client overlay asks of its base."""

from __future__ import annotations

import pytest

from crisisplay.semver import Range, Version, split_ref


def v(text: str) -> Version:
    return Version.parse(text)


def test_versions_order_numerically_not_as_text() -> None:
    assert v("1.10.0") > v("1.9.9")


def test_a_pre_release_sorts_before_its_release() -> None:
    assert v("1.0.0-rc.1") < v("1.0.0")
    assert str(v("1.0.0-rc.1")) == "1.0.0-rc.1"


@pytest.mark.parametrize("text", ["1.0", "1", "v1.0.0", "1.0.0.0", ""])
def test_a_version_needs_three_numbers(text: str) -> None:
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
        Version.parse(text)


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        ("^1", ["1.0.0", "1.9.3"], ["0.9.9", "2.0.0"]),
        ("^1.2", ["1.2.0", "1.9.0"], ["1.1.9", "2.0.0"]),
        ("^0.3", ["0.3.0", "0.3.9"], ["0.4.0", "0.2.9"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4"]),
        ("~1.2", ["1.2.0", "1.2.9"], ["1.3.0", "1.1.0"]),
        ("~1", ["1.0.0", "1.5.0"], ["2.0.0"]),
        ("1.2.0", ["1.2.0"], ["1.2.1"]),
        ("1.2", ["1.2.5"], ["1.3.0"]),
        ("1.x", ["1.7.0"], ["2.0.0"]),
        (">=1.1,<2", ["1.1.0", "1.9.9"], ["1.0.9", "2.0.0"]),
        ("*", ["0.0.1", "9.9.9"], []),
    ],
)
def test_ranges(spec: str, inside: list[str], outside: list[str]) -> None:
    r = Range(spec)
    for text in inside:
        assert v(text) in r, f"{text} should be in {spec}"
    for text in outside:
        assert v(text) not in r, f"{text} should not be in {spec}"


@pytest.mark.parametrize("spec", ["^x", ">=one", "1.2.3.4", "^"])
def test_a_malformed_range_says_how_to_write_one(spec: str) -> None:
    with pytest.raises(ValueError, match=r"not a version range: use \^1"):
        Range(spec)


def test_split_ref_without_a_range() -> None:
    assert split_ref("default") == ("default", None)


def test_split_ref_with_a_range() -> None:
    name, wanted = split_ref("default@^1")
    assert name == "default"
    assert wanted is not None and str(wanted) == "^1"
