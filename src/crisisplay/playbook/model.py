"""The `crisisplay/v1` playbook format as pydantic models.

Pydantic checks shapes and types; what needs the whole playbook (ids unique, gotos that
land, reachability, templates and their variables, roles) is in `checks.py`, which
reports every problem with its position.
"""

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from crisisplay.semver import Version, split_ref
from crisisplay.times import parse_duration, zone_named

SCHEMA = "crisisplay/v1"
STAGE_ORDER = ("detect", "hold", "verify", "apologise", "remedy", "close")
STEP_KINDS = ("check", "ask", "decide", "draft", "notify", "note")
#: The variable a proportion decision sets (`set: {response: thread}`), and its values.
RESPONSE = "response"
RESPONSES = ("thread", "public")
INPUT_KINDS = ("text", "multiline", "choice", "number", "url", "datetime", "confirm")
PLATFORMS = ("x", "bluesky", "threads", "instagram", "facebook", "linkedin", "tiktok")
SHIPPED_TEMPLATES = ("holding-statement", "apology", "update", "resolution")
# Variables every template gets from the incident itself (see templates.incident_context).
BUILTIN_VARIABLES = (
    "title",
    "incident_id",
    "severity",
    "severity_name",
    "first_seen",
    "opened_at",
    "now",
    "next_update",
    "platform",
    "client",
    "language",
)

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def is_id(text: str) -> bool:
    """True for a valid playbook, step or role id (lower-case words joined by '-')."""
    return _ID.match(text) is not None


def _id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            f"'{value}' is not a valid id: use lower-case letters, digits and single '-' "
            "between words, e.g. hold-draft"
        )
    return value


def _var(value: str) -> str:
    if not _VAR.match(value):
        raise ValueError(
            f"'{value}' is not a valid variable name: use letters, digits and '_', "
            "starting with a letter, e.g. post_url"
        )
    return value


def _duration(value: str) -> str:
    parse_duration(value)
    return value


def _unitless(value: Any) -> Any:
    """`due: 15` is a duration without its unit: say so, instead of 'expected text'."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        n = f"{value:g}"
        raise ValueError(
            f"{n} has no unit: write {n}m for minutes, {n}h for hours or {n}d for days"
        )
    return value


def _version(value: str) -> str:
    Version.parse(value)
    return value


def _language(value: str) -> str:
    if not _LANG.match(value):
        raise ValueError(f"'{value}' is not a language tag: use en, es, es-MX …")
    return value


def _timezone(value: str) -> str:
    zone_named(value)  # ValueError: not a zone this machine's time zone database knows
    return value


def _extends(value: str) -> str:
    name, _ = split_ref(value)
    _id(name)
    return value


# The JSON Schema says what these validators check, so an editor agrees with the loader.
Id = Annotated[str, AfterValidator(_id), Field(json_schema_extra={"pattern": _ID.pattern})]
VarName = Annotated[str, AfterValidator(_var), Field(json_schema_extra={"pattern": _VAR.pattern})]
#: At least one part, and not all of them zero (`""` and `0m` are not deadlines).
DURATION_PATTERN = r"^(?=\d)(?=.*[1-9])(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"
Duration = Annotated[
    str,
    BeforeValidator(_unitless),
    AfterValidator(_duration),
    Field(json_schema_extra={"pattern": DURATION_PATTERN}),
]
#: The shape of an IANA zone name (Europe/Madrid, America/Argentina/Buenos_Aires, UTC); which
#: names exist is the time zone database's to say (the loader asks it).
TIMEZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$"
TimeZone = Annotated[
    str,
    AfterValidator(_timezone),
    Field(json_schema_extra={"pattern": TIMEZONE_PATTERN}),
]
SEMVER_PATTERN = r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"
Platform = Literal["x", "bluesky", "threads", "instagram", "facebook", "linkedin", "tiktok"]
InputKind = Literal["text", "multiline", "choice", "number", "url", "datetime", "confirm"]
StageId = Literal["detect", "hold", "verify", "apologise", "remedy", "close"]
Scalar = str | int | float | bool | None
TemplateText = str | dict[str, str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Contact(_Model):
    name: str = Field(description="Who: a person or a desk")
    role: Id = Field(description="What approve_by and notify.roles refer to")
    reach: str = Field("", description="How to reach them: phone, chat, email, hours")


class Moderation(_Model):
    may_hide: list[str] = Field(default_factory=list, description="What may be hidden")
    never_hide: list[str] = Field(default_factory=list, description="What must never be")


class CheckerSettings(_Model):
    disable: list[str] = Field(default_factory=list, description="Checker rule ids to switch off")
    banned: list[str] = Field(default_factory=list, description="Phrases that must never appear")


def _voice(value: Any) -> Any:
    """`voice: Warm, plain.` stays valid: a bare text is the voice's description."""
    return {"description": value} if isinstance(value, str) else value


class Voice(_Model):
    """How the brand speaks; the checker holds each draft to the rules set here."""

    description: str = Field(default="", description="How the brand speaks, in words for people")
    address: Literal["tú", "usted"] | None = Field(
        default=None,
        description="Spanish: whether statements address people as tú or usted "
        "(templates choose their wording by it, the checker flags the other form)",
    )
    emoji: bool = Field(default=True, description="false: the checker flags any emoji in a draft")
    exclamations: bool = Field(default=True, description="false: the checker flags '!' in a draft")
    banned: list[str] = Field(
        default_factory=list, description="Words the brand never uses (the checker flags them)"
    )


class Client(_Model):
    name: str = "the client"
    slug: Id | None = None
    voice: Annotated[Voice, BeforeValidator(_voice, json_schema_input_type=str | Voice)] = Field(
        default_factory=lambda: Voice()
    )
    signature: str = Field(
        default="", description="How statements are signed (— The Bean There team); empty: unsigned"
    )
    platforms: list[Platform] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    confidential_terms: list[str] = Field(default_factory=list)
    moderation: Moderation = Field(default_factory=Moderation)
    holding_text: TemplateText | None = Field(
        default=None,
        description="The holding statement agreed with the client in advance: it goes out "
        "word for word without sign-off (edited, it needs the usual approval). A text, or a "
        "mapping from network to text with `default` for the others; no template variables",
    )
    checker: CheckerSettings = Field(default_factory=CheckerSettings)
    timezone: TimeZone | None = Field(
        default=None,
        description="IANA time zone the client's public reads times in (Europe/Madrid); "
        "statements and the screen show it. Default: the workspace's (crisisplay.toml), "
        "else the machine's",
    )

    def role_names(self) -> list[str]:
        return [c.role for c in self.contacts]

    def holding_text_for(self, platform: str) -> str | None:
        """The pre-approved holding statement for `platform`, if the client agreed one."""
        given = self.holding_text
        if given is None or isinstance(given, str):
            return given.strip() if given and given.strip() else None
        text = given.get(platform, given.get("default"))
        return text.strip() if text and text.strip() else None


class Severity(_Model):
    level: int = Field(ge=1, le=9, description="1 is the most severe")
    name: str
    criteria: str = ""
    update_every: Duration = "1h"
    deadlines: dict[StageId, Duration] = Field(default_factory=dict)


DEFAULT_SEVERITIES = (
    Severity(
        level=1,
        name="Critical",
        update_every="30m",
        deadlines={"hold": "30m"},
        criteria="Safety or legal exposure, mainstream media coverage, or financial "
        "impact; the story is spreading fast.",
    ),
    Severity(
        level=2,
        name="High",
        update_every="1h",
        criteria="Spreading beyond the brand's followers; many people report the same "
        "experience; an influential author.",
    ),
    Severity(
        level=3,
        name="Moderate",
        update_every="2h",
        criteria="A visible complaint gaining traction among followers.",
    ),
    Severity(
        level=4,
        name="Low",
        update_every="4h",
        criteria="One post with little reach; no sign of spreading.",
    ),
)


class Variable(_Model):
    name: VarName
    prompt: str
    input: InputKind = "text"
    choices: list[str] | None = None
    default: Scalar = None
    required: bool = True


class Option(_Model):
    label: str
    goto: str | None = Field(None, description="A later step id, a later stage id, or end")
    set: dict[VarName, Scalar] | None = None
    help: str | None = None


class Step(_Model):
    """One step. Exactly one of the kind keys is set; its value is the text shown."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": [k]} for k in STEP_KINDS]},
    )

    id: Id
    check: str | None = None
    ask: str | None = None
    decide: str | None = None
    draft: str | None = None
    notify: str | None = None
    note: str | None = None
    help: str | None = None
    # ask
    input: InputKind | None = None
    choices: list[str] | None = None
    save_as: VarName | None = None
    default: Scalar = None
    required: bool | None = None
    # decide
    options: list[Option] | None = Field(None, json_schema_extra={"minItems": 2})
    # draft
    template: Id | None = None
    platforms: list[Platform] | None = None
    approve_by: Id | Annotated[list[Id], Field(min_length=1)] | None = Field(
        None,
        description="Who signs off: a contact role, or a list of roles in order of fallback "
        "(the first is asked; if they cannot be reached, the next)",
    )
    # notify
    roles: list[Id] | None = None
    # any kind
    public_only: bool | None = Field(
        None,
        description="true: a step only a public statement needs (pausing ads, briefing the "
        "press office, the closing post…): passed over when the proportion decision chose "
        "a reply in the thread",
    )
    # note, check
    moderation: bool | None = Field(
        None,
        description="true: the step shows the client's moderation lists (may_hide, "
        "never_hide) and lets the manager record each post hidden or deleted, with its reason",
    )

    @property
    def kind(self) -> str:
        kinds = self.kinds()
        return kinds[0] if kinds else ""

    def kinds(self) -> list[str]:
        return [k for k in STEP_KINDS if getattr(self, k) is not None]

    @property
    def text(self) -> str:
        return getattr(self, self.kind, None) or ""

    def approvers(self) -> list[str]:
        """The roles that may sign off, in order of fallback ([] when none is needed)."""
        if self.approve_by is None:
            return []
        return [self.approve_by] if isinstance(self.approve_by, str) else list(self.approve_by)


class Stage(_Model):
    id: StageId
    title: str
    goal: str = ""
    due: Duration | None = None
    steps: list[Step] = Field(default_factory=list, json_schema_extra={"minItems": 1})


class Insertion(_Model):
    before: str | None = None
    after: str | None = None
    steps: list[Step]


#: What library._shape_problems checks, said to an editor: an overlay (`extends`) holds no
#: stages; a full protocol holds stages and a language, and none of the overlay's keys.
_SHAPE: dict[str, Any] = {
    "if": {"required": ["extends"]},
    "then": {"not": {"required": ["stages"]}},
    "else": {
        "required": ["stages", "language"],
        "not": {"anyOf": [{"required": [k]} for k in ("deadlines", "change", "add", "remove")]},
    },
}


class Playbook(_Model):
    """A playbook file: a full protocol, or a client overlay (`extends`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra=_SHAPE)

    schema_: Literal["crisisplay/v1"] = Field(alias="schema")
    id: Id
    version: Annotated[
        str, AfterValidator(_version), Field(json_schema_extra={"pattern": SEMVER_PATTERN})
    ]
    name: str
    language: (
        Annotated[
            str, AfterValidator(_language), Field(json_schema_extra={"pattern": _LANG.pattern})
        ]
        | None
    ) = None
    description: str = ""
    extends: Annotated[str, AfterValidator(_extends)] | None = None
    client: Client | None = None
    severities: list[Severity] | None = None
    public_from: int | None = Field(
        None,
        ge=1,
        le=9,
        description="Proportion: from this severity level up (1 … this level) a public "
        "statement is required; below it the walk may answer in the thread where the post "
        "is, on that network only (a decide step whose options set response: thread / public)",
    )
    variables: list[Variable] = Field(default_factory=list)
    templates: dict[Id, TemplateText] = Field(default_factory=dict)
    stages: list[Stage] | None = None
    # overlay only
    deadlines: dict[StageId, Duration] | None = None
    change: dict[str, dict[str, Any]] | None = None
    add: list[Insertion] | None = None
    remove: list[str] | None = None

    def steps(self) -> list[tuple[Stage, Step]]:
        return [(stage, step) for stage in self.stages or [] for step in stage.steps]

    def step(self, step_id: str) -> Step | None:
        return next((s for _, s in self.steps() if s.id == step_id), None)

    def severity_levels(self) -> list[Severity]:
        return list(self.severities or DEFAULT_SEVERITIES)


def _no_null(node: Any) -> Any:
    """`X | None = None` in a model means "leave it out", and the loader reads an absent key
    and a null one alike; in the schema, `anyOf: [X, null]` would make an editor report a bad
    stage id at `$.stages` instead of at `$.stages[0].id`. Keep X alone."""
    if isinstance(node, dict):
        any_of = node.get("anyOf")
        if isinstance(any_of, list) and {"type": "null"} in any_of:
            rest = [alt for alt in any_of if alt != {"type": "null"}]
            node = {k: v for k, v in node.items() if k != "anyOf"}
            if len(rest) == 1:
                node.update(rest[0])
            else:
                node["anyOf"] = rest
            if node.get("default", ...) is None:
                del node["default"]
        return {k: _no_null(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_no_null(v) for v in node]
    return node


def json_schema() -> dict[str, Any]:
    schema = _no_null(Playbook.model_json_schema(by_alias=True))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://crisisplay.invalid/schema/crisisplay-v1.json"
    schema["title"] = "crisisplay playbook (crisisplay/v1)"
    return schema
