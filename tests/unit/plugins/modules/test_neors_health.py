# -*- coding: utf-8 -*-
"""End-to-end (in-process) tests of the neors_health module.

ansible-core 2.19 reads module args through ``ansible.module_utils.testing.patch_module_args``
(the old ``basic._ANSIBLE_ARGS = json`` trick no longer carries the serialization profile).
"""
from __future__ import absolute_import, division, print_function

import json
import os
import time

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.neors.ops.plugins.modules import neors_health as mod


class AnsibleExitJson(Exception):
    pass


class AnsibleFailJson(Exception):
    pass


def exit_json(self, **kwargs):
    kwargs.setdefault('changed', False)
    raise AnsibleExitJson(kwargs)


def fail_json(self, msg, **kwargs):
    kwargs['failed'] = True
    kwargs['msg'] = msg
    raise AnsibleFailJson(kwargs)


VERSION = {'tcpport': 30334, 'nonce': 7, 'useragent': '/NEO-GO:0.120.0/',
           'protocol': {'addressversion': 53, 'network': 860833102, 'msperblock': 1000}}
SHOW_ACTIVE = 'LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nNRestarts=0\n'
CONTRACT_CHECKS = {
    'service': {'unit', 'load_state', 'active_state', 'sub_state', 'main_pid', 'n_restarts'},
    'process': {'name', 'pid', 'rss_kb', 'rss_mb', 'cpu_percent', 'uptime_seconds', 'open_fds'},
    'rpc': {'url', 'latency_ms', 'max_latency_ms', 'useragent', 'network', 'error'},
    'block_height': {'height', 'previous_height', 'advanced', 'seconds_since_advance', 'reference_height', 'lag'},
    'peers': {'connected_count', 'connected', 'unconnected_count', 'bad_count'},
    'logs': {'source', 'window_seconds', 'error_count', 'critical_count', 'recent'},
    'disk': {'path', 'total_bytes', 'used_bytes', 'free_bytes', 'used_percent', 'inodes_total', 'inodes_used',
             'inodes_percent', 'data_dir_bytes'},
    'ports': {'rpc', 'p2p'},
}
CONTRACT_NODE = {'height', 'network', 'useragent', 'peers', 'rpc_ms', 'rss_mb', 'cpu_percent', 'disk_percent',
                 'error_count', 'critical_count', 'checkpoints'}


def hex_port(port):
    return '%04X' % port


class Env:
    """Fake host: systemctl/journalctl answers, a /proc tree, a data dir and the fake RPC server."""

    def __init__(self, tmp_path, server, monkeypatch):
        self.tmp = tmp_path
        self.server = server
        self.commands = []
        self.journal = (0, '', '')
        self.systemctl = (0, SHOW_ACTIVE, '')
        self.proc = tmp_path / 'proc'
        self.data = tmp_path / 'data'
        self.data.mkdir()
        (self.data / 'CURRENT').write_bytes(b'MANIFEST-000001\n')
        self.state_file = str(tmp_path / 'state' / 'health-state.json')
        self.make_process(4242)
        self.listen(server.port, 30334)
        server.answers.update({
            'getversion': VERSION, 'getblockcount': 1234, 'getconnectioncount': 2,
            'getpeers': {'connected': [{'address': '10.213.7.3', 'port': 20333},
                                       {'address': '10.213.7.4', 'port': 20333}],
                         'unconnected': [], 'bad': [{'address': '10.213.7.2', 'port': 20333}]},
            'getblockhash': lambda params: '0x%064x' % params[0],
        })
        monkeypatch.setattr(mod, 'PROC_ROOT', str(self.proc))
        monkeypatch.setattr(mod, 'PROC_NET_TCP', (str(self.proc / 'net' / 'tcp'), str(self.proc / 'net' / 'tcp6')))
        monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
        monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
        monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, *a, **kw: '/usr/bin/' + name)
        env = self

        def run_command(self, args, **kwargs):
            assert isinstance(args, list)
            env.commands.append(args)
            return env.systemctl if 'systemctl' in args[0] else env.journal
        monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)

    def make_process(self, pid, comm='neo-node', rss_kb=40960):
        d = self.proc / str(pid)
        (d / 'fd').mkdir(parents=True, exist_ok=True)
        (d / 'fd' / '0').write_text('')
        (d / 'comm').write_text(comm + '\n')
        (d / 'cmdline').write_bytes(b'/usr/local/bin/' + comm.encode() + b'\0')
        (d / 'stat').write_text('%d (%s) S 1 %d %d 0 -1 0 0 0 0 0 300 100 0 0 20 0 9 0 1000 0 0\n' % (pid, comm, pid, pid))
        (d / 'status').write_text('Name:\t%s\nVmRSS:\t%d kB\n' % (comm, rss_kb))
        (self.proc / 'uptime').write_text('1010.00 2000.00\n')

    def listen(self, *ports):
        (self.proc / 'net').mkdir(parents=True, exist_ok=True)
        lines = ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode']
        for i, port in enumerate(ports):
            lines.append('   %d: 0100007F:%s 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 %d 1'
                         % (i, hex_port(port), 100 + i))
        (self.proc / 'net' / 'tcp').write_text('\n'.join(lines) + '\n')

    def args(self, **kw):
        a = {'rpc_url': self.server.url, 'rpc_timeout': 2, 'data_dir': str(self.data),
             'state_file': self.state_file, 'min_peers': 1}
        a.update(kw)
        return a


@pytest.fixture
def env(tmp_path, rpc_server, monkeypatch):
    return Env(tmp_path, rpc_server, monkeypatch)


def run(args, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        try:
            mod.main()
        except AnsibleExitJson as e:
            return 'exit', e.args[0]
        except AnsibleFailJson as e:
            return 'fail', e.args[0]
    raise AssertionError('module returned without exit_json/fail_json')


def assert_contract(result):
    for key in ('changed', 'overall_status', 'timestamp', 'checks', 'node'):
        assert key in result
    assert set(result['checks']) == set(CONTRACT_CHECKS)
    for name, keys in CONTRACT_CHECKS.items():
        c = result['checks'][name]
        assert set(c) == {'status', 'message', 'value'}, name
        assert c['status'] in ('healthy', 'degraded', 'unhealthy', 'unknown'), name
        assert set(c['value']) == keys, name
        assert isinstance(c['message'], str) and c['message'], name
    assert set(result['node']) == CONTRACT_NODE
    assert time.strptime(result['timestamp'], '%Y-%m-%dT%H:%M:%SZ')
    json.dumps(result)


def test_healthy_node(env):
    how, r = run(env.args())
    assert how == 'exit'
    assert_contract(r)
    bad = dict((n, c['message']) for n, c in r['checks'].items() if c['status'] != 'healthy')
    assert bad == {} and r['overall_status'] == 'healthy' and r['changed'] is False
    assert r['node']['height'] == 1234 and r['node']['network'] == 860833102
    assert r['node']['useragent'] == '/NEO-GO:0.120.0/' and r['node']['peers'] == 2
    assert r['node']['rss_mb'] == 40.0 and r['node']['error_count'] == 0
    assert r['node']['checkpoints'] == dict((str(x), '0x%064x' % x) for x in (1232, 1216, 1024, 768, 0))
    assert sorted(r['checks']['rpc']['value']['latency_ms']) == ['getblockcount', 'getconnectioncount',
                                                                 'getpeers', 'getversion']
    assert r['node']['rpc_ms'] == r['checks']['rpc']['value']['max_latency_ms']
    assert r['checks']['process']['value']['pid'] == 4242  # MainPID from systemctl
    assert r['checks']['ports']['value'] == {'rpc': {'port': env.server.port, 'listening': True},
                                             'p2p': {'port': 30334, 'listening': True}}
    assert env.commands[0] == ['/usr/bin/systemctl', 'show', '-p',
                               'LoadState,ActiveState,SubState,MainPID,NRestarts', '--no-pager', '--', 'neo-rs']
    assert env.commands[1][:3] == ['/usr/bin/journalctl', '-u', 'neo-rs'] and '-g' in env.commands[1]
    # checkpoints were fetched in ONE batch request
    batches = [req for req in env.server.requests if isinstance(req['doc'], list)]
    assert len(batches) == 1 and len(batches[0]['doc']) == 5
    # state file written (bookkeeping, not a change), first observation
    state = json.load(open(env.state_file))
    assert state['height'] == 1234 and state['network'] == 860833102
    assert 'first observation' in r['checks']['block_height']['message']


def test_second_run_sees_advance_and_stall(env):
    run(env.args())
    env.server.answers['getblockcount'] = 1240
    how, r = run(env.args())
    bh = r['checks']['block_height']
    assert bh['status'] == 'healthy' and bh['value']['advanced'] is True and bh['value']['previous_height'] == 1234
    # pretend the last advance was long ago
    state = json.load(open(env.state_file))
    state['last_advance_epoch'] -= 1000
    json.dump(state, open(env.state_file, 'w'))
    how, r = run(env.args())
    assert r['checks']['block_height']['status'] == 'unhealthy'
    assert 'height 1240 has not advanced for' in r['checks']['block_height']['message']
    assert r['overall_status'] == 'unhealthy' and r['changed'] is False


def test_rpc_refused_is_unhealthy_result_not_failure(env, closed_port_url):
    how, r = run(env.args(rpc_url=closed_port_url, rpc_port=env.server.port))
    assert how == 'exit'
    assert_contract(r)
    assert r['overall_status'] == 'unhealthy'
    assert r['checks']['rpc']['status'] == 'unhealthy'
    assert 'connection refused' in r['checks']['rpc']['message'] and closed_port_url in r['checks']['rpc']['message']
    assert r['checks']['peers']['status'] == 'unknown' and r['checks']['block_height']['status'] == 'unknown'
    assert r['node']['height'] is None and r['node']['checkpoints'] is None
    assert not os.path.exists(env.state_file)  # nothing learnt, nothing stored


def test_rpc_timeout_message(env):
    env.server.delays['getversion'] = 1.5
    how, r = run(env.args(rpc_timeout=0.5))
    assert how == 'exit'
    assert r['checks']['rpc']['message'] == 'RPC getversion at %s timed out after 0.5s' % env.server.url


def test_fail_on_unhealthy(env):
    env.systemctl = (0, SHOW_ACTIVE.replace('ActiveState=active', 'ActiveState=failed')
                     .replace('SubState=running', 'SubState=failed').replace('MainPID=4242', 'MainPID=0'), '')
    env.listen(env.server.port)  # p2p port not listening
    how, r = run(env.args(fail_on_unhealthy=True))
    assert how == 'fail'
    assert r['msg'].startswith('node is unhealthy: ')
    assert 'service (service neo-rs is failed (failed))' in r['msg'] and 'ports (not listening: p2p port 30334)' in r['msg']
    assert_contract(r)
    assert r['overall_status'] == 'unhealthy'


def test_fail_on_unhealthy_not_triggered_by_degraded(env):
    env.make_process(4242, rss_kb=200 * 1024)
    how, r = run(env.args(fail_on_unhealthy=True))
    assert how == 'exit' and r['overall_status'] == 'degraded'
    assert r['checks']['process']['status'] == 'degraded'


def test_logs_critical_and_info_lines(env):
    now = time.time()
    lines = [
        {'__REALTIME_TIMESTAMP': str(int((now - 30) * 1e6)),
         'MESSAGE': '2026-12-03T15:00:00.000Z\tERROR\tfailed to persist blockchain\t{"error": "checksum mismatch"}'},
        {'__REALTIME_TIMESTAMP': str(int((now - 20) * 1e6)),
         'MESSAGE': 'INFO\tpeer disconnected\t{"addr": "10.0.0.2:20333", "error": "EOF"}'},
    ]
    env.journal = (0, '\n'.join(json.dumps(x) for x in lines), '')
    how, r = run(env.args())
    logs = r['checks']['logs']
    assert logs['status'] == 'unhealthy'
    assert logs['value']['error_count'] == 1 and logs['value']['critical_count'] == 1
    assert r['node']['critical_count'] == 1


def test_log_file_source(env):
    log = env.tmp / 'neogo.log'
    log.write_text('INFO\tok\nERROR\tcan\'t connect\t{"error": "refused"}\n')
    how, r = run(env.args(log_source='file', log_file=str(log)))
    assert r['checks']['logs']['status'] == 'degraded' and r['checks']['logs']['value']['source'] == 'file'
    assert not any('journalctl' in c[0] for c in env.commands)


def test_missing_data_dir_and_process(env):
    how, r = run(env.args(data_dir=str(env.tmp / 'nope'), process_name='neogo'))
    assert r['checks']['disk']['status'] == 'unhealthy'
    assert r['checks']['disk']['message'] == 'data_dir %s does not exist' % (env.tmp / 'nope')
    # MainPID 4242 exists, so the process is found through systemd even with another name
    env.systemctl = (0, SHOW_ACTIVE.replace('MainPID=4242', 'MainPID=0'), '')
    how, r = run(env.args(process_name='neogo'))
    assert r['checks']['process']['status'] == 'unhealthy'
    assert r['checks']['process']['message'] == 'process neogo is not running'


def test_check_mode_writes_nothing(env):
    out = env.tmp / 'out' / 'health.json'
    how, r = run(env.args(output_path=str(out)), check_mode=True)
    assert how == 'exit' and r['changed'] is False
    assert not os.path.exists(env.state_file) and not out.exists()


def test_check_mode_reads_state(env):
    run(env.args())
    before = open(env.state_file).read()
    env.server.answers['getblockcount'] = 1300
    how, r = run(env.args(), check_mode=True)
    assert r['checks']['block_height']['value']['previous_height'] == 1234
    assert open(env.state_file).read() == before


def test_output_path_written_changed(env):
    out = env.tmp / 'reports' / 'health.json'
    how, r = run(env.args(output_path=str(out)))
    assert how == 'exit' and r['changed'] is True
    doc = json.load(open(str(out)))
    assert set(doc) == {'overall_status', 'timestamp', 'checks', 'node'}
    assert doc['node'] == r['node'] and doc['overall_status'] == r['overall_status']


def test_state_file_disabled(env):
    how, r = run(env.args(state_file=''))
    assert 'disabled' in r['checks']['block_height']['message']
    assert not os.path.exists(env.state_file)


def test_lag_against_reference(env):
    how, r = run(env.args(reference_height=1300, max_lag_blocks=10))
    assert r['checks']['block_height']['status'] == 'unhealthy' and r['checks']['block_height']['value']['lag'] == 66


@pytest.mark.parametrize('args, fragment', [
    ({'log_source': 'file'}, 'log_file'),
    ({'rpc_url': 'ftp://127.0.0.1:30332/rpc'}, 'rpc_url must be an http:// or https:// URL'),
    ({'rpc_url': 'http://127.0.0.1:port/rpc'}, 'is malformed'),
    ({'stall_seconds': -1}, 'stall_seconds must not be negative'),
    ({'disk_warn_percent': 95}, 'must not be greater than disk_crit_percent'),
    ({'error_pattern': '(oops'}, 'not a valid regular expression'),
    ({'log_source': 'syslog'}, 'log_source'),
])
def test_bad_options_fail_clearly(env, args, fragment):
    how, r = run(env.args(**args))
    assert how == 'fail' and fragment in r['msg']
    assert env.commands == [] and env.server.requests == []  # nothing was inspected


def test_unexpected_exception_is_clean_failure(env, monkeypatch):
    def boom(*a, **kw):
        raise KeyError('surprise')
    monkeypatch.setattr(mod.health, 'judge_disk', boom)
    how, r = run(env.args())
    assert how == 'fail'
    assert r['msg'] == "neors_health failed unexpectedly: KeyError: 'surprise'"


def test_unwritable_state_file_warns_only(env, monkeypatch):
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, w: warnings.append(w))
    blocker = env.tmp / 'file'
    blocker.write_text('')
    how, r = run(env.args(state_file=str(blocker / 'state.json')))
    assert how == 'exit' and r['changed'] is False
    assert warnings and 'could not write state file' in warnings[0]


def test_null_option_fails_clearly(env):
    # ansible-core rejects an explicit null for a typed option before the module runs: a clear
    # message naming the option, and nothing inspected.
    how, r = run(env.args(log_window=None))
    assert how == 'fail'
    assert "'log_window'" in r['msg'] and 'NoneType' in r['msg']
    assert env.commands == [] and env.server.requests == []


# ---------------------------------------------------------------------------
# review findings

def test_credentials_in_rpc_url_rejected_and_masked(env, monkeypatch):
    seen = {}
    real_fail = basic.AnsibleModule.fail_json

    def capture(self, msg, **kwargs):
        seen['no_log_values'] = set(self.no_log_values)
        real_fail(self, msg, **kwargs)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', capture)
    how, r = run(env.args(rpc_url='http://neo:s3cret@127.0.0.1:%d/rpc' % env.server.port))
    assert how == 'fail' and 'must not contain credentials' in r['msg'] and 'rpc_username' in r['msg']
    assert 's3cret' not in json.dumps(r)
    assert 's3cret' in seen['no_log_values']  # Ansible masks it in module_args too
    assert env.commands == [] and env.server.requests == []


@pytest.mark.parametrize('args, fragment', [
    ({'service_name': '-H127.0.0.1'}, 'must not start with "-"'),
    ({'service_name': 'neo-*'}, 'no glob characters'),
    ({'process_name': '/usr/bin/neo-node'}, 'not a path'),
    ({'rpc_timeout': float('nan')}, 'rpc_timeout must be a finite number'),
    ({'rpc_timeout': 'inf'}, 'rpc_timeout must be a finite number'),
    ({'log_window': 10 ** 11}, 'log_window must be at most'),
    ({'critical_patterns': ['']}, 'must not contain empty strings'),
    ({'data_dir': ''}, 'data_dir must not be empty'),
])
def test_more_bad_options_fail_clearly(env, args, fragment):
    how, r = run(env.args(**args))
    assert how == 'fail' and fragment in r['msg']
    assert env.commands == [] and env.server.requests == []


def test_output_path_failure_is_warning_with_full_result(env, monkeypatch):
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, w: warnings.append(w))
    blocker = env.tmp / 'reports'
    blocker.write_text('')
    out = blocker / 'daily' / 'health.json'
    how, r = run(env.args(output_path=str(out)))
    assert how == 'exit' and r['changed'] is False
    assert_contract(r)
    assert r['overall_status'] == 'healthy'
    assert warnings == ['could not write output_path %s (the result is still returned): cannot create directory %s: '
                        '%s exists and is not a directory' % (out, blocker / 'daily', blocker)]


def test_output_path_is_a_directory(env, monkeypatch):
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, w: warnings.append(w))
    how, r = run(env.args(output_path=str(env.tmp)))
    assert how == 'exit' and r['changed'] is False and 'is a directory' in warnings[0]


def test_main_pid_is_not_process_name(env):
    how, r = run(env.args(process_name='neogo'))
    p = r['checks']['process']
    assert p['status'] == 'degraded'
    assert p['message'].startswith('unit neo-rs main process is neo-node (pid 4242), not neogo; running for')
    assert p['value']['pid'] == 4242 and p['value']['rss_mb'] == 40.0


def test_wrapper_main_pid_uses_the_named_child(env):
    env.make_process(4242, comm='sh')
    env.make_process(4300, comm='neo-node', rss_kb=20480)
    stat_path = env.proc / '4300' / 'stat'
    stat_path.write_text(stat_path.read_text().replace('(neo-node) S 1 ', '(neo-node) S 4242 '))
    how, r = run(env.args())
    p = r['checks']['process']
    assert p['status'] == 'healthy' and p['value']['pid'] == 4300 and p['value']['rss_mb'] == 20.0


@pytest.mark.parametrize('peers', [
    {'connected': [], 'unconnected': 5, 'bad': []},
    {'connected': [], 'unconnected': [], 'bad': True},
    {'connected': ['10.0.0.1:1', 7], 'unconnected': [], 'bad': []},
    'garbage',
])
def test_malformed_getpeers_keeps_every_check(env, peers):
    env.server.answers['getpeers'] = peers
    how, r = run(env.args())
    assert how == 'exit'
    assert_contract(r)
    assert r['checks']['peers']['status'] == 'degraded'
    assert 'malformed getpeers answer' in r['checks']['peers']['message']
    others = dict((n, c['status']) for n, c in r['checks'].items() if n != 'peers')
    assert set(others.values()) == {'healthy'}, others


def test_negative_connection_count(env):
    env.server.answers['getconnectioncount'] = -5
    how, r = run(env.args())
    peers = r['checks']['peers']
    assert peers['status'] == 'degraded' and '-5 connected' not in peers['message']
    assert 'getconnectioncount' in peers['message'] and peers['value']['connected_count'] == 2  # from getpeers


def test_unreadable_journal_is_not_healthy(env):
    env.journal = (1, '', 'No journal files were opened due to insufficient permissions.\n')
    how, r = run(env.args())
    logs = r['checks']['logs']
    assert logs['status'] == 'degraded'
    assert logs['message'] == ('cannot read the journal: journalctl -u neo-rs failed (rc=1): '
                               'No journal files were opened due to insufficient permissions.')
    assert logs['value']['error_count'] is None


def test_journal_no_match_is_healthy(env):
    env.journal = (1, '', '')  # journalctl -g on the lab: nothing matched
    how, r = run(env.args())
    assert r['checks']['logs']['status'] == 'healthy' and r['checks']['logs']['value']['error_count'] == 0


@pytest.mark.parametrize('text', [
    '{"height": 1000, "network": 860833102, "last_advance_epoch": NaN, "observed_epoch": 1}',
    '{"height": 1000, "network": 860833102, "last_advance_epoch": 1e400, "observed_epoch": 1}',
    '{"height": 1234, "network": 860833102, "last_advance_epoch": Infinity}',
    '{"height": "1234", "network": 860833102, "last_advance_epoch": 5}',
])
def test_corrupt_state_file_is_first_observation(env, text):
    os.makedirs(os.path.dirname(env.state_file))
    with open(env.state_file, 'w') as f:
        f.write(text)
    how, r = run(env.args())
    assert how == 'exit'
    bh = r['checks']['block_height']
    assert bh['status'] == 'healthy' and 'first observation' in bh['message'] and bh['value']['previous_height'] is None
    state = json.load(open(env.state_file))
    assert state['height'] == 1234 and abs(state['last_advance_epoch'] - time.time()) < 60


def test_state_from_the_future(env):
    run(env.args())
    state = json.load(open(env.state_file))
    state['last_advance_epoch'] += 7200
    state['observed_epoch'] += 7200
    json.dump(state, open(env.state_file, 'w'))
    how, r = run(env.args())
    bh = r['checks']['block_height']
    assert bh['status'] == 'degraded' and 'state file is from the future' in bh['message']
    assert json.load(open(env.state_file))['last_advance_epoch'] < time.time() + 60  # reset to now


def test_rpc_timeout_bounds_whole_call_in_module(env):
    env.server.delays['getversion'] = 3
    start = time.monotonic()
    how, r = run(env.args(rpc_timeout=1))
    assert time.monotonic() - start < 2.5
    assert r['checks']['rpc']['message'] == 'RPC getversion at %s timed out after 1s' % env.server.url


def test_bad_checkpoint_hash_dropped(env):
    env.server.answers['getblockhash'] = lambda params: 'zz' if params[0] == 1024 else '0x%064x' % params[0]
    how, r = run(env.args())
    assert r['checks']['rpc']['status'] == 'degraded'
    assert 'bad block hash at height 1024' in r['checks']['rpc']['message']
    assert '1024' not in r['node']['checkpoints'] and '1232' in r['node']['checkpoints']
