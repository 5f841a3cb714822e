"""`make serve` starts the standing deployment (code server, webserver, daemon) and `make stop` ends it."""

import json
import os
import socket
import subprocess
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("code-server", "webserver", "daemon")
LOCATION_QUERY = (
    "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus locationOrLoadError "
    "{ __typename ... on RepositoryLocation { repositories { sensors { name } } } } } } } }"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _running(pid: int) -> bool:
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout
    return bool(state.strip()) and not state.strip().startswith("Z")


def test_the_workspace_points_at_the_standing_code_server():
    workspace = yaml.safe_load((REPO / "deploy" / "workspace.yaml").read_text())
    server = workspace["load_from"][0]["grpc_server"]
    assert server["host"] == "127.0.0.1" and server["port"] == {"env": "OHWB_CODE_SERVER_PORT"}
    # The same location name as workspace.yaml's module location, so sensor and schedule state carry over.
    assert server["location_name"] == "ohwb_pipeline.definitions"


def test_make_serve_starts_code_server_and_ui_and_make_stop_ends_them(tmp_path):
    home = tmp_path / "dagster_home"
    ui_port, code_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "OHWB_DATA_DIR": str(tmp_path / "data"),
        "OHWB_UI_PORT": str(ui_port),
        "OHWB_CODE_SERVER_PORT": str(code_port),
    }
    started = subprocess.run(["make", "-s", "serve"], cwd=REPO, env=env, capture_output=True, text=True)
    pids = {
        name: int((home / "serve" / f"{name}.pid").read_text())
        for name in SERVICES
        if (home / "serve" / f"{name}.pid").exists()
    }
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"http://127.0.0.1:{ui_port}" in started.stdout and "make stop" in started.stdout
        assert set(pids) == set(SERVICES) and all(_running(pid) for pid in pids.values())
        request = urllib.request.Request(
            f"http://127.0.0.1:{ui_port}/graphql",
            data=json.dumps({"query": LOCATION_QUERY}).encode(),
            headers={"Content-Type": "application/json"},
        )
        entries = json.load(urllib.request.urlopen(request, timeout=60))["data"]["workspaceOrError"]
        [entry] = entries["locationEntries"]
        assert (entry["name"], entry["loadStatus"]) == ("ohwb_pipeline.definitions", "LOADED")
        sensors = {s["name"] for s in entry["locationOrLoadError"]["repositories"][0]["sensors"]}
        assert "landing_sensor" in sensors
        again = subprocess.run(["make", "-s", "serve"], cwd=REPO, env=env, capture_output=True, text=True)
        assert again.returncode != 0 and "already running" in again.stderr
    finally:
        stopped = subprocess.run(["make", "-s", "stop"], cwd=REPO, env=env, capture_output=True, text=True)
    assert stopped.returncode == 0, stopped.stderr
    assert all(f"stopped {name} (pid {pid})" in stopped.stdout for name, pid in pids.items()), stopped.stdout
    assert "killed" not in stopped.stdout, "each stopped on TERM, none had to be killed"
    assert not any(_running(pid) for pid in pids.values())
    assert not list((home / "serve").glob("*.pid"))
