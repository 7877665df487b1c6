"""The command line in Chinese: every line of help and every usage error as the clerk reads them.

typer (0.29) carries its own copy of click, whose strings are English literals, not gettext messages, so
a translation catalogue cannot reach them. The hooks used instead are the ones click is designed to be
extended by: a command and a group class (`cls=`) that lay out usage, sections and help records in Chinese,
and a group that turns every usage error into a Chinese message built from the exception's own fields
(the parameter, the option name, the suggestions) before typer would print its English one.
"""

from __future__ import annotations

import atexit
import gc
import inspect
import os
import re
import unicodedata
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

OPTIONS_METAVAR = "[选项]"
HELP_TEXT = "显示本帮助并退出。"

# Help-record extras typer writes as "[default: x; required]", item by item.
_EXTRAS = (
    (r"default: (.*)", "默认：{0}"),
    (r"env var: (.*)", "环境变量：{0}"),
    (r"required", "必填"),
)

# Messages typer/click raise as plain UsageError text, and what they say in Chinese. Patterns stay strings,
# compiled by re's cache when an error needs them, not on every start-up.
_USAGE_MESSAGES = (
    (r"No such command '(.*)'\.(?: Did you mean (.*)\?)?", "no_command"),
    (r"Missing command\.?", "缺少命令（如 check、merge）。"),
    (r"Got unexpected extra arguments?(?:\(s\))? \((.*)\)", "多余的参数：{0}"),
    (r"Option '(.*)' requires an argument\.?", "选项 {0} 后面缺少取值。"),
    (r"Option '(.*)' requires (\d+) arguments\.?", "选项 {0} 后面要跟 {1} 个取值。"),
    (r"Option '(.*)' does not take a value\.?", "选项 {0} 不带取值。"),
    (r"Argument '(.*)' takes (\d+) values\.?", "argument_values"),
    (r"Value must be an iterable\.?", "取值格式不对。"),
)

_CJK = r"[\u3400-\u9fff\uf900-\ufaff]"


# --- help -----------------------------------------------------------------------------------------------

def _metavar(param: Any) -> str | None:
    """A Chinese placeholder for a parameter that declares none (typer would print <str>, <path>, <list[Path]>)."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    if descriptor.is_choice:
        return None  # typer lists the values themselves: <table|json>
    annotation = descriptor.annotation
    inner = annotation.__args__[0] if descriptor.is_list and getattr(annotation, "__args__", None) else annotation
    name = getattr(inner, "__name__", "")
    word = {"Path": "路径", "PurePath": "路径", "int": "整数", "float": "数", "date": "日期", "datetime": "时间",
            "bool": "是或否"}.get(name, "文字")
    return word if param.param_type_name == "argument" else f"<{word}>"


def _chinese_params(command: Any) -> None:
    """Give every parameter without one a Chinese placeholder."""
    for param in command.params:
        if param.metavar is None:
            param.metavar = _metavar(param)


def _extras(param: Any, text: str) -> str:
    """Help text with typer's '[default: x; required]' tail said in Chinese."""
    base = param.help or ""
    tail = text[len(base):].strip() if text.startswith(base) else ""
    if not (tail.startswith("[") and tail.endswith("]")):
        return text
    items = []
    for item in tail[1:-1].split("; "):
        for pattern, template in _EXTRAS:
            match = re.fullmatch(pattern, item, re.DOTALL)
            if match:
                values = [f"--{v}" if f"--{v}" in (*param.opts, *param.secondary_opts) else v for v in match.groups()]
                item = template.format(*values)
                break
        items.append(item.replace("(dynamic)", "（运行时决定）"))
    return f"{base}（{'；'.join(items)}）" if base else f"（{'；'.join(items)}）"


def _record(param: Any, ctx: Any) -> tuple[str, str] | None:
    record = param.get_help_record(ctx)
    if record is None:
        return None
    name, text = record
    if param.param_type_name == "argument":
        name = (param.metavar or param.name) + ("..." if param.nargs != 1 else "")
    return name, _extras(param, text)


def _cells(text: str) -> int:
    """Columns a text takes on a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# An opening bracket or quote stays with what follows it, on the same line.
_TOKEN = r"[（《「『“‘]*(?:[!-~]+|\s+|.)"
_NO_LINE_START = set("，。、；：？！）》」』”’…%")


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns, breaking between Chinese characters or at spaces, never in a word."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line, used = "", 0
        for token in re.findall(_TOKEN, paragraph, re.DOTALL):
            size = _cells(token)
            if line and used + size > width and not token.isspace() and token[0] not in _NO_LINE_START:
                lines.append(line.rstrip())
                line, used = "", 0
            if not line and token.isspace():
                continue
            line, used = line + token, used + size
        lines.append(line.rstrip())
    return lines


def _write_dl(formatter: Any, rows: list[tuple[str, str]], col_max: int = 30, spacing: int = 2) -> None:
    """click's definition list, measured in terminal columns so Chinese placeholders line up."""
    first = min(max(_cells(name) for name, _ in rows), col_max) + spacing
    indent = formatter.current_indent
    for name, text in rows:
        formatter.write(" " * indent + name)
        if not text:
            formatter.write("\n")
            continue
        if _cells(name) <= first - spacing:
            formatter.write(" " * (first - _cells(name)))
        else:
            formatter.write("\n" + " " * (first + indent))
        lines = _wrap(text, max(formatter.width - first - indent, 20))
        formatter.write(lines[0] + "\n")
        for line in lines[1:]:
            formatter.write(" " * (first + indent) + line + "\n")


def _section(formatter: Any, title: str, rows: list[tuple[str, str]]) -> None:
    formatter.write_paragraph()
    formatter.write(f"{'':>{formatter.current_indent}}{title}：\n")
    formatter.indent()
    try:
        _write_dl(formatter, rows)
    finally:
        formatter.dedent()


def _format_params(command: Any, ctx: Any, formatter: Any) -> None:
    """The 参数 and 选项 sections of a command's help."""
    arguments: list[Any] = []
    options: list[Any] = []
    for param in command.get_params(ctx):
        record = _record(param, ctx)
        if record is not None:
            (arguments if param.param_type_name == "argument" else options).append(record)
    for title, rows in (("参数", arguments), ("选项", options)):
        if rows:
            _section(formatter, title, rows)


def _format_text(command: Any, formatter: Any) -> None:
    """The command's own help, wrapped by terminal columns (click counts a Chinese character as one)."""
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    if not text:
        return
    formatter.write_paragraph()
    indent = formatter.current_indent + 2
    for number, paragraph in enumerate(re.split(r"\n\s*\n", text)):
        if number:
            formatter.write("\n")
        # A docstring written the click way ("Example: bairi …") still reads as Chinese.
        paragraph = re.sub(r"^\s*Examples?:\s*", "例如：", paragraph)
        for line in _wrap(" ".join(paragraph.split("\n")), max(formatter.width - indent, 20)):
            formatter.write(" " * indent + line + "\n")


def _usage(command: Any, ctx: Any, formatter: Any, tail: str = "") -> None:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            piece = (param.metavar or param.name) + ("..." if param.nargs != 1 else "")
            pieces.append(piece if param.required else f"[{piece}]")
    if tail:
        pieces.append(tail)
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")


class _Chinese:
    """What a command and a group share: Chinese placeholders, usage line, sections and the help option."""

    def get_help_option(self, ctx: Any) -> Any:
        """The -h/--help option, explained in Chinese."""
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        """用法：bairi check [选项] 报表文件或文件夹..."""
        _usage(self, ctx, formatter)

    def format_help_text(self, ctx: Any, formatter: Any) -> None:
        """The docstring, wrapped by terminal columns."""
        _format_text(self, formatter)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """click's parsing; a usage error raised without its context (an argument given too few values) gets it,
        so that it names the argument as the help does and shows the usage line."""
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except typer.TyperException as exc:
            if "UsageError" in _kinds(exc) and getattr(exc, "ctx", None) is None:
                exc.ctx = ctx  # type: ignore[attr-defined]
            raise


class ChineseCommand(_Chinese, TyperCommand):
    """A bairi command whose help is Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _chinese_params(self)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """参数 and 选项."""
        _format_params(self, ctx, formatter)


# Chinese names a clerk may type for a command: not listed in the help, resolved to the command itself.
ALIASES = {"登记": "log"}


class ChineseGroup(_Chinese, TyperGroup):
    """The bairi group: Chinese help, and every usage error turned into a Chinese message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _chinese_params(self)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        """用法：bairi [选项] 命令 [参数]..."""
        _usage(self, ctx, formatter, self.subcommand_metavar or "")

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """选项 and 命令."""
        _format_params(self, ctx, formatter)
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            _section(formatter, "命令", rows)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """A command by its name, or by its Chinese alias (bairi 登记 is bairi log)."""
        return super().get_command(ctx, ALIASES.get(cmd_name, cmd_name))

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """Parse the group's own options; a usage error is said in Chinese."""
        try:
            return super().make_context(*args, **kwargs)
        except (typer.TyperException, typer.Abort) as exc:
            _show_and_exit(exc)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a usage error (its own parsing included) is said in Chinese."""
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Abort) as exc:
            _show_and_exit(exc)


class _Commands(MutableMapping[str, Any]):
    """A group's commands by name, each built from its registration the first time it is asked for.

    typer builds every command up front, reading each one's signature and evaluating its annotations; a run
    needs only its own command (help lists all, and then builds all)."""

    def __init__(self, app: typer.Typer) -> None:
        from typer.main import get_command_name

        self._app = app
        self._pending: dict[str, Any] = {info.name or get_command_name(info.callback.__name__): info
                                         for info in app.registered_commands if info.callback is not None}
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            from typer.main import get_command_from_info

            self._built[name] = get_command_from_info(
                self._pending[name], pretty_exceptions_short=self._app.pretty_exceptions_short,
                rich_markup_mode=self._app.rich_markup_mode)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        self._pending.setdefault(name, None)

    def __delitem__(self, name: str) -> None:
        del self._pending[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._pending)

    def __len__(self) -> int:
        return len(self._pending)


class ChineseTyper(typer.Typer):
    """typer.Typer whose group and every command (including ones added later) are the Chinese classes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", ChineseGroup)
        # Plain help, laid out by the classes above; typer's rich panels have English titles of their own.
        kwargs.setdefault("rich_markup_mode", None)
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(**kwargs)

    def command(self, name: str | None = None, **kwargs: Any) -> Any:
        """@app.command(), with the Chinese command class and placeholder."""
        kwargs.setdefault("cls", ChineseCommand)
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        return super().command(name, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line as typer does, with the commands built lazily (`_Commands`): `bairi check`
        starts without inspecting the options of the twelve other commands."""
        # bairi uses no pydantic plugins, and looking for them reads the entry points of every installed package
        # when the first model is built (typer turns the search off for its own adapters too).
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
        # At exit the interpreter's last full collection walks every object the run made (a tenth of a short
        # run's time): what was written is closed by then, and the system takes the memory back whole.
        atexit.unregister(gc.freeze)
        atexit.register(gc.freeze)
        if self._add_completion or self.registered_groups:
            return super().__call__(*args, **kwargs)
        from copy import copy

        from typer.main import get_group

        bare = copy(self)
        bare.registered_commands = []
        group = get_group(bare)
        group.commands = _Commands(self)
        return group(*args, **kwargs)


# --- usage errors ---------------------------------------------------------------------------------------

def _kinds(exc: BaseException) -> set[str]:
    # By class name, not by import: typer keeps click as a private package whose path may move.
    return {cls.__name__ for cls in type(exc).__mro__}


def _param_name(param: Any) -> str:
    """How a parameter is named to the clerk: its option names, or its Chinese placeholder."""
    if param is None:
        return ""
    if param.param_type_name == "option":
        return "/".join(param.opts + list(param.secondary_opts))
    return param.metavar or param.name


def _hint_name(exc: Any) -> str:
    hint = getattr(exc, "param_hint", None)
    if hint is not None:
        return hint if isinstance(hint, str) else "/".join(str(h) for h in hint)
    return _param_name(getattr(exc, "param", None))


def _choices(message: str) -> str | None:
    match = re.match(r"^(?:Value error, )?(.*) is not one of (.*?)\.?$", message, re.DOTALL)
    if not match:
        return None
    import ast  # only a wrong choice on the command line needs it

    try:
        value = ast.literal_eval(match[1])
        choices = [ast.literal_eval(c.strip()) for c in match[2].split(",")]
    except (ValueError, SyntaxError):
        return None
    return f"“{value}”不是可选的值，可选：{'、'.join(map(str, choices))}"


def chinese_message(exc: BaseException) -> str:
    """What a typer/click usage error says, in Chinese; an untranslated one keeps its text after a Chinese lead."""
    kinds = _kinds(exc)
    message = str(getattr(exc, "message", "") or "")
    if "Abort" in kinds:
        return "已取消。"
    if "NoSuchOption" in kinds:
        text = f"没有 {exc.option_name} 这个选项"  # type: ignore[attr-defined]
        possible = getattr(exc, "possibilities", None)
        return text + (f"，是不是要用 {'、'.join(sorted(possible))}？" if possible else "。")
    if "MissingParameter" in kinds:
        param = getattr(exc, "param", None)
        what = "选项" if getattr(exc, "param_type", None) == "option" or (
            param is not None and param.param_type_name == "option") else "参数"
        detail = f"：{param.help}" if param is not None and param.help else ""
        return f"缺少{what} {_hint_name(exc)}{detail}。"
    if "BadOptionUsage" in kinds and getattr(exc, "option_name", None) and "requires" in message:
        return f"选项 {exc.option_name} 后面缺少取值。"  # type: ignore[attr-defined]
    if "BadParameter" in kinds:
        name = _hint_name(exc)
        reason = message if re.search(_CJK, message) else _choices(message) or _translate(message) or _expected(exc)
        return f"{name} 的取值有误：{reason}" if name else f"取值有误：{reason}"
    if re.search(_CJK, message):
        return message
    return _translate(message, getattr(exc, "ctx", None)) or f"命令用法有误（{message}）"


def _expected(exc: BaseException) -> str:
    """What the value should have been, from the parameter's type (pydantic's own message is English)."""
    param = getattr(exc, "param", None)
    word = (_metavar(param) or "").strip("<>") if param is not None else ""
    return f"应为{word}" if word and word != "文字" else "取值无效"


def _translate(message: str, ctx: Any = None) -> str | None:
    for pattern, template in _USAGE_MESSAGES:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if not match:
            continue
        if template == "no_command":
            names = [n.strip() for n in match[2].replace(chr(39), "").split(",")] if match[2] else []
            suggestion = f"，是不是要用 {'、'.join(names)}？" if names else "。"
            return f"没有“{match[1]}”这个命令{suggestion}"
        if template == "argument_values":
            # click names the argument by its Python name; the clerk knows it by the placeholder the help shows.
            params = getattr(getattr(ctx, "command", None), "params", ())
            named = next((_param_name(p) for p in params if p.name == match[1]), match[1])
            return f"参数 {named} 要有 {match[2]} 个取值。"
        return template.format(*match.groups())
    return None


def _show_and_exit(exc: BaseException) -> None:
    """Print a usage error in Chinese (usage line, where to find help, what is wrong) and exit with its code."""
    kinds = _kinds(exc)
    ctx = getattr(exc, "ctx", None)
    if "NoArgsIsHelpError" in kinds and ctx is not None:
        typer.echo(ctx.get_help(), err=True, color=ctx.color)
        raise typer.Exit(exc.exit_code)  # type: ignore[attr-defined]
    if "UsageError" in kinds and ctx is not None:
        lines = [ctx.get_usage()]
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(f"查看用法：{ctx.command_path} {ctx.help_option_names[0]}")
        typer.echo("\n".join(lines) + "\n", err=True, color=ctx.color)
    typer.echo(f"错误：{chinese_message(exc)}", err=True)
    raise typer.Exit(getattr(exc, "exit_code", 1) if "Abort" not in kinds else 1)
