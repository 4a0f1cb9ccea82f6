"""The package as users get it: `python -m build` makes an sdist and a wheel; the wheel installed into a scratch
virtual environment reports an error to the control plane."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]

APP = """
import syntra_sdk, sys
assert "scratch" in syntra_sdk.__file__, syntra_sdk.__file__
syntra_sdk.init(dsn=sys.argv[1], release="packaged@1.0.0", tracing=False, logs=False)
def handler():
    raise RuntimeError("from the installed wheel")
try:
    handler()
except RuntimeError:
    syntra_sdk.capture_exception()
assert syntra_sdk.flush(30)
"""


def run(*args: str) -> str:
    # Without the test run's PYTHONPATH (the source tree): the scratch environment has only what was installed.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_built_wheel_installs_and_reports(service, tmp_path):
    dist = tmp_path / "dist"
    # No build isolation: the backend (hatchling) is in the test environment, so nothing is downloaded.
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(PACKAGE))
    [wheel] = dist.glob("syntra_sdk-0.1.0-py3-none-any.whl")
    assert list(dist.glob("syntra_sdk-0.1.0.tar.gz"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read("syntra_sdk-0.1.0.dist-info/METADATA").decode()
    assert "syntra_sdk/py.typed" in names
    assert "syntra_sdk/integrations/django.py" in names
    assert not any(n.startswith("tests/") for n in names)
    assert "Requires-Python: >=3.11" in metadata
    assert "Requires-Dist: opentelemetry-sdk" in metadata
    assert "Provides-Extra: fastapi" in metadata

    scratch = tmp_path / "scratch"
    run(sys.executable, "-m", "venv", "--without-pip", str(scratch))
    python = scratch / "bin" / "python"
    site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    # The dependencies (OpenTelemetry) come from the test environment; the SDK only from the wheel.
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel))
    app = tmp_path / "app.py"
    app.write_text(APP)
    run(str(python), str(app), service.dsn)
    issue = service.issue(exception_type="RuntimeError")
    [event] = service.events(issue["id"])
    assert event["release"] == "packaged@1.0.0"
    assert event["stack_trace"][-1]["function"] == "handler"
