"""The offline bundle: built by scripts/bundle.py, installed by install.sh into a fresh venv with no index at all."""

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from build import write_return

SCRIPT = Path(__file__).parent.parent / "scripts" / "bundle.py"
spec = importlib.util.spec_from_file_location("bundle", SCRIPT)
bundle = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bundle)
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def offline_env() -> dict[str, str]:
    """pip with no configuration: no index, no find-links from pip.conf or the environment, only the bundle."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return dict(env, PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "bairi 离线包"
    bundle.main(["-o", str(out), "--platform", "linux", "--python", PYTHON])
    return out


def test_the_linux_bundle_installs_offline_into_a_fresh_venv(built, tmp_path):
    target = tmp_path / "装 到这里"
    done = subprocess.run(["sh", str(built / "install.sh"), str(target)], capture_output=True, text=True,
                          env=offline_env(), timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"安装完成。运行：{target}/bin/bairi --help" in done.stdout
    ret = write_return(tmp_path / "巴公镇12月.xlsx")
    checked = subprocess.run([str(target / "bin" / "bairi"), "check", str(ret), "-f", "json"], capture_output=True,
                             text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stderr
    assert '"town": "巴公镇"' in checked.stdout
    # The bairi that ran is the bundle's, not this checkout.
    where = subprocess.run([str(target / "bin" / "python"), "-c", "import bairi; print(bairi.__file__)"],
                           capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(target))


def test_the_bundle_has_every_wheel_it_needs(built):
    wheels = built / "wheels"
    names = {p.name.split("-")[0].lower() for p in wheels.glob("*.whl")}
    assert {"bairi", "typer", "pydantic", "pydantic_core", "rich", "openpyxl", "jinja2", "python_calamine"} <= names
    assert bundle.missing(wheels, "linux", PYTHON) == []


def test_scripts_install_without_an_index(built):
    sh = (built / "install.sh").read_text(encoding="utf-8")
    bat = (built / "install.bat").read_bytes()
    assert '-m pip install --no-index --find-links "$here/wheels" bairi' in sh
    # cmd.exe reads a .bat in the console code page: GBK, CRLF, no BOM.
    assert not bat.startswith(b"\xef\xbb\xbf") and bat.count(b"\n") == bat.count(b"\r\n")
    text = bat.decode("gbk")
    assert '-m pip install --no-index --find-links "%HERE%wheels" bairi' in text
    assert "没有找到 Python 3.11 或 3.12" in text
    assert (built / "安装说明.txt").read_bytes().startswith(b"\xef\xbb\xbf")


def fake_wheel(folder: Path, filename: str, requires: list[str]) -> None:
    name = "-".join(filename.split("-")[:2])
    with zipfile.ZipFile(folder / filename, "w") as archive:
        metadata = "Metadata-Version: 2.1\nName: x\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
        archive.writestr(f"{name}.dist-info/METADATA", metadata)


def test_markers_are_read_for_the_target_not_for_this_machine(tmp_path):
    # pip download --platform win_amd64 evaluates `platform_system == "Windows"` on Linux: false, so colorama
    # would be left out of a Windows bundle built here.
    fake_wheel(tmp_path, "typer-0.29.2-py3-none-any.whl",
               ['colorama; platform_system == "Windows"', "rich>=13", 'pytest; extra == "test"'])
    fake_wheel(tmp_path, "rich-15.0.0-py3-none-any.whl", [])
    fake_wheel(tmp_path, "tzdata-2025.1-py2.py3-none-any.whl", [])
    fake_wheel(tmp_path, "pydantic_core-2.50.5-cp312-cp312-win_amd64.whl", ["missing-on-312-only"])
    assert bundle.missing(tmp_path, "windows", "3.11") == ["colorama"]
    assert bundle.missing(tmp_path, "windows", "3.12") == ["colorama", "missing-on-312-only"]
    assert bundle.missing(tmp_path, "linux", "3.12") == []
