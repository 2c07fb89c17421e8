"""Benchmark playbooks/daily.yml on the lab of real nodes, as ratios to baselines run in the
same process (the machines are noisy; absolute seconds mean little, ratios travel).

    bench/run [--nodes 10] [--rounds 3] [--keep]

Prints, from one run:
  daily.yml / `ansible -m ansible.builtin.ping` over the same N nodes   (target <= 1.5)
  daily.yml at N nodes / daily.yml at 1 node (--limit node1)             (target <= 2.0)
  ping at N nodes / ping at 1 node: the floor's own scaling, for reference

Rounds are interleaved (ping, daily N, daily 1, ping, ...) so that a noisy moment hits every
measurement alike; each figure is the median of its rounds. The lab is resized to --nodes for
the run and put back to its previous size afterwards unless --keep.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB_HOME = os.environ.get("NEORS_LAB_HOME", "/var/tmp/neors-lab")
INVENTORY = os.path.join(LAB_HOME, "inventory.yml")
LAB = [sys.executable, os.path.join(ROOT, "lab", "neors_lab.py")]


def timed(argv, ok_codes=(0,)):
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok_codes:
        sys.stdout.write(proc.stdout[-3000:])
        raise SystemExit("benchmark command failed (%d): %s" % (proc.returncode, " ".join(argv)))
    return elapsed


def lab_shape():
    try:
        with open(os.path.join(LAB_HOME, "fleet.json")) as handle:
            state = json.load(handle)
        return state["nodes"], state["validators"]
    except (OSError, ValueError, KeyError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="leave the lab at --nodes")
    args = parser.parse_args()

    before = lab_shape()
    subprocess.run(LAB + ["up", "--nodes", str(args.nodes)], check=True, cwd=ROOT)
    report_dir = os.path.join(LAB_HOME, "bench-reports")
    daily = ["ansible-playbook", "-i", INVENTORY, "playbooks/daily.yml",
             "-e", "neors_daily_report_dir=%s" % report_dir,
             # A slow moment must not turn the benchmark into a failed run.
             "-e", "neors_daily_fail_on_unhealthy=false"]
    ping = ["ansible", "-i", INVENTORY, "neors_nodes", "-m", "ansible.builtin.ping"]

    # Warm-up: fills Ansible's module payload cache and the nodes' health state files.
    timed(ping)
    timed(daily)
    samples = {"ping": [], "ping_1": [], "daily_n": [], "daily_1": []}
    for dummy_round in range(args.rounds):
        samples["ping"].append(timed(ping))
        samples["ping_1"].append(timed(ping + ["--limit", "node1"]))
        samples["daily_n"].append(timed(daily))
        samples["daily_1"].append(timed(daily + ["--limit", "node1"]))
    med = {key: statistics.median(values) for key, values in samples.items()}

    print("neors.ops daily.yml benchmark: %d nodes, %d rounds (median seconds)" % (
        args.nodes, args.rounds))
    for key, label in (("ping", "ansible -m ping, %d nodes" % args.nodes),
                       ("ping_1", "ansible -m ping, 1 node"),
                       ("daily_n", "daily.yml, %d nodes" % args.nodes),
                       ("daily_1", "daily.yml, 1 node")):
        runs = ", ".join("%.2f" % v for v in samples[key])
        print("  %-28s %6.2f s   (%s)" % (label, med[key], runs))
    print("ratio daily/ping (%d nodes)        %.2f   target <= 1.5" % (
        args.nodes, med["daily_n"] / med["ping"]))
    print("ratio daily %d nodes / 1 node      %.2f   target <= 2.0" % (
        args.nodes, med["daily_n"] / med["daily_1"]))
    # The floor's own scaling on this machine: no playbook can scale better than a ping does.
    print("ratio ping %d nodes / 1 node       %.2f   (the floor's own scaling, for reference)" % (
        args.nodes, med["ping"] / med["ping_1"]))

    if before and before[0] != args.nodes and not args.keep:
        subprocess.run(LAB + ["up", "--nodes", str(before[0]), "--validators", str(before[1])],
                       check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
