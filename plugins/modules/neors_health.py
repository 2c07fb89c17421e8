#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neors_health
short_description: Health check of a Neo N3 node (neo-rs, NeoGo) on the managed host
version_added: 0.1.0
description:
  - Runs the runbook's morning health check as one module and returns one structured document
    per node (the result contract of C(docs/health-result.md)).
  - Checks the systemd unit, the node process (RSS, CPU, uptime, open files), the JSON-RPC endpoint
    (C(getversion), C(getblockcount), C(getconnectioncount), C(getpeers) with latencies), block height
    progress (stall detection across runs with a small state file) and lag against a reference height,
    connected peers, error lines in the journal or a log file, disk and inode usage of the data
    directory, and that the RPC and P2P ports are listening.
  - Optionally fetches the hashes of a few checkpoint heights in one batch request so the controller
    can detect forks between nodes without a second round trip.
  - An unhealthy node is a result, not a failure, unless O(fail_on_unhealthy=true).
  - Each check has a status C(healthy), C(degraded), C(unhealthy) or C(unknown) (could not run because
    what it depends on failed; that dependency is then itself unhealthy). The overall status is the worst
    of the checks, C(unknown) not counted.
author:
  - neors.ops maintainers (@neors-ops)
extends_documentation_fragment:
  - neors.ops.node
attributes:
  check_mode:
    support: full
    description: In check mode the state file is read but neither it nor O(output_path) is written.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  log_source:
    description:
      - Where to look for error lines.
      - V(journal) reads C(journalctl -u) O(service_name) for the last O(log_window) seconds. A journal
        that cannot be read (for example C(No journal files were opened due to insufficient permissions))
        makes the C(logs) check degraded, never "no error lines".
      - V(file) reads the last 4 MiB of O(log_file); its lines have no parsed timestamps, so all of them
        count as inside both O(log_window) and O(critical_log_window).
    type: str
    choices: [journal, file]
    default: journal
  log_file:
    description:
      - Log file to read when O(log_source=file) (for example NeoGo's C(LogPath)). Required then.
      - Must be a regular file; a FIFO, device or directory is reported instead of read.
    type: path
  log_window:
    description:
      - How far back, in seconds, to count error lines in the journal (runbook "24 hours ago").
      - At most 315360000 (10 years).
    type: int
    default: 86400
  critical_log_window:
    description:
      - Critical lines newer than this many seconds make the C(logs) check unhealthy; older ones only
        count as errors (degraded). At most 315360000 (10 years).
    type: int
    default: 900
  error_pattern:
    description:
      - Case-insensitive regular expression selecting candidate error lines (also passed to
        C(journalctl -g), together with O(critical_patterns)).
      - >-
        The log level decides when the line has one. A line with a level field (NeoGo console format
        C(TIMESTAMP<TAB>LEVEL<TAB>message<TAB>{json}) or C(LEVEL<TAB>message), tracing style
        C(TIMESTAMP  LEVEL target: message), C([LEVEL]), or a JSON line with a C(level) key) counts only when that
        level is an error level (ERROR, ERR, CRIT, CRITICAL, ALERT, EMERG, DPANIC, PANIC, FATAL). So a NeoGo
        INFO line such as C(INFO<TAB>peer disconnected<TAB>{"error": "EOF"}), or a WARN line, is not an error line.
      - Lines without a level field (for example plain stderr lines a node prints on a fatal startup error)
        count when they match this expression or one of O(critical_patterns).
    type: str
    default: '(?i)\b(error|fatal|panic)\b'
  critical_patterns:
    description:
      - Case-insensitive regular expressions; an error line matching one of them is critical
        (for example the NeoGo LevelDB corruption messages).
      - Empty strings are rejected (an empty expression matches every line).
    type: list
    elements: str
    default: ['failed to persist', 'corruption', 'checksum mismatch', 'panic', 'fatal']
  max_recent_errors:
    description:
      - How many of the most recent error lines to return in C(checks.logs.value.recent) (runbook C(tail -5)).
    type: int
    default: 5
  disk_warn_percent:
    description:
      - Disk (or inode) usage of the file system holding O(data_dir) at or above this is degraded.
    type: float
    default: 80
  disk_crit_percent:
    description:
      - Disk (or inode) usage at or above this is unhealthy (runbook - below 90% is healthy).
    type: float
    default: 90
  memory_warn_mb:
    description:
      - Process RSS above this many MiB is degraded (runbook C(ALERT_THRESHOLD_MEMORY_MB)).
      - A NeoGo node on a small test chain already uses 50-75 MiB; raise this for real deployments.
    type: float
    default: 50
  rpc_warn_ms:
    description:
      - Any RPC call slower than this many milliseconds is degraded (runbook C(ALERT_THRESHOLD_RPC_MS)).
    type: float
    default: 1000
  min_peers:
    description:
      - Fewer connected peers than this is degraded. Use V(0) for a single-node network.
    type: int
    default: 1
  max_lag_blocks:
    description:
      - With O(reference_height), being more than this many blocks behind is unhealthy.
    type: int
    default: 10
  reference_height:
    description:
      - Block count the node should have reached (same unit as C(getblockcount), for example the highest
        height across the fleet). Enables the lag check.
    type: int
  stall_seconds:
    description:
      - The block height not advancing for longer than this (across runs, see O(state_file)) is unhealthy.
    type: int
    default: 120
  state_file:
    description:
      - JSON file remembering the last height, network and when the height last advanced. Its parent
        directory is created (mode 0755) when missing. Updating it does not report a change.
      - An empty string disables stall tracking.
      - When the height goes down or the network magic changes, tracking restarts there and the
        C(block_height) check is degraded for that run.
      - A malformed state file (wrong types, negative height, NaN or infinite numbers) counts as a first
        observation. A state written more than 60 seconds in the future (the clock moved backwards)
        is reset, and the C(block_height) check is degraded for that run.
    type: path
    default: /var/lib/neors-ops/health-state.json
  output_path:
    description:
      - Also write the result document (C(overall_status), C(timestamp), C(checks), C(node)) as JSON to this
        file on the managed host, atomically. Its parent directory is created when missing.
        Writing it is the only thing that reports C(changed).
      - When it cannot be written the module warns and still returns the full result, with
        C(changed=false).
    type: path
  fail_on_unhealthy:
    description:
      - Fail the task when the overall status is C(unhealthy). The failure message names the unhealthy
        checks and the full result is still returned.
    type: bool
    default: false
  checkpoints:
    description:
      - Fetch the block hashes of the checkpoint heights (see C(node.checkpoints) in RETURN) in one
        JSON-RPC batch request (sequential calls if the server does not support batches).
    type: bool
    default: true
notes:
  - Needs read access to C(/proc), the journal (or O(log_file)) and O(data_dir); run it with C(become) as the
    runbook does with C(sudo).
  - The C(ports) check reads C(/proc/net/tcp) and C(/proc/net/tcp6) of the module's network namespace.
  - C(process.cpu_percent) is the lifetime average, like C(ps -o %cpu).
  - Floating point options must be finite numbers (no C(nan) or C(inf)).
  - A malformed RPC answer (a C(getpeers) of the wrong shape, a negative C(getconnectioncount), a block
    count above 2^32, a block hash that is not C(0x) and 64 hex digits) is reported in the check it
    concerns; every other check is still reported.
seealso:
  - name: Result contract
    description: The keys returned, shared with the daily role and the fleet report filter.
    link: https://example.invalid/neors/ops/docs/health-result.md
'''

EXAMPLES = r'''
- name: Morning health check (runbook "Daily Operations")
  neors.ops.neors_health:
  become: true
  register: health

- name: NeoGo node logging to a file, single validator, realistic memory threshold
  neors.ops.neors_health:
    rpc_url: http://127.0.0.1:20332
    service_name: neogo
    process_name: neogo
    data_dir: /var/lib/neogo/chains
    p2p_port: 20333
    log_source: file
    log_file: /var/log/neogo/neogo.log
    min_peers: 0
    memory_warn_mb: 512
  become: true

- name: Fail the play on an unhealthy node, with lag against the fleet's best height
  neors.ops.neors_health:
    reference_height: "{{ fleet_best_height }}"
    max_lag_blocks: 20
    output_path: /var/lib/neors-ops/health.json
    fail_on_unhealthy: true
  become: true

- name: Show what is wrong
  ansible.builtin.debug:
    msg: "{{ health.checks | dict2items | selectattr('value.status', 'ne', 'healthy') | map(attribute='key') | list }}"
'''

RETURN = r'''
overall_status:
  description: Worst status of the checks (C(unknown) not counted).
  returned: always
  type: str
  sample: healthy
timestamp:
  description: UTC time of the check, ISO 8601.
  returned: always
  type: str
  sample: "2026-12-03T15:45:09Z"
checks:
  description:
    - One entry per check, each C({status, message, value}); status is C(healthy), C(degraded), C(unhealthy)
      or C(unknown).
  returned: always
  type: dict
  contains:
    service:
      description: systemd unit state. Not active or not found is unhealthy.
      type: dict
      returned: always
      sample:
        status: healthy
        message: service neo-rs is active (running)
        value: {unit: neo-rs, load_state: loaded, active_state: active, sub_state: running, main_pid: 812, n_restarts: 0}
    process:
      description: Node process; missing is unhealthy, RSS above O(memory_warn_mb) degraded.
      type: dict
      returned: always
      sample:
        status: healthy
        message: process neo-node (pid 812) running for 3600s, RSS 41.2 MB, CPU 1.2%
        value: {name: neo-node, pid: 812, rss_kb: 42188, rss_mb: 41.2, cpu_percent: 1.2, uptime_seconds: 3600, open_fds: 57}
    rpc:
      description:
        - JSON-RPC endpoint. A failing C(getversion) or C(getblockcount) is unhealthy and its message is the
          error (for example C(RPC getversion at http://127.0.0.1:30332/rpc timed out after 10s)); a call slower
          than O(rpc_warn_ms) is degraded.
      type: dict
      returned: always
      sample:
        status: healthy
        message: RPC answering (/NEO-GO:0.120.0/, max latency 1.9 ms)
        value:
          url: http://127.0.0.1:30332/rpc
          latency_ms: {getversion: 1.2, getblockcount: 0.8, getconnectioncount: 0.7, getpeers: 1.9}
          max_latency_ms: 1.9
          useragent: /NEO-GO:0.120.0/
          network: 860833102
          error: null
    block_height:
      description: Height (C(getblockcount)), progress since the previous run and lag against O(reference_height).
      type: dict
      returned: always
      sample:
        status: healthy
        message: height 1234 (+60 since previous check)
        value: {height: 1234, previous_height: 1174, advanced: true, seconds_since_advance: 0, reference_height: null, lag: null}
    peers:
      description: Connected peers; fewer than O(min_peers) is degraded, C(unknown) when RPC is down.
      type: dict
      returned: always
      sample:
        status: healthy
        message: 3 connected peer(s)
        value: {connected_count: 3, connected: ["10.213.7.3:20333"], unconnected_count: 0, bad_count: 1}
    logs:
      description: Error lines (see O(error_pattern)); critical lines in the critical window are unhealthy, other error lines degraded.
      type: dict
      returned: always
      sample:
        status: healthy
        message: no error lines
        value: {source: journal, window_seconds: 86400, error_count: 0, critical_count: 0, recent: []}
    disk:
      description: File system of O(data_dir); at or above O(disk_crit_percent) unhealthy, O(disk_warn_percent) degraded.
      type: dict
      returned: always
      sample:
        status: healthy
        message: disk usage 41% on /opt/neo-rs/data
        value: {path: /opt/neo-rs/data, total_bytes: 10737418240, used_bytes: 4402341478, free_bytes: 6335076762,
                used_percent: 41.0, inodes_total: 655360, inodes_used: 32000, inodes_percent: 4.9, data_dir_bytes: 2097152}
    ports:
      description: Whether the RPC and P2P ports are listening; either one not listening is unhealthy.
      type: dict
      returned: always
      sample:
        status: healthy
        message: listening on rpc port 30332 and p2p port 30334
        value: {rpc: {port: 30332, listening: true}, p2p: {port: 30334, listening: true}}
node:
  description: Flat summary for tables; a key is null when it could not be read.
  returned: always
  type: dict
  contains:
    height: {description: getblockcount's number (not minus one)., type: int}
    network: {description: Network magic from getversion., type: int}
    useragent: {description: Node user agent., type: str}
    peers: {description: Connected peers., type: int}
    rpc_ms: {description: Max latency of the RPC calls made., type: float}
    rss_mb: {description: Process RSS in MiB., type: float}
    cpu_percent: {description: Lifetime CPU usage of the process., type: float}
    disk_percent: {description: Used percent of the data file system., type: float}
    error_count: {description: Error lines in the log window., type: int}
    critical_count: {description: Critical lines in the critical window., type: int}
    checkpoints:
      description:
        - Height (string key) to block hash, for the heights C(m) and C(m - s) with C(m = ((h-1)//s)*s) for each
          stride C(s) in 16, 256, 4096, 65536, 1048576, plus 0; C(h) is the block count.
        - Null when disabled or unavailable.
      type: dict
      sample: {"1232": "0xabc...", "1216": "0xdef...", "0": "0x123..."}
  sample:
    height: 1234
    network: 860833102
    useragent: /NEO-GO:0.120.0/
    peers: 4
    rpc_ms: 1.9
    rss_mb: 61.3
    cpu_percent: 1.2
    disk_percent: 41.0
    error_count: 0
    critical_count: 0
    checkpoints: {"1232": "0xabc..."}
'''

import time
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.neors.ops.plugins.module_utils import neors_health as health
from ansible_collections.neors.ops.plugins.module_utils import neors_system as system
from ansible_collections.neors.ops.plugins.module_utils.neors_args import (
    health_argument_spec, node_argument_spec, rpc_url_port, url_password, validate_health_params)
from ansible_collections.neors.ops.plugins.module_utils.neors_errors import NeorsError
from ansible_collections.neors.ops.plugins.module_utils.neors_rpc import RpcClient, gather_rpc

# Module-level so tests can point them at fixture trees.
PROC_ROOT = '/proc'
PROC_NET_TCP = ('/proc/net/tcp', '/proc/net/tcp6')


def _bin(module, name):
    path = module.get_bin_path(name)
    if not path:
        raise NeorsError('%s not found on the managed host' % name)
    return path


def run_checks(module, now):
    p = module.params
    checks = {}

    unit_info = None
    try:
        unit_info = system.systemd_unit(module, p['service_name'], _bin(module, 'systemctl'))
        checks['service'] = health.judge_service(unit_info)
    except NeorsError as e:
        checks['service'] = health.judge_service(None, error=e.message, unit=p['service_name'])

    pid, mismatch = system.find_process(p['process_name'], (unit_info or {}).get('main_pid'), PROC_ROOT,
                                        unit=p['service_name'])
    info = system.process_info(pid, PROC_ROOT) if pid else None
    checks['process'] = health.judge_process(info, p['process_name'], p['memory_warn_mb'], mismatch)

    client = RpcClient(p['rpc_url'], p['rpc_timeout'], p['rpc_username'], p['rpc_password'],
                       p['validate_certs'])
    facts = gather_rpc(client, checkpoints=p['checkpoints'])
    checks['rpc'] = health.judge_rpc(facts, p['rpc_warn_ms'])

    tracking = bool(p['state_file'])
    state = health.read_state(p['state_file']) if tracking else None
    checks['block_height'], new_state = health.judge_block_height(
        facts['height'], checks['rpc']['value']['network'], state, now, p['stall_seconds'],
        p['reference_height'], p['max_lag_blocks'], tracking=tracking)
    checks['peers'] = health.judge_peers(facts, p['min_peers'])

    try:
        if p['log_source'] == 'file':
            logs = system.file_errors(p['log_file'], p['error_pattern'], p['critical_patterns'],
                                      p['max_recent_errors'])
        else:
            logs = system.journal_errors(
                module, p['service_name'], now - p['log_window'], p['error_pattern'], p['critical_patterns'],
                now - p['critical_log_window'], p['max_recent_errors'], _bin(module, 'journalctl'))
        checks['logs'] = health.judge_logs(logs, p['log_source'], p['log_window'], p['critical_log_window'])
    except NeorsError as e:
        checks['logs'] = health.judge_logs(None, p['log_source'], p['log_window'], p['critical_log_window'],
                                           error=e.message)

    try:
        checks['disk'] = health.judge_disk(system.disk_usage(p['data_dir']), p['disk_warn_percent'],
                                           p['disk_crit_percent'])
    except NeorsError as e:
        checks['disk'] = health.judge_disk(None, p['disk_warn_percent'], p['disk_crit_percent'],
                                           path=p['data_dir'], error=e.message)

    rpc_port = p['rpc_port'] if p['rpc_port'] is not None else rpc_url_port(p['rpc_url'])
    try:
        checks['ports'] = health.judge_ports(system.listening_ports(PROC_NET_TCP), rpc_port, p['p2p_port'])
    except NeorsError as e:
        checks['ports'] = health.judge_ports(None, rpc_port, p['p2p_port'], error=e.message)

    return checks, facts.get('checkpoints'), new_state


def write_files(module, result, new_state):
    """Persist state (bookkeeping, never 'changed') and output_path; return changed.

    A write failure is a warning: the health result itself is the point of the task and
    must not be thrown away because a file could not be written.
    """
    p = module.params
    if module.check_mode:
        return False
    if p['state_file'] and new_state is not None:
        try:
            health.ensure_parent_dir(p['state_file'], 0o755)
            health.write_json_atomic(p['state_file'], new_state)
        except (OSError, IOError, NeorsError) as e:
            module.warn('could not write state file %s (stall detection needs it): %s' % (p['state_file'], e))
    if not p['output_path']:
        return False
    document = dict((k, result[k]) for k in ('overall_status', 'timestamp', 'checks', 'node'))
    try:
        health.ensure_parent_dir(p['output_path'], 0o755)
        health.write_json_atomic(p['output_path'], document)
    except (OSError, IOError, NeorsError) as e:
        module.warn('could not write output_path %s (the result is still returned): %s' % (p['output_path'], e))
        return False
    return True


def main():
    argument_spec = node_argument_spec()
    argument_spec.update(health_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=[('log_source', 'file', ('log_file',))],
        supports_check_mode=True,
    )
    # A password inside rpc_url is rejected below, but Ansible echoes module_args and the
    # message: have it masked there like rpc_password.
    embedded_password = url_password(module.params['rpc_url'])
    if embedded_password:
        module.no_log_values.add(embedded_password)
    try:
        validate_health_params(module.params)
        now = time.time()
        checks, checkpoints, new_state = run_checks(module, now)
        result = health.build_result(checks, health.utc_timestamp(now), checkpoints)
        result['changed'] = write_files(module, result, new_state)
    except NeorsError as e:
        module.fail_json(msg=e.message, **e.details)
    except Exception as e:  # a health check must report, never dump a traceback
        module.fail_json(msg='neors_health failed unexpectedly: %s: %s' % (type(e).__name__, e),
                         exception=traceback.format_exc())

    if module.params['fail_on_unhealthy'] and result['overall_status'] == health.UNHEALTHY:
        module.fail_json(msg='node is unhealthy: %s' % health.unhealthy_summary(result['checks']), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
