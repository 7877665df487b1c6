"""The JSON documents of every command, as pydantic models: what `--format json` prints is built as them,
and `bairi schema COMMAND` prints their JSON Schema. A key added to a document without its model fails
loudly (extra keys are refused), so the schema cannot drift from the output."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationInfo, model_validator
from pydantic.config import JsonDict

from bairi.core.form import Form
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
    """One row of figures: a form's columns by key (`Figures.of`), counts as integers and amounts (fines in 万元)
    as numbers; a key the form lacks is refused, a column missing is null."""

    @classmethod
    def of(cls, values: dict[str, Any], form: Form) -> Figures:
        """A row of JSON numbers read by `form`'s columns (a document holding it takes it as it is)."""
        return cls.model_validate(values, context={"form": form})

    @model_validator(mode="before")
    @classmethod
    def _by_form(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, Figures):
            return data.root  # made by `of`: already read by its form's columns
        form = (info.context or {}).get("form")
        if not isinstance(form, Form):
            # Which columns a row has is the form's to say: a plain row given without one is a bug, not a guess.
            raise ValueError("一行数字应按表式读入（Figures.of）")  # noqa: TRY004 - pydantic reports ValueError
        if not isinstance(data, dict):
            raise ValueError("应为一行数字（按列的键）")  # noqa: TRY004 - pydantic reports ValueError, not TypeError
        extra = [key for key in data if key not in form.by_key]
        if extra:
            raise ValueError(f"表式中没有这些列：{', '.join(map(str, extra))}")
        out: dict[str, Any] = {}
        for column in form.columns:
            key = column.key
            value = data.get(key)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"{key}：应为数字")
                if column.kind == "count":
                    if not float(value).is_integer():
                        raise ValueError(f"{key}：应为整数")
                    value = int(value)
                else:
                    value = float(value)
            out[key] = value
        return out

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """Any form's row: numbers by key (`schema(command, form)` puts one form's columns in its place)."""
        return {"title": "Figures", "type": "object", "additionalProperties": {"anyOf": [{"type": "number"}, {"type": "null"}]}}


def figures_schema(form: Form) -> dict[str, Any]:
    """The JSON Schema of a row of `form`'s figures: its columns as the properties, none other allowed (keys in
    the order pydantic writes the rest of a schema in)."""
    return {"additionalProperties": False, "properties": {
        c.key: {"anyOf": [{"type": "integer" if c.kind == "count" else "number"}, {"type": "null"}],
                "default": None, "description": c.label, "title": c.key} for c in form.columns},
        "title": "Figures", "type": "object"}


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
    reply_note: str | None = Field(None, description="退回草稿的说明：发往本镇登记的邮箱（原邮件来自谁），或未写草稿的原因")


class LogbookDoc(_Doc):
    """One entry of the clerk's 登记簿 that an output relies on."""

    kind: Literal["received", "extension", "accepted", "sender"]
    town: str
    deadline: str
    note: str
    by: str
    entered: date
    on: date | None = None
    how: str | None = None
    until: date | None = None
    code: str | None = None
    address: str | None = Field(None, description="sender：认可的发件地址")
    always: bool | None = Field(None, description="sender：true 时该地址今后都算本镇的")


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


# SPEC: every item whose status is to_verify carries its reason, in Chinese; the schema says so to validators.
_REASON_WHEN_TO_VERIFY: JsonDict = {"if": {"properties": {"status": {"const": "to_verify"}}, "required": ["status"]},
                                    "then": {"properties": {"reason": {"type": "string", "minLength": 1}}, "required": ["reason"]}}


class TownDoc(_Doc):
    """One configured town in the merge: its state for the period (the same in every command)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_REASON_WHEN_TO_VERIFY)

    town: str
    status: StatusCode
    status_label: str
    file: str | None
    received: str | None
    missing_materials: list[str]
    reason: str | None = Field(description="待核实（to_verify）、退回时必有：原因（中文），如收到时间不可信所依据的邮件头、发件地址")
    evidence: str | None = Field(None, description="决定收到时间的依据：server（服务器收信时间）、received（Received 头）、"
                                                   "mail（Date 头）、ledger、mtime、filled、due、logbook")
    logbook: list[LogbookDoc]
    cumulative_from: str | None = Field(None, description="本期无可汇总的报表时，县累计沿用其累计的报告期（YYYY-MM）")


class RatesDoc(RootModel[dict[str, float | None]]):
    """Rectification rates (percent, one decimal), one per found/fixed pair of the form: general_rate and
    major_rate on the notice's form (general_found/general_fixed → general_rate)."""


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
    notes: list[LocatedFindingDoc] = Field(default_factory=list, description="县累计如何得出（沿用某镇此前累计等）")
    questions: list[LocatedFindingDoc] = Field(
        default_factory=list, description="市局会问的问题：各镇已汇总报表的警告，及县报告表按同样规则检查的结果")
    csv: str | None = Field(description="写出的明细长表（UTF-8 带 BOM；列：镇、报告期、行〔本期/累计〕、项目、代码、数值、文件、单元格）")
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

    model_config = ConfigDict(extra="forbid", json_schema_extra=_REASON_WHEN_TO_VERIFY)

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
    reason: str | None = Field(description="待核实（to_verify）、退回时必有：原因（中文），如收到时间不可信所依据的邮件头、发件地址")
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
    overdue: bool = Field(description="未整改且已过整改期限")
    sources: list[SourceDoc]
    rectify_by: date | None = Field(description="整改期限（按统一的整改规则）")
    rectified_on: date | None = Field(description="整改日期（县局销号日期或报表所写；否则为报表收到日，见 rectified_on_bound）")
    late_days: int = Field(description="未整改：已逾期天数；已整改：逾期整改天数；否则 0")
    plan_beyond_deadline: bool = Field(description="整改计划晚于整改期限且县局未登记“五到位”延期（计划晚于整改期限）")
    first_reported: date | None = Field(description="首次报告：列有该隐患的第一份合格报表的收到日")
    rectified_on_bound: str | None = Field(description="“不晚于”：整改日期取自报表收到日，实际不晚于该日")
    state_label: str = Field(description="状态用语：未整改、逾期、逾期（已停产整改）、已整改、逾期整改N天")
    extended: bool = Field(description="县局已登记“五到位”延期，按整改计划日期计")
    suspended: bool = Field(description="最近一次报表写明企业停产整改")
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


class PassedDoc(_Doc):
    """A mail `fetch` left on the server, and why."""

    sender: str
    subject: str
    reason: str


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
    passed: list[PassedDoc] = Field(default_factory=list, description="未收取的邮件，各注明原因")


class TodoDoc(_Doc):
    """One thing the clerk should do today."""

    kind: Literal["reply", "remind", "due_soon", "send_up", "hazard", "logbook"] = Field(
        description="reply 退回、remind 催报、due_soon 将到期、send_up 汇总上报、hazard 逾期重大隐患、logbook 登记待补文件")
    kind_label: str
    town: str | None
    deadline: str | None = Field(description="截止项：报告期 YYYY-MM、plan、summary、case，或重大隐患的整改期限")
    text: str
    command: str | None = Field(description="做这件事的 bairi 命令行")
    overdue: bool


class StatusDoc(_Doc):
    """`bairi status --format json`: what to do today, in the order to do it."""

    as_of: date
    overdue: bool
    todo: list[TodoDoc]




class FactDoc(_Doc):
    """One fact read from a notice, with the sentence it came from (and how it was worked out, when it was)."""

    key: str = Field(description="bairi.toml 中的键，如 plan_due")
    label: str
    value: Any
    sentence: str = Field(description="通知原文")
    how: str = Field(description="推算方法（原文未直接写明时）")


class PhaseDoc(_Doc):
    """One stage of the campaign as the notice sets it."""

    name: str
    start: date | None
    end: date | None
    sentence: str


class DeliverableDoc(_Doc):
    """Something the towns send, as the notice asks for it."""

    what: str
    due: date | None
    monthly_day: int | None
    sentence: str


class LearntColumnDoc(_Doc):
    """One column of the learnt form."""

    key: str
    label: str
    kind: Literal["count", "amount"]
    unit: str


class LearntFormDoc(_Doc):
    """The form learnt from the attachment (or the notice's table)."""

    source: str
    builtin: bool = Field(description="与内置的通知表式相同（不另写表式文件）")
    file: str | None = Field(description="写出的表式文件名；内置表式时为 null")
    title: str
    columns: list[LearntColumnDoc]
    hazard_columns: list[str]
    found_fixed: list[list[str]]
    evidence: list[list[str]]


class UnitLineDoc(_Doc):
    """One reporting unit, where it was listed, and the notice's sentence naming it."""

    name: str
    enterprises: int
    aliases: list[str]
    source: str
    sentence: str


class MissingDoc(_Doc):
    """A fact the notice does not state: written as 【请填写】 in bairi.toml."""

    key: str
    label: str


class InitDoc(_Doc):
    """`bairi init DIR --from NOTICE --format json`: what was found in the notice, with its evidence."""

    notice: str
    directory: str
    written: list[str] = Field(description="写出的文件")
    facts: list[FactDoc]
    phases: list[PhaseDoc]
    deliverables: list[DeliverableDoc]
    form: LearntFormDoc | None
    units: list[UnitLineDoc]
    missing: list[MissingDoc]
    notes: list[str]


class CheckOutput(RootModel[CheckDoc | list[CheckDoc]]):
    """`bairi check --format json`: the document of the one return for one file, a list of them for several inputs."""


class SealOutput(RootModel[SealDoc | SealsDoc]):
    """`bairi seal --format json`: the seal made, or with --list the seals kept in the ledger."""


# What each command prints with --format json, in every mode: the model `bairi schema COMMAND` describes.
DOCUMENTS: dict[str, type[BaseModel]] = {"init": InitDoc, "check": CheckOutput, "merge": MergeDoc, "deadlines": DeadlinesDoc,
                                         "summary": SummaryDoc, "hazards": HazardsDoc, "fetch": FetchDoc,
                                         "seal": SealOutput, "status": StatusDoc}


def schema(command: str, form: Form) -> dict[str, Any]:
    """The JSON Schema of a command's `--format json` document (every mode: a list, the --list document), its rows
    of figures by `form`'s columns."""
    document = DOCUMENTS[command].model_json_schema()
    if "Figures" in document.get("$defs", {}):
        document["$defs"]["Figures"] = figures_schema(form)
    return document
