"""A real Syntra control plane for the tests (the server's test harness run by scripts/test-control-plane.ts), and a
fresh service with its DSN for each test."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import syntra_sdk
from syntra_sdk._scope import root_scope

REPO = Path(__file__).resolve().parents[3]


class Service:
    """A service of its own organization: its DSN, and the control plane's answers about what arrived."""

    def __init__(self, base: str, info: dict[str, Any]) -> None:
        self.base = base
        self.dsn: str = info["dsn"]
        self.key: str = info["key"]
        self.cookie: str = info["cookie"]
        self.project_id: str = info["project_id"]
        self.service_id: str = info["service_id"]

    def api(self, path: str) -> Any:
        request = urllib.request.Request(f"{self.base}{path}", headers={"cookie": f"syntra_session={self.cookie}"})
        with urllib.request.urlopen(request, timeout=30) as res:
            return json.loads(res.read())

    def issues(self) -> list[dict[str, Any]]:
        return self.api(f"/api/v1/projects/{self.project_id}/issues?limit=100")["data"]

    def events(self, issue_id: str) -> list[dict[str, Any]]:
        return self.api(f"/api/v1/issues/{issue_id}/events?limit=100")["data"]

    def all_events(self) -> list[dict[str, Any]]:
        return [e for i in self.issues() for e in self.events(i["id"])]

    def issue(self, **match: Any) -> dict[str, Any]:
        found = [i for i in self.issues() if all(i.get(k) == v for k, v in match.items())]
        assert found, f"no issue with {match}: {[i['title'] for i in self.issues()]}"
        return found[0]


class ControlPlane:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["node", "--import", "tsx", str(REPO / "scripts/test-control-plane.ts")],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "NODE_OPTIONS": ""},
        )
        assert self.proc.stdout is not None
        self.base: str = json.loads(self.proc.stdout.readline())["base"]

    def new_service(self, email: str) -> Service:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"service": email}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        assert "error" not in answer, answer
        return Service(self.base, answer)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(60)


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    cp = ControlPlane()
    yield cp
    cp.close()


@pytest.fixture
def service(control_plane: ControlPlane, request: pytest.FixtureRequest) -> Service:
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:50]
    return control_plane.new_service(f"{name}@example.com")


@pytest.fixture(autouse=True)
def _fresh_sdk() -> Iterator[None]:
    root_scope().clear()
    yield
    syntra_sdk.close(2)
