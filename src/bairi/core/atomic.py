"""Writing outputs so that a crash never leaves a half-written file where a good one was."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _in_use(path: Path) -> str:
    """Why a file cannot be replaced, said for the one who must act."""
    if os.name == "nt":
        # Windows refuses to replace a file another program holds open: Excel and WPS hold every open workbook.
        return f"“{path.name}”正被其他程序打开，无法替换：请先在 WPS 或 Excel 中关闭它，再重新运行"
    return f"没有权限替换“{path.name}”（文件或文件夹被设为只读或不可修改）"


class FolderMissing(FileNotFoundError):
    """The folder an output goes into does not exist (a mistyped -o is not made into a new folder)."""


def write_atomic(path: Path, data: bytes, parents: bool = False) -> None:
    """Write `data` to `path` through a temporary file in the same folder and an atomic rename; the folder
    is created only when `parents` says the command means to (a folder of reminders), else it must exist."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if parents:
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.is_dir():
        raise FolderMissing(2, f"文件夹“{folder}”不存在：请先建好它，或检查输出路径是否写错", str(path))
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file private (0600); give it the mode a normal save would have.
        os.chmod(temp, _mode_for(path))
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.replace(temp, path)
        except PermissionError as exc:
            raise PermissionError(exc.errno, _in_use(path), str(path)) from None
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f\x7f]|\.{2,}")


def safe_filename(text: str) -> str:
    """A file name from arbitrary text: no folders, no '..', nothing Windows refuses."""
    name = re.sub(r"_+", "_", _UNSAFE.sub("_", text)).strip(" ._")
    return name or "未命名"
