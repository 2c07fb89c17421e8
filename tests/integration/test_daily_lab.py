"""playbooks/daily.yml against the lab's real Neo N3 nodes, one real fault at a time."""

import re
import subprocess

import pytest

from conftest import INVENTORY, ROOT, node_file, wait

STATE_FILE = "/var/lib/neors-ops/health-state.json"

# node4 is a dBFT validator (3 of 4 keep producing without it); node5 is the RPC-only node,
# so faults on it leave block production untouched.
VALIDATOR = "node4"
RPC_NODE = "node5"


def assert_rest_healthy(daily, *sick):
    for host, status in daily.statuses().items():
        if host not in sick:
            assert status == "healthy", (host, daily.row(host))


def test_all_healthy_exits_zero(run_daily):
    daily = run_daily()
    assert daily.rc == 0, daily.output
    assert daily.report["summary"]["unhealthy"] == 0
    assert_rest_healthy(daily)
    for row in daily.report["nodes"]:
        assert row["height"] > 0 and row["peers"] >= 1
    # The fleet table is printed for humans (and AWX logs).
    assert re.search(r"NODE\s+STATUS\s+HEIGHT", daily.output)
    assert daily.report["fork_check"]["height"] is not None


def test_stopped_validator_is_unhealthy_and_run_fails(run_daily, faulty):
    faulty("stop", VALIDATOR)
    daily = run_daily()
    assert daily.rc != 0, "an unhealthy node must turn the run red"
    row = daily.row(VALIDATOR)
    assert row["status"] == "unhealthy"
    problems = daily.problems(VALIDATOR)
    assert "service" in problems and "refused" in problems, problems
    assert_rest_healthy(daily, VALIDATOR)
    assert daily.report["summary"]["unhealthy_hosts"] == [VALIDATOR]


def test_frozen_node_reports_rpc_timeout(run_daily, faulty):
    faulty("freeze", RPC_NODE)
    daily = run_daily("-e", "neors_rpc_timeout=3")
    assert daily.rc != 0
    assert daily.row(RPC_NODE)["status"] == "unhealthy"
    assert "timed out" in daily.problems(RPC_NODE), daily.problems(RPC_NODE)
    assert_rest_healthy(daily, RPC_NODE)


def test_cut_p2p_reports_lag_then_stall(run_daily, faulty):
    faulty("cut-p2p", RPC_NODE)
    wait(15)  # 1 s blocks: the fleet moves on by ~15 blocks, past the 10-block lag limit
    first = run_daily()
    assert first.rc != 0
    assert first.row(RPC_NODE)["status"] == "unhealthy"
    assert first.row(RPC_NODE)["lag"] > 10
    assert "lag" in first.problems(RPC_NODE), first.problems(RPC_NODE)
    assert_rest_healthy(first, RPC_NODE)
    # The lab's stall limit is 20 s: the state file kept by the module now shows a stuck height.
    wait(22)
    second = run_daily()
    assert "not advanced" in second.problems(RPC_NODE), second.problems(RPC_NODE)


def test_running_node_that_cannot_persist_is_unhealthy(run_daily, faulty):
    faulty("corrupt-garble-ldb", RPC_NODE)
    wait(4)
    daily = run_daily()
    row = daily.row(RPC_NODE)
    # It still answers RPC: a getversion-only check would call it healthy.
    assert row["height"] > 0 and row["rpc_ms"] is not None
    assert row["status"] == "unhealthy"
    assert "failed to persist" in daily.problems(RPC_NODE), daily.problems(RPC_NODE)
    assert daily.rc != 0
    assert_rest_healthy(daily, RPC_NODE)


@pytest.mark.parametrize("corruption", ["corrupt-truncate-ldb", "corrupt-delete-current"])
def test_node_with_a_corrupted_db_is_unhealthy(run_daily, faulty, corruption):
    # Depending on which table the damage hits, NeoGo either exits at start-up (systemd keeps
    # restarting it: RPC refused) or starts and then fails every persist (critical journal
    # lines); it is unhealthy either way, for one of those two reasons.
    faulty(corruption, RPC_NODE)
    wait(3)
    daily = run_daily()
    assert daily.rc != 0
    assert daily.row(RPC_NODE)["status"] == "unhealthy"
    problems = daily.problems(RPC_NODE)
    assert re.search(r"rpc: .*(refused|reset|timed out)|corruption|failed to persist", problems), problems
    assert_rest_healthy(daily, RPC_NODE)


def test_node_on_its_own_chain_is_reported_forked(run_daily, faulty):
    faulty("fork", RPC_NODE)
    wait(3)
    daily = run_daily()
    assert daily.rc != 0
    assert daily.row(RPC_NODE)["status"] == "unhealthy"
    forks = daily.report["forks"]
    assert [f["host"] for f in forks] == [RPC_NODE], forks
    assert forks[0]["hash"] != forks[0]["majority_hash"]
    assert "fork" in daily.problems(RPC_NODE)
    # Same magic, so it is a fork and not a configuration error.
    assert not daily.report["config_errors"]


def test_node_of_another_network_is_a_configuration_error(run_daily, faulty, fleet):
    faulty("other-network", RPC_NODE)
    wait(3)
    daily = run_daily()
    assert daily.rc != 0
    errors = " | ".join(daily.report["config_errors"])
    assert str(fleet["magic"]) in errors and str(fleet["magic"] + 1) in errors, errors
    assert daily.row(RPC_NODE)["status"] == "unhealthy"
    assert "network" in daily.problems(RPC_NODE)
    # Not averaged in: its low height neither makes it "lagging" nor drags the fleet down,
    # and its different hashes are not called a fork.
    assert daily.report["forks"] == []
    assert_rest_healthy(daily, RPC_NODE)


def test_check_mode_changes_nothing_on_the_nodes(run_daily):
    run_daily()  # make sure every node has a state file
    before = {host: node_file(host, STATE_FILE) for host in ("node1", "node5")}
    wait(1.5)
    daily = run_daily("--check")
    assert daily.rc == 0, daily.output
    assert daily.report["summary"]["total"] >= 5  # the report is still written
    after = {host: node_file(host, STATE_FILE) for host in ("node1", "node5")}
    assert before == after
    assert all(before.values())


def test_node_deploy_is_idempotent(fleet):
    # The lab deployed every node with neors.ops.node_deploy; a second run changes nothing.
    proc = subprocess.run(["ansible-playbook", "-i", INVENTORY, "playbooks/lab_deploy.yml"],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout
    recap = re.findall(r"^(node\d+)\s*: ok=\d+\s+changed=(\d+)", proc.stdout, re.M)
    assert len(recap) == fleet["nodes"], proc.stdout
    assert all(changed == "0" for host, changed in recap), recap
