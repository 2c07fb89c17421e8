"""Integration tests against the lab fleet of real NeoGo nodes (lab/neors_lab.py).

Each test injects one real fault (stopped unit, SIGSTOPped process, nftables P2P cut, garbled
LevelDB table, a forked one-validator chain), runs the real playbooks/daily.yml against the
fleet and reads the JSON report it wrote. Every fault is undone (heal: redeploy with a fresh
chain dir) even when the test fails, so the next test starts from a healthy fleet.
"""

import json
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB_HOME = os.environ.get("NEORS_LAB_HOME", "/var/tmp/neors-lab")
INVENTORY = os.path.join(LAB_HOME, "inventory.yml")
LAB = [sys.executable, os.path.join(ROOT, "lab", "neors_lab.py")]


def lab(*args):
    subprocess.run(LAB + list(args), check=True, cwd=ROOT)


class Daily(object):
    """One run of playbooks/daily.yml: exit code, the JSON report and the output."""

    def __init__(self, rc, report, output):
        self.rc, self.report, self.output = rc, report, output

    def row(self, host):
        for row in self.report["nodes"]:
            if row["host"] == host:
                return row
        raise AssertionError("no row for %s in %s" % (host, self.report["nodes"]))

    def problems(self, host):
        return " | ".join(self.row(host)["problems"])

    def statuses(self):
        return {row["host"]: row["status"] for row in self.report["nodes"]}


@pytest.fixture(scope="session")
def fleet():
    """The lab fleet, up (idempotent) and producing blocks."""
    lab("up")
    with open(os.path.join(LAB_HOME, "fleet.json")) as f:
        state = json.load(f)
    assert state["nodes"] >= 5, "the integration tests need the default 5-node fleet"
    return state


@pytest.fixture
def run_daily(tmp_path, fleet):
    counter = [0]

    def run(*extra):
        counter[0] += 1
        report_dir = tmp_path / ("run%d" % counter[0])
        argv = ["ansible-playbook", "-i", INVENTORY, "playbooks/daily.yml",
                "-e", "neors_daily_report_dir=%s" % report_dir] + list(extra)
        proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=600, check=False)
        sys.stdout.write(proc.stdout)
        with open(str(report_dir / "daily-latest.json")) as f:
            report = json.load(f)
        return Daily(proc.returncode, report, proc.stdout)

    return run


@pytest.fixture
def faulty():
    """Inject faults through this; each faulted node is healed afterwards, pass or fail."""
    touched = []

    def inject(kind, node):
        touched.append(node)
        lab("fault", kind, node)

    yield inject
    for node in dict.fromkeys(touched):
        lab("heal", node)


def wait(seconds):
    time.sleep(seconds)


def node_file(host, path):
    """A file's content inside a lab node ("" when missing)."""
    proc = subprocess.run(["docker", "-H", "unix://%s/docker.sock" % LAB_HOME, "exec",
                           "neors-lab-" + host, "cat", path], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, universal_newlines=True, check=False)
    return proc.stdout
