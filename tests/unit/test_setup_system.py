"""scripts/setup-system.sh waits for another apt to release its locks instead of failing.

apt itself is replaced by a stand-in on PATH that fails the way apt 2.6 does while another
process holds a lock (the wording was taken from real runs against a held lock)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "scripts" / "setup-system.sh"

# Fails with apt's lock message while the counter file says so, and records its arguments.
FAKE_APT_GET = """#!/bin/bash
echo "$*" >> "$FAKE_DIR/calls"
left=$(cat "$FAKE_DIR/failures")
if [ "$left" -gt 0 ]; then
    echo $((left - 1)) > "$FAKE_DIR/failures"
    echo "E: Could not get lock $FAKE_LOCK. It is held by process 4242 (apt-get)" >&2
    echo "E: Unable to lock directory ${FAKE_LOCK%/lock}/" >&2
    exit 100
fi
[ -z "${FAKE_OTHER_ERROR:-}" ] || { echo "E: $FAKE_OTHER_ERROR" >&2; exit 100; }
exit 0
"""


def _run(tmp_path: Path, failures: int, lock: str, **env: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "apt-get"
    fake.write_text(FAKE_APT_GET)
    fake.chmod(0o755)
    # Only the tools the script needs, so that soffice and pdftoppm look missing.
    for tool in ("bash", "id", "mktemp", "grep", "cat", "rm", "sleep", "sudo"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    (tmp_path / "failures").write_text(str(failures))
    environ = {
        "PATH": str(bin_dir),
        "FAKE_DIR": str(tmp_path),
        "FAKE_LOCK": lock,
        "HOME": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [str(bin_dir / "bash"), str(SCRIPT)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _calls(tmp_path: Path) -> list[str]:
    return (tmp_path / "calls").read_text().splitlines()


@pytest.fixture(autouse=True)
def _needs_root() -> None:
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        pytest.skip("the script calls sudo when not root")


def test_apt_waits_for_dpkgs_frontend_lock(tmp_path: Path) -> None:
    done = _run(tmp_path, failures=0, lock="/var/lib/dpkg/lock-frontend")
    assert done.returncode == 0, done.stderr
    update, install = _calls(tmp_path)
    assert update.startswith("-o DPkg::Lock::Timeout=600 update")
    assert install.startswith("-o DPkg::Lock::Timeout=600 install -y")
    assert "libreoffice-calc" in install and "poppler-utils" in install


def test_update_is_tried_again_while_the_package_lists_are_locked(tmp_path: Path) -> None:
    # apt 2.6 ignores DPkg::Lock::Timeout for the lists lock: the script must retry itself.
    done = _run(tmp_path, failures=1, lock="/var/lib/apt/lists/lock")
    assert done.returncode == 0, done.stderr
    assert [c.split()[2] for c in _calls(tmp_path)] == ["update", "update", "install"]
    assert "waiting for another apt to release its lock" in done.stdout
    assert "/var/lib/apt/lists/lock" in done.stdout


def test_a_lock_held_past_the_timeout_fails_with_apts_message(tmp_path: Path) -> None:
    done = _run(tmp_path, failures=99, lock="/var/cache/apt/archives/lock", APT_LOCK_TIMEOUT="1")
    assert done.returncode != 0
    assert "Could not get lock /var/cache/apt/archives/lock" in done.stderr
    assert 1 <= len(_calls(tmp_path)) <= 3


def test_another_apt_error_is_not_retried(tmp_path: Path) -> None:
    done = _run(tmp_path, failures=0, lock="", FAKE_OTHER_ERROR="Unable to locate package x")
    assert done.returncode != 0
    assert "Unable to locate package x" in done.stderr
    assert len(_calls(tmp_path)) == 1
