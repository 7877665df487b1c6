"""Build the offline install bundle: the bairi wheel and every dependency's wheel, for Windows x64 and Linux x86-64.

    python scripts/bundle.py [-o dist/bairi-offline] [--platform windows --platform linux] [--python 3.11 --python 3.12]

The folder it writes holds wheels/ (every wheel, all platforms side by side: pip picks the right one),
install.bat (Windows) and install.sh (Linux), and 安装说明.txt. Copied to a machine without network (a USB
stick, a shared drive), `install.bat` or `sh install.sh` makes a venv beside itself and installs bairi from
wheels/ with `pip install --no-index`, so nothing is fetched.

pip evaluates environment markers (`colorama; platform_system == "Windows"`) against the machine it runs on,
not against `--platform`; so after each download the bundle's wheels are read and every requirement whose
marker holds on the *target* is downloaded too, until nothing is missing.
"""

from __future__ import annotations

import argparse
import email.parser
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # a bare venv: pip always carries its own copy
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = {
    # Tags pip may accept for the target; manylinux 2.17 (CentOS 7 era) up to 2.28 covers the Linux wheels published.
    "windows": {"tags": ["win_amd64"],
                "env": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                        "platform_machine": "AMD64"}},
    "linux": {"tags": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"],
              "env": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                      "platform_machine": "x86_64"}},
}


def build_wheel(out: Path) -> Path:
    """bairi's own wheel, built from this checkout (leaving no build/ folder in it)."""
    leftover = not (ROOT / "build").exists()
    try:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)], check=True)
    finally:
        if leftover:
            shutil.rmtree(ROOT / "build", ignore_errors=True)
    return next(out.glob("bairi-*.whl"))


def download(requirements: list[str], wheels: Path, platform: str, python: str) -> None:
    """Wheels for `requirements` and their dependencies, for one platform and Python version, into `wheels`."""
    tags = [arg for tag in PLATFORMS[platform]["tags"] for arg in ("--platform", tag)]
    version = python.replace(".", "")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--dest", str(wheels), "--only-binary=:all:",
                    *tags, "--python-version", python, "--implementation", "cp", "--abi", f"cp{version}",
                    "--abi", "abi3", "--abi", "none", *requirements], check=True)


def _requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        metadata = email.parser.BytesParser().parsebytes(archive.read(name), headersonly=True)
    return metadata.get_all("Requires-Dist") or []


def _fits(wheel: Path, platform: str, python: str) -> bool:
    """Whether pip would install this wheel on the target."""
    version = "cp" + python.replace(".", "")
    for tag in parse_wheel_filename(wheel.name)[3]:
        if tag.platform not in ("any", *PLATFORMS[platform]["tags"]):
            continue
        if tag.interpreter in ("py3", version, f"py{python.replace('.', '')}") or (
                tag.abi == "abi3" and tag.interpreter.startswith("cp3")
                and int(tag.interpreter[3:]) <= int(python.split(".")[1])):
            return True
    return False


def missing(wheels: Path, platform: str, python: str) -> list[str]:
    """Requirements that hold on the target (markers evaluated for it) with no wheel in the bundle."""
    environment = dict(default_environment(), **PLATFORMS[platform]["env"], python_version=python,
                       python_full_version=f"{python}.0", implementation_name="cpython",
                       platform_python_implementation="CPython")
    present: dict[str, list[Path]] = {}
    for wheel in wheels.glob("*.whl"):
        if _fits(wheel, platform, python):
            present.setdefault(canonicalize_name(parse_wheel_filename(wheel.name)[0]), []).append(wheel)
    wanted: list[str] = []
    for group in present.values():
        for wheel in group:
            for text in _requires(wheel):
                requirement = Requirement(text)
                if requirement.marker is not None and not requirement.marker.evaluate(dict(environment, extra="")):
                    continue
                if canonicalize_name(requirement.name) not in present:
                    wanted.append(str(requirement).split(";")[0].strip())
    return sorted(set(wanted))


INSTALL_SH = """#!/bin/sh
# bairi 离线安装（Linux x86-64）：在本文件夹旁建 .venv，只从 wheels/ 安装，不联网。
# 用法：sh install.sh [安装到的文件夹]      可用 PYTHON=python3.12 sh install.sh 指定 Python（3.11 或 3.12）
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target=${1:-"$here/.venv"}
python=${PYTHON:-python3}
"$python" -m venv "$target"
"$target/bin/python" -m pip install --no-index --find-links "$here/wheels" bairi
echo "安装完成。运行：$target/bin/bairi --help"
"""

# cmd.exe reads a .bat file in the console's code page (936 on a Chinese Windows), so this file is written in
# GBK with CRLF line ends; UTF-8 would print as mojibake and a BOM would break the first line.
INSTALL_BAT = r"""@echo off
rem bairi 离线安装（Windows x64）：在本文件夹旁建 .venv，只从 wheels\ 安装，不联网。
rem 用法：双击 install.bat，或在命令行运行 install.bat [安装到的文件夹]
setlocal
set "HERE=%~dp0"
set "TARGET=%~1"
if "%TARGET%"=="" set "TARGET=%HERE%.venv"
set "PY="
for %%V in (3.12 3.11) do (
  if not defined PY (
    py -%%V -c "pass" >nul 2>nul && set "PY=py -%%V"
  )
)
if not defined PY (
  python -c "import sys; sys.exit(0 if sys.version_info[:2] in ((3, 11), (3, 12)) else 1)" >nul 2>nul && set "PY=python"
)
if not defined PY (
  echo 没有找到 Python 3.11 或 3.12。请先安装（安装时勾选“py launcher”和“Add python.exe to PATH”），再运行本文件。
  pause
  exit /b 1
)
%PY% -m venv "%TARGET%" || goto failed
"%TARGET%\Scripts\python.exe" -m pip install --no-index --find-links "%HERE%wheels" bairi || goto failed
echo.
echo 安装完成。以后这样运行（不必激活 venv）：
echo   "%TARGET%\Scripts\bairi.exe" check 报表.xlsx
echo   "%TARGET%\Scripts\bairi.exe" --help
pause
exit /b 0
:failed
echo 安装失败，请把上面的信息发给维护人员。
pause
exit /b 1
"""

GUIDE = """bairi 离线安装包

本文件夹可以复制到不能上网或网络很慢的电脑上安装 bairi：
  Windows（64 位，Python 3.11 或 3.12）：双击 install.bat。
  Linux（x86-64，Python 3.11 或 3.12）：sh install.sh

安装完成后不必“激活”虚拟环境，直接运行：
  Windows：.venv\\Scripts\\bairi.exe check 报表.xlsx
  Linux：  .venv/bin/bairi check 报表.xlsx

wheels 文件夹里是 bairi 和它用到的全部程序包（{count} 个文件），安装时只从这里取，不联网。
"""


def write_scripts(out: Path, count: int) -> None:
    """install.sh (LF, UTF-8), install.bat (CRLF, GBK) and the guide (CRLF, UTF-8 with BOM, for Notepad)."""
    (out / "install.sh").write_bytes(INSTALL_SH.encode("utf-8"))
    (out / "install.sh").chmod(0o755)
    (out / "install.bat").write_bytes(INSTALL_BAT.replace("\n", "\r\n").encode("gbk"))
    guide = GUIDE.format(count=count).replace("\n", "\r\n")
    (out / "安装说明.txt").write_bytes(("\ufeff" + guide).encode("utf-8"))


def main(argv: list[str] | None = None) -> Path:
    """Build the bundle and return its folder."""
    parser = argparse.ArgumentParser(description="生成 bairi 离线安装包（Windows x64 与 Linux x86-64 的全部 wheel）")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "dist" / "bairi-offline", help="输出文件夹")
    parser.add_argument("--platform", action="append", choices=sorted(PLATFORMS), help="只做某个平台（可重复）")
    parser.add_argument("--python", action="append", help="Python 版本（默认 3.11 与 3.12，可重复）")
    args = parser.parse_args(argv)
    platforms = args.platform or ["windows", "linux"]
    pythons = args.python or ["3.11", "3.12"]
    out: Path = args.output
    if out.exists():
        shutil.rmtree(out)
    wheels = out / "wheels"
    wheels.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        own = build_wheel(Path(scratch))
        shutil.copy2(own, wheels / own.name)
    own = wheels / own.name
    for platform in platforms:
        for python in pythons:
            download([str(own)], wheels, platform, python)
            for _ in range(10):
                needed = missing(wheels, platform, python)
                if not needed:
                    break
                download(needed, wheels, platform, python)
            else:
                raise SystemExit(f"{platform} {python}：仍缺少 {needed}")
    count = len(list(wheels.glob("*.whl")))
    write_scripts(out, count)
    print(f"离线安装包已生成：{out}（{count} 个 wheel，平台：{'、'.join(platforms)}，Python {'、'.join(pythons)}）")
    return out


if __name__ == "__main__":
    main()
