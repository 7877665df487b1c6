"""The JSON documents of every command, as pydantic models: what `--format json` prints is validated by
them before it is printed, and `bairi schema COMMAND` prints their JSON Schema. A key added to a document
without its model fails loudly (extra keys are refused), so the schema cannot drift from the output."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from bairi.core.form import BY_KEY, KEYS
from bairi.hazards.entries import HazardStatus
from bairi.state.standing import Status

Severity = Literal["error", "warning", "info"]
# The state's own enum: the schema lists its values, and a status the state does not know cannot be printed.
StatusCode = Status


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindingDoc(_Doc):
    """One finding: its stable code, severity, where (Sheet1!C7, a file, a mail) and the Chinese message."""

    code: str = Field(description="问题代码，如 E301")
    severity: Severity
    location: str = Field(description="位置，如 Sheet1!C7")
    message: str
    hint: str = ""


class LocatedFindingDoc(FindingDoc):
    """A finding about one town's return in a merge (cross-month check)."""

    town: str | None
    file: str


class Figures(RootModel[dict[str, int | float | None]]):
    """One row of figures: the active form's columns by key (core.form.use_form), counts as integers and amounts
    (fines in 万元) as numbers; a key the form lacks is refused, a column missing is null."""

    @model_validator(mode="before")
    @classmethod
    def _by_form(cls, data: Any) -> Any:
        if isinstance(data, Figures):
            data = data.root
        if not isinstance(data, dict):
            raise ValueError("应为一行数字（按列的键）")  # noqa: TRY004 - pydantic reports ValueError, not TypeError
        extra = [key for key in data if key not in BY_KEY]
        if extra:
            raise ValueError(f"表式中没有这些列：{', '.join(map(str, extra))}")
        out: dict[str, Any] = {}
        for key in KEYS:
            value = data.get(key)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"{key}：应为数字")
                if BY_KEY[key].kind == "count":
                    if not float(value).is_integer():
                        raise ValueError(f"{key}：应为整数")
                    value = int(value)
                else:
                    value = float(value)
            out[key] = value
        return out

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """The active form's columns as the schema's properties (built when the schema is asked for)."""
        return {"title": "Figures", "type": "object", "additionalProperties": False, "properties": {
            key: {"anyOf": [{"type": "integer" if BY_KEY[key].kind == "count" else "number"}, {"type": "null"}],
                  "default": None, "title": key, "description": BY_KEY[key].label} for key in KEYS}}


class HazardDoc(_Doc):
    """One row of the 重大隐患明细 table and where it was read."""

    seq: str
    enterprise: str
    town: str
    category: str
    supervisor: str
    detail: str
    location: str


class CellsDoc(_Doc):
    """Where each figure was read, by row and key."""

    period_row: dict[str, str]
    cumulative_row: dict[str, str]


class CheckDoc(_Doc):
    """`bairi check --format json` for one return."""

    file: str
    ok: bool
    town: str | None
    period: str | None = Field(description="报告期 YYYY-MM")
    filled_on: date | None
    period_row: Figures | None
    cumulative_row: Figures | None
    hazards: list[HazardDoc]
    findings: list[FindingDoc]
    unit: str
    filler: str
    period_source: str
    format: str
    sha256: str
    readable: bool
    cells: CellsDoc
    counts: dict[str, int]
    reply: Any | None = Field(None, description="--reply 写出的退回邮件草稿")


class LogbookDoc(_Doc):
    """One entry of the clerk's 登记簿 that an output relies on."""

    kind: Literal["received", "extension", "accepted"]
    town: str
    deadline: str
    note: str
    by: str
    entered: date
    on: date | None = None
    how: str | None = None
    until: date | None = None
    code: str | None = None


class InputsDoc(_Doc):
    """What the run read."""

    mails: int
    files: int
    attachments: int
    ledger: str | None
    logbook: str | None
    receipts: int
    after_as_of: int


class AcceptedDoc(_Doc):
    """A return whose figures the county total includes."""

    file: str
    town: str | None
    period: str | None
    filled_on: date | None
    received: str | None
    sha256: str
    status: StatusCode
    status_label: str


class RejectedDoc(_Doc):
    """A return sent back, with its errors."""

    file: str
    town: str | None
    period: str | None
    findings: list[FindingDoc]


class TownDoc(_Doc):
    """One configured town in the merge: its state for the period (the same in every command)."""

    town: str
    status: StatusCode
    status_label: str
    file: str | None
    received: str | None
    missing_materials: list[str]
    reason: str | None
    logbook: list[LogbookDoc]


class RatesDoc(_Doc):
    """Rectification rates (percent, one decimal)."""

    general_rate: float | None
    major_rate: float | None


class TotalsDoc(_Doc):
    """The county's two rows and its rates."""

    period_row: Figures
    cumulative_row: Figures
    rates: RatesDoc


class SupersededDoc(_Doc):
    """Another copy of a town's return, replaced by the one that counts."""

    file: str
    town: str | None
    period: str | None
    replaced_by: str
    changes: list[str]


class SkippedDoc(_Doc):
    """A file left out, and why."""

    file: str
    reason: str


class SealedTotalsDoc(_Doc):
    """The county's two rows as they were sent up."""

    period_row: Figures
    cumulative_row: Figures


class SealedDoc(_Doc):
    """What was sent up for the period: the latest seal (a correction round names the seal it corrects)."""

    at: str = Field(description="封存时间")
    totals: SealedTotalsDoc
    id: int
    round: int = Field(description="第几次封存（1 为首次，以后为更正）")
    corrects: int | None = Field(description="所更正的封存编号")
    as_of: date
    by: str = Field(description="封存人")
    workbook: str
    workbook_sha256: str
    workbook_state: Literal["未改动", "已改动", "文件不在"]
    intact: bool = Field(description="台账中的记录与其校验值相符")


class CorrectionDoc(_Doc):
    """A figure that differs from the seal."""

    town: str
    row: Literal["period", "cumulative"]
    key: str
    old: int | float | None
    new: int | float | None
    file: str
    cell: str


class SealInputDoc(_Doc):
    """One copy received for the period when it was sealed."""

    town: str
    file: str
    name: str
    sha256: str
    received: str | None
    evidence: str
    use: Literal["counted", "superseded", "rejected", "unreadable", "material"]


class SealTownDoc(_Doc):
    """A town's state when the period was sealed."""

    town: str
    status: StatusCode


class SealDoc(SealedDoc):
    """`bairi seal --format json`."""

    period: str
    new: bool = Field(description="本次是否新封存（否：与上次封存相比没有变化，未再封存）")
    message: str
    towns: list[SealTownDoc]
    inputs: list[SealInputDoc]
    figures: int
    corrections: list[CorrectionDoc]


class ListedSealDoc(SealedDoc):
    """One seal kept in the ledger."""

    period: str


class SealsDoc(_Doc):
    """`bairi seal --list --format json`."""

    ledger: str
    seals: list[ListedSealDoc]


class MergeDoc(_Doc):
    """`bairi merge --format json`."""

    output: str
    period: str
    period_source: str
    as_of: date | None
    complete: bool
    accepted: list[AcceptedDoc]
    rejected: list[RejectedDoc]
    missing_towns: list[str]
    totals: TotalsDoc
    towns: list[TownDoc]
    superseded: list[SupersededDoc]
    skipped: list[SkippedDoc]
    cross_month: list[LocatedFindingDoc]
    csv: str | None
    inputs: InputsDoc | None
    sealed: SealedDoc | None = Field(None, description="本报告期已封存上报时：最近一次封存")
    corrections: list[CorrectionDoc] = Field(default_factory=list, description="与封存相比变化的每个数字")
    corrections_text: str | None = Field(None, description="写出的更正说明文本文件")


class CopyDoc(_Doc):
    """One copy received for a deadline."""

    received: str | None
    evidence: str
    source: str
    materials: list[str]
    accepted: bool


class ItemDoc(_Doc):
    """One town × one deadline."""

    town: str
    deadline: str = Field(description="plan / summary / case，或报告期 YYYY-MM")
    due: date
    status: StatusCode
    status_label: str
    received: str | None
    days_late: int
    overdue: bool = Field(description="迟报、未报、缺件，或退回后过了截止日仍未补报")
    kind: Literal["plan", "return", "summary", "case"]
    label: str
    period: str | None
    evidence: str | None
    source: str | None
    counted: str | None
    accepted: bool | None
    missing_materials: list[str]
    reason: str | None
    logbook: list[LogbookDoc]
    copies: list[CopyDoc]
    findings: list[FindingDoc]


class TallyDoc(_Doc):
    """How one deadline went across all towns."""

    deadline: str
    kind: str
    label: str
    due: date
    on_time: int
    late: int
    rejected: int
    missing: int
    to_verify: int
    not_due: int
    incomplete: int
    towns: int
    received: int
    rate: float | None
    on_time_rate: float | None
    late_towns: list[str]
    missing_towns: list[str]
    rejected_towns: list[str]
    to_verify_towns: list[str]
    incomplete_towns: list[str]


class OpenTownDoc(_Doc):
    """A town with major hazards past their day."""

    town: str
    period: str | None
    source: str
    major_found: int
    major_fixed: int
    open: int
    hazards: list[HazardDoc]
    detail_rows: int


class OverdueHazardsDoc(_Doc):
    """Major hazards past their rectification day."""

    rectify_by: date | None
    passed: bool
    towns: list[OpenTownDoc]


class NoCaseDoc(_Doc):
    """Towns that have not reported their typical enforcement case."""

    due: date | None
    passed: bool
    towns: list[str]


class DeadlinesDoc(_Doc):
    """`bairi deadlines --format json`."""

    as_of: date
    items: list[ItemDoc]
    deadlines: list[TallyDoc]
    overdue: int
    overdue_hazards: OverdueHazardsDoc
    no_case: NoCaseDoc
    findings: list[FindingDoc]
    ignored_after_as_of: int
    inputs: InputsDoc
    reminders: list[str] | None = None


class SummaryDoc(_Doc):
    """`bairi summary --format json`: the bulletin's text and every variable its template saw."""

    as_of: date
    period: str
    output: str | None
    text: str | None
    message: str | None = None
    files: list[str] = Field(default_factory=list, description="写出的文件（-o 的文件；--pdf 时另有 PDF）")
    variables: dict[str, Any]


class SourceDoc(BaseModel):
    """Where one month's row of a register entry came from."""

    model_config = ConfigDict(extra="allow")

    period: str
    file: str


class EntryDoc(_Doc):
    """One major hazard followed across the campaign."""

    town: str
    enterprise: str
    category: str
    supervisor: str
    detail: str
    first_period: str | None
    last_period: str | None
    periods: list[str]
    status: HazardStatus
    overdue: bool
    sources: list[SourceDoc]
    id: str
    status_label: str
    deadline: date | None
    deadline_source: str
    plan_deadline: date | None
    rectified_in: str | None
    rectified_by: str | None
    vanished_from: str | None
    uncertain_match: bool
    match: str | None
    carried_over: bool
    clerk: dict[str, Any]


class HazardsDoc(_Doc):
    """`bairi hazards --format json`."""

    as_of: date
    hazards: list[EntryDoc]
    findings: list[FindingDoc]
    output: str | None
    periods: list[str]
    counts: dict[str, int]


class FetchDoc(_Doc):
    """`bairi fetch --format json`."""

    fetched: int
    skipped: int
    known: int
    folder: str
    output: str
    uidvalidity: int | None
    uidvalidity_changed: bool
    files: list[str]


class CheckOutput(RootModel[CheckDoc | list[CheckDoc]]):
    """`bairi check --format json`: the document of the one return for one file, a list of them for several inputs."""


class SealOutput(RootModel[SealDoc | SealsDoc]):
    """`bairi seal --format json`: the seal made, or with --list the seals kept in the ledger."""


# What each command prints with --format json, in every mode: the model `bairi schema COMMAND` describes.
DOCUMENTS: dict[str, type[BaseModel]] = {"check": CheckOutput, "merge": MergeDoc, "deadlines": DeadlinesDoc,
                                         "summary": SummaryDoc, "hazards": HazardsDoc, "fetch": FetchDoc,
                                         "seal": SealOutput}


def validated(command: str, document: Any) -> Any:
    """The document as its model reads it back, in JSON types (a key the model lacks is a bug, raised)."""
    if isinstance(document, BaseModel):
        document = document.model_dump(mode="json")
    return DOCUMENTS[command].model_validate(document).model_dump(mode="json")


def schema(command: str) -> dict[str, Any]:
    """The JSON Schema of a command's `--format json` document (every mode: a list, the --list document)."""
    return DOCUMENTS[command].model_json_schema()
