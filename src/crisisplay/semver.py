"""Semantic versions and the ranges a client overlay may ask of its base."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_PARTIAL = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?$")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    # A pre-release sorts before its release: (0, "rc.1") < (1, "").
    pre: tuple[int, str] = (1, "")

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _VERSION.match(str(text).strip())
        if not m:
            raise ValueError(
                f"'{text}' is not a semantic version: write MAJOR.MINOR.PATCH, e.g. 1.2.0"
            )
        pre = (0, m.group(4)) if m.group(4) else (1, "")
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre)

    def __str__(self) -> str:
        base = f"{self.major}.{self.minor}.{self.patch}"
        return f"{base}-{self.pre[1]}" if self.pre[0] == 0 else base


def _bound(text: str) -> tuple[int, ...]:
    m = _PARTIAL.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a version in a range")
    return tuple(int(g) for g in m.groups() if g is not None)


def _floor(parts: tuple[int, ...]) -> Version:
    padded = (*parts, 0, 0)[:3]
    return Version(padded[0], padded[1], padded[2])


class Range:
    """`^1`, `^1.2`, `~1.2`, `1.2.0`, `1.x`, `>=1.1,<2`, `*`."""

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        self._checks: list[tuple[str, Version]] = []
        try:
            for part in filter(None, (p.strip() for p in self.text.split(","))):
                self._checks.extend(self._parse(part))
        except ValueError:
            raise ValueError(
                f"'{text}' is not a version range: use ^1 (any 1.x.y), ~1.2 (any 1.2.z), "
                "an exact 1.2.0, or >=1.1,<2"
            ) from None

    @staticmethod
    def _parse(part: str) -> list[tuple[str, Version]]:
        if part in ("*", "x"):
            return []
        if part.startswith("^"):
            b = _bound(part[1:])
            lo = _floor(b)
            if b[0] > 0 or len(b) == 1:
                hi = Version(b[0] + 1, 0, 0)
            elif len(b) == 2 or b[1] > 0:
                hi = Version(0, b[1] + 1, 0)
            else:
                hi = Version(0, 0, b[2] + 1)
            return [(">=", lo), ("<", hi)]
        if part.startswith("~"):
            b = _bound(part[1:])
            lo = _floor(b)
            hi = Version(b[0] + 1, 0, 0) if len(b) == 1 else Version(b[0], b[1] + 1, 0)
            return [(">=", lo), ("<", hi)]
        for op in (">=", "<=", ">", "<", "==", "="):
            if part.startswith(op):
                return [(op.replace("==", "="), _floor(_bound(part[len(op) :])))]
        if part.endswith((".x", ".*")):
            return (
                Range._parse("~" + part[:-2])
                if part.count(".") == 2
                else Range._parse("^" + part[:-2])
            )
        b = _bound(part)
        if len(b) == 3:
            return [("=", Version(*b))]
        return Range._parse("~" + part) if len(b) == 2 else Range._parse("^" + part)

    def __contains__(self, v: Version) -> bool:
        for op, bound in self._checks:
            ok = {
                ">=": v >= bound,
                ">": v > bound,
                "<=": v <= bound,
                "<": v < bound,
                "=": v == bound,
            }[op]
            if not ok:
                return False
        return True

    def __str__(self) -> str:
        return self.text


def split_ref(ref: str) -> tuple[str, Range | None]:
    """`default@^1` -> ("default", Range("^1")); `default` -> ("default", None)."""
    name, _, spec = ref.partition("@")
    return name.strip(), (Range(spec) if spec.strip() else None)
