"""Word → PDF through LibreOffice (soffice --headless), when it is installed.

Each conversion runs with a private, throw-away LibreOffice profile: a soffice the clerk has open (or another
conversion) holds the default profile's lock, and a second headless one would quietly do nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 180

# Where the documents' Chinese fonts (仿宋_GB2312, 楷体_GB2312, 方正小标宋简体 …) are not installed, the PDF takes the
# nearest installed one of the same kind — a serif for 仿宋/楷体/宋体, a sans for 黑体 — not whatever comes first.
_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  {aliases}
  <!-- 方正小标宋简体 absent: its stand-in (a 宋体) is drawn bold, as a title in 宋体 is set. -->
  <match target="font">
    <test target="pattern" name="family" qual="first"><string>方正小标宋简体</string></test>
    <test name="family" compare="not_eq"><string>方正小标宋简体</string></test>
    <edit name="embolden" mode="assign"><bool>true</bool></edit>
  </match>
</fontconfig>
"""
_ALIASES = {
    ("仿宋_GB2312", "仿宋", "FangSong"): ("FangSong", "仿宋", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC",
                                        "AR PL UMing CN"),
    ("楷体_GB2312", "楷体", "KaiTi"): ("KaiTi", "楷体", "STKaiti", "AR PL UKai CN", "Noto Serif CJK SC"),
    ("方正小标宋简体", "宋体", "SimSun"): ("SimSun", "宋体", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
    ("黑体", "SimHei"): ("SimHei", "黑体", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"),
}


class OfficeMissing(Exception):
    """LibreOffice is not installed: a PDF cannot be made on this computer."""


class ConversionFailed(Exception):
    """LibreOffice ran but gave no PDF."""


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _font_config(folder: Path) -> Path:
    aliases = []
    for names, prefer in _ALIASES.items():
        families = "".join(f"<family>{f}</family>" for f in prefer)
        aliases += [f"<alias binding=\"same\"><family>{n}</family><prefer>{families}</prefer></alias>" for n in names]
    path = folder / "fonts.conf"
    path.write_text(_FONTS.format(aliases="\n  ".join(aliases)), encoding="utf-8")
    return path


def docx_to_pdf(docx: bytes) -> bytes:
    """The PDF of a Word document; OfficeMissing or ConversionFailed (with a Chinese message) when none."""
    program = soffice()
    if program is None:
        raise OfficeMissing("本机没有安装 LibreOffice（soffice），无法转换为 PDF；请安装 LibreOffice，"
                            "或写出 .docx 后用 Word/WPS 另存为 PDF")
    with tempfile.TemporaryDirectory(prefix="bairi-pdf-") as temp:
        folder = Path(temp)
        source = folder / "document.docx"
        source.write_bytes(docx)
        command, env = _libreoffice(program, folder, source, "pdf", folder / "out")
        return _run_to_pdf(command, env, folder, folder / "out" / "document.pdf", "LibreOffice")


def _libreoffice(program: str, folder: Path, source: Path, target: str, outdir: Path) -> tuple[list[str], dict[str, str]]:
    """LibreOffice converting `source` to `target` in `outdir`: a private profile (an office the clerk has open is
    not disturbed) and bairi's font substitutions, all inside `folder`."""
    command = [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", target, "--outdir", str(outdir), str(source)]
    return command, {**os.environ, "FONTCONFIG_FILE": str(_font_config(folder)), "HOME": str(folder)}


def _run_to_pdf(command: list[str], env: dict[str, str], folder: Path, result: Path, who: str) -> bytes:
    """Run one converter in `folder` and read the PDF it should have made; ConversionFailed (in Chinese) if not."""
    try:
        done = subprocess.run(command, check=False, capture_output=True, timeout=TIMEOUT_SECONDS, env=env, cwd=folder)
    except subprocess.TimeoutExpired:
        raise ConversionFailed(f"{who} 生成 PDF 超过 {TIMEOUT_SECONDS} 秒仍未完成") from None
    except OSError as exc:
        raise ConversionFailed(f"无法运行 {who}：{exc.strerror or exc}") from None
    if not result.is_file():
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise ConversionFailed(f"{who} 没有生成 PDF" + (f"：{said[-1]}" if said else ""))
    return result.read_bytes()


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge")


def browser() -> str | None:
    """A Chromium-family browser that prints headless, or None."""
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def html_to_pdf(html: bytes) -> bytes:
    """A self-contained HTML page printed to PDF by headless Chromium, else LibreOffice; OfficeMissing or
    ConversionFailed (in Chinese) when neither can."""
    program = browser()
    if program is None and soffice() is None:
        raise OfficeMissing("本机没有可用于打印 PDF 的浏览器（Chromium、Chrome、Edge）或 LibreOffice；"
                            "请写出 .html 后用浏览器打开，“打印”时选“另存为 PDF”")
    with tempfile.TemporaryDirectory(prefix="bairi-pdf-") as temp:
        folder = Path(temp)
        source = folder / "board.html"
        source.write_bytes(html)
        result = folder / "board.pdf"
        if program is not None:
            # A private profile: a browser the clerk has open is not disturbed. As root (a server, CI) Chromium
            # refuses its sandbox; the page is bairi's own, escaped, with no script.
            command = [program, "--headless", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run",
                       f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={result}", source.as_uri()]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                command.insert(1, "--no-sandbox")
            env = {**os.environ, "HOME": str(folder)}
        else:
            command, env = _libreoffice(str(soffice()), folder, source, "pdf:writer_web_pdf_Export", folder)
        return _run_to_pdf(command, env, folder, result, Path(command[0]).name if program is not None else "LibreOffice")


def pdf_words(pdf: bytes) -> list[list[tuple[float, float, float, float, str]]] | None:
    """Each page's words with their boxes (x0, y0, x1, y1 in points from the top-left, text), read by poppler's
    pdftotext; None when poppler is not installed or cannot read the file."""
    import html
    import re

    program = shutil.which("pdftotext")
    if program is None:
        return None
    try:
        done = subprocess.run([program, "-bbox", "-", "-"], input=pdf, capture_output=True, check=False,
                              timeout=TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    pages: list[list[tuple[float, float, float, float, str]]] = []
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
    for chunk in done.stdout.decode("utf-8", "replace").split("<page ")[1:]:
        pages.append([(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in word.findall(chunk)])
    return pages
