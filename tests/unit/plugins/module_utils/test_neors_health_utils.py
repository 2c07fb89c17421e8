# -*- coding: utf-8 -*-
"""Judging logic of neors_health (pure functions)."""
from __future__ import absolute_import, division, print_function

import json
import os
import stat

import pytest

from ansible_collections.neors.ops.plugins.module_utils import neors_health as h

NOW = 1796313600.0


# ---------------------------------------------------------------------------
# checkpoints

def test_checkpoint_heights_contract_example():
    # h = 1234: stride 16 -> 1232, 1216; 256 -> 1024, 768; 4096 -> 0 (0 - 4096 < 0); larger -> 0; plus 0
    assert h.checkpoint_heights(1234) == [1232, 1216, 1024, 768, 0]


@pytest.mark.parametrize('count, expected', [
    (0, []), (None, []), (1, [0]), (16, [0]), (17, [16, 0]), (33, [32, 16, 0]),
])
def test_checkpoint_heights_small(count, expected):
    assert h.checkpoint_heights(count) == expected


def test_checkpoints_shared_between_close_heights():
    for a, b in [(1000, 1014), (5000, 5200), (70000, 73000), (2000000, 2060000)]:
        common = set(h.checkpoint_heights(a)) & set(h.checkpoint_heights(b))
        assert max(common) > 0
        assert all(x < min(a, b) for x in common)  # both nodes have those blocks


def test_checkpoint_heights_large_all_strides():
    hs = h.checkpoint_heights(5000000)
    assert hs[0] == 4999984 and 4194304 in hs and 3145728 in hs and hs[-1] == 0
    assert hs == sorted(set(hs), reverse=True)


# ---------------------------------------------------------------------------
# overall

def test_worst_and_unknown():
    assert h.worst([]) == 'healthy'
    assert h.worst(['healthy', 'unknown']) == 'healthy'
    assert h.worst(['unknown', 'degraded', 'healthy']) == 'degraded'
    assert h.worst(['degraded', 'unhealthy', 'unknown']) == 'unhealthy'
    checks = {'a': h.check('healthy', '', {}), 'b': h.check('unknown', '', {})}
    assert h.overall_status(checks) == 'healthy'


# ---------------------------------------------------------------------------
# block height / stall

def state(height, last_advance, network=860833102, observed=None):
    return {'height': height, 'network': network, 'last_advance_epoch': last_advance,
            'observed_epoch': observed if observed is not None else last_advance}


def judge(height, st, now=NOW, stall=120, ref=None, lag=10, network=860833102, tracking=True):
    return h.judge_block_height(height, network, st, now, stall, ref, lag, tracking=tracking)


def test_first_observation():
    c, new = judge(1000, None)
    assert c['status'] == 'healthy' and 'first observation' in c['message']
    assert new == state(1000, NOW)
    assert c['value'] == {'height': 1000, 'previous_height': None, 'advanced': None,
                          'seconds_since_advance': None, 'reference_height': None, 'lag': None}


@pytest.mark.parametrize('garbage', [{}, {'height': 'x', 'last_advance_epoch': 1}, {'height': 5}, [1], 'x'])
def test_corrupt_state_is_first_observation(garbage):
    c, new = judge(1000, garbage)
    assert c['status'] == 'healthy' and 'first observation' in c['message'] and new['height'] == 1000


def test_advanced():
    c, new = judge(1060, state(1000, NOW - 600))
    assert c['status'] == 'healthy' and c['value']['advanced'] is True
    assert c['value']['previous_height'] == 1000 and c['value']['seconds_since_advance'] == 0
    assert new == state(1060, NOW)
    assert '+60' in c['message']


def test_not_advanced_within_limit_keeps_last_advance():
    c, new = judge(1000, state(1000, NOW - 100, observed=NOW - 50))
    assert c['status'] == 'healthy' and c['value']['advanced'] is False
    assert c['value']['seconds_since_advance'] == 100
    assert new['last_advance_epoch'] == NOW - 100 and new['observed_epoch'] == NOW


def test_stalled():
    c, new = judge(1000, state(1000, NOW - 300))
    assert c['status'] == 'unhealthy'
    assert 'height 1000 has not advanced for 300 s' in c['message']
    assert new['last_advance_epoch'] == NOW - 300  # the stall keeps counting from the last advance


def test_stall_boundary_is_strictly_greater():
    assert judge(1000, state(1000, NOW - 120))[0]['status'] == 'healthy'
    assert judge(1000, state(1000, NOW - 121))[0]['status'] == 'unhealthy'


def test_height_went_down_resets():
    c, new = judge(900, state(1000, NOW - 5000))
    assert c['status'] == 'degraded' and 'went down from 1000 to 900' in c['message']
    assert new == state(900, NOW)


def test_network_changed_resets():
    c, new = judge(1000, state(1000, NOW - 5000, network=1), network=2)
    assert c['status'] == 'degraded' and 'network changed from 1 to 2' in c['message']
    assert new == state(1000, NOW, network=2)


def test_height_unknown_keeps_state():
    c, new = judge(None, state(1000, NOW - 5000))
    assert c['status'] == 'unknown' and new is None and c['value']['previous_height'] == 1000


def test_tracking_disabled():
    c, new = judge(1000, None, tracking=False)
    assert c['status'] == 'healthy' and new is None and 'disabled' in c['message']


@pytest.mark.parametrize('ref, status, lag', [(1005, 'healthy', 5), (1010, 'healthy', 10), (1011, 'unhealthy', 11),
                                              (990, 'healthy', -10)])
def test_lag(ref, status, lag):
    c, new = judge(1000, None, ref=ref)
    assert c['status'] == status and c['value']['lag'] == lag and c['value']['reference_height'] == ref
    if status == 'unhealthy':
        assert '11 blocks behind reference height 1011' in c['message']


def test_lag_and_stall_combined_worst():
    c, new = judge(1000, state(1000, NOW - 10), ref=2000)
    assert c['status'] == 'unhealthy'


# ---------------------------------------------------------------------------
# other checks

def unit(active='active', sub='running', load='loaded', restarts=0):
    return {'unit': 'neo-rs', 'load_state': load, 'active_state': active, 'sub_state': sub,
            'main_pid': 812, 'n_restarts': restarts}


def test_service():
    assert h.judge_service(unit())['status'] == 'healthy'
    c = h.judge_service(unit('failed', 'failed', restarts=3))
    assert c['status'] == 'unhealthy' and c['message'] == 'service neo-rs is failed (failed), 3 restart(s)'
    assert h.judge_service(unit('inactive', 'dead', load='not-found'))['status'] == 'unhealthy'
    c = h.judge_service(None, error='systemctl missing', unit='neo-rs')
    assert c['status'] == 'unhealthy' and 'systemctl missing' in c['message'] and c['value']['unit'] == 'neo-rs'


def test_process():
    info = {'pid': 1, 'rss_kb': 40960, 'rss_mb': 40.0, 'cpu_percent': 1.0, 'uptime_seconds': 9, 'open_fds': 3}
    assert h.judge_process(info, 'neo-node', 50)['status'] == 'healthy'
    c = h.judge_process(dict(info, rss_mb=50.1), 'neo-node', 50)
    assert c['status'] == 'degraded' and '50.1 MB > 50 MB' in c['message']
    assert h.judge_process(dict(info, rss_mb=50.0), 'neo-node', 50)['status'] == 'healthy'
    assert h.judge_process(info, 'neo-node', 50)['message'] == 'process neo-node (pid 1) running for 9s, RSS 40.0 MB, CPU 1.0%'
    c = h.judge_process(None, 'neo-node', 50)
    assert c['status'] == 'unhealthy' and c['message'] == 'process neo-node is not running'
    assert c['value'] == {'name': 'neo-node', 'pid': None, 'rss_kb': None, 'rss_mb': None, 'cpu_percent': None,
                          'uptime_seconds': None, 'open_fds': None}


VERSION = {'useragent': '/NEO-GO:0.120.0/', 'protocol': {'network': 860833102}}


def rpc_facts(**kw):
    f = {'url': 'http://127.0.0.1:30332/rpc', 'latency_ms': {'getversion': 1.2, 'getblockcount': 0.8},
         'version': VERSION, 'height': 10, 'core_error': None, 'connection_count': 3,
         'peers': {'connected': [{'address': '10.0.0.2', 'port': 20333}], 'unconnected': [{}], 'bad': [{}, {}]},
         'peer_errors': [], 'checkpoints': None, 'checkpoints_error': None}
    f.update(kw)
    return f


def test_rpc():
    c = h.judge_rpc(rpc_facts(), 1000)
    assert c['status'] == 'healthy'
    assert c['value'] == {'url': 'http://127.0.0.1:30332/rpc', 'latency_ms': {'getversion': 1.2, 'getblockcount': 0.8},
                          'max_latency_ms': 1.2, 'useragent': '/NEO-GO:0.120.0/', 'network': 860833102, 'error': None}
    c = h.judge_rpc(rpc_facts(latency_ms={'getversion': 1500.0, 'getblockcount': 2}), 1000)
    assert c['status'] == 'degraded' and 'getversion took 1500 ms' in c['message']
    msg = 'RPC getversion at http://127.0.0.1:30332/rpc timed out after 10s'
    c = h.judge_rpc(rpc_facts(core_error=msg, version=None, latency_ms={}), 1000)
    assert c['status'] == 'unhealthy' and c['message'] == msg and c['value']['error'] == msg
    assert c['value']['max_latency_ms'] is None
    c = h.judge_rpc(rpc_facts(checkpoints_error='RPC batch ... failed'), 1000)
    assert c['status'] == 'degraded' and 'checkpoint' in c['message']


def test_peers():
    c = h.judge_peers(rpc_facts(), 1)
    assert c['status'] == 'healthy'
    assert c['value'] == {'connected_count': 3, 'connected': ['10.0.0.2:20333'], 'unconnected_count': 1, 'bad_count': 2}
    assert h.judge_peers(rpc_facts(connection_count=0, peers={'connected': []}), 1)['status'] == 'degraded'
    assert h.judge_peers(rpc_facts(connection_count=0, peers={'connected': []}), 0)['status'] == 'healthy'
    c = h.judge_peers(rpc_facts(core_error='down', connection_count=None, peers=None), 1)
    assert c['status'] == 'unknown' and c['value']['connected_count'] is None
    c = h.judge_peers(rpc_facts(connection_count=None, peers=None, peer_errors=['RPC getpeers ... -32601']), 1)
    assert c['status'] == 'degraded' and '-32601' in c['message']
    c = h.judge_peers(rpc_facts(connection_count=None, peer_errors=['RPC getconnectioncount ... x']), 1)
    assert c['status'] == 'degraded' and c['value']['connected_count'] == 1  # counted from getpeers


def test_logs():
    ok = {'error_count': 0, 'critical_count': 0, 'recent': []}
    assert h.judge_logs(ok, 'journal', 86400, 900)['status'] == 'healthy'
    c = h.judge_logs({'error_count': 3, 'critical_count': 0, 'recent': ['a']}, 'journal', 86400, 900)
    assert c['status'] == 'degraded' and '3 error line(s)' in c['message']
    c = h.judge_logs({'error_count': 3, 'critical_count': 1, 'recent': ['ERROR\tfailed to persist']},
                     'journal', 86400, 900)
    assert c['status'] == 'unhealthy' and 'failed to persist' in c['message']
    assert c['value'] == {'source': 'journal', 'window_seconds': 86400, 'error_count': 3, 'critical_count': 1,
                          'recent': ['ERROR\tfailed to persist']}
    c = h.judge_logs(None, 'file', 86400, 900, error='log file /x does not exist')
    assert c['status'] == 'degraded' and c['value']['error_count'] is None


def disk(pct, inodes=10.0):
    return {'path': '/d', 'total_bytes': 100, 'used_bytes': pct, 'free_bytes': 100 - pct, 'used_percent': pct,
            'inodes_total': 10, 'inodes_used': 1, 'inodes_percent': inodes, 'data_dir_bytes': 5}


@pytest.mark.parametrize('pct, inodes, status', [
    (41.0, 10.0, 'healthy'), (79.9, 10.0, 'healthy'), (80.0, 10.0, 'degraded'), (89.9, 10.0, 'degraded'),
    (90.0, 10.0, 'unhealthy'), (10.0, 95.0, 'unhealthy'), (10.0, None, 'healthy')])
def test_disk(pct, inodes, status):
    assert h.judge_disk(disk(pct, inodes), 80, 90)['status'] == status


def test_disk_error():
    c = h.judge_disk(None, 80, 90, path='/opt/neo-rs/data', error='data_dir /opt/neo-rs/data does not exist')
    assert c['status'] == 'unhealthy' and c['value']['path'] == '/opt/neo-rs/data' and c['value']['used_percent'] is None


def test_ports():
    c = h.judge_ports({30332, 30334, 22}, 30332, 30334)
    assert c['status'] == 'healthy'
    assert c['value'] == {'rpc': {'port': 30332, 'listening': True}, 'p2p': {'port': 30334, 'listening': True}}
    c = h.judge_ports({30332}, 30332, 30334)
    assert c['status'] == 'unhealthy' and c['message'] == 'not listening: p2p port 30334'
    assert h.judge_ports(None, 30332, 30334, error='x')['status'] == 'degraded'


def test_build_result_and_summary():
    checks = {
        'service': h.judge_service(unit()),
        'process': h.judge_process({'pid': 1, 'rss_kb': 62771, 'rss_mb': 61.3, 'cpu_percent': 1.2,
                                    'uptime_seconds': 9, 'open_fds': 3}, 'neo-node', 100),
        'rpc': h.judge_rpc(rpc_facts(), 1000),
        'block_height': judge(1234, None)[0],
        'peers': h.judge_peers(rpc_facts(), 1),
        'logs': h.judge_logs({'error_count': 2, 'critical_count': 0, 'recent': ['x']}, 'journal', 86400, 900),
        'disk': h.judge_disk(disk(41.0), 80, 90),
        'ports': h.judge_ports({30332}, 30332, 30334),
    }
    r = h.build_result(checks, '2026-12-03T15:45:09Z', {'1232': '0xabc'})
    assert r['overall_status'] == 'unhealthy'
    assert r['node'] == {'height': 1234, 'network': 860833102, 'useragent': '/NEO-GO:0.120.0/', 'peers': 3,
                         'rpc_ms': 1.2, 'rss_mb': 61.3, 'cpu_percent': 1.2, 'disk_percent': 41.0,
                         'error_count': 2, 'critical_count': 0, 'checkpoints': {'1232': '0xabc'}}
    assert h.unhealthy_summary(r['checks']) == 'ports (not listening: p2p port 30334)'
    assert h.utc_timestamp(NOW) == '2026-12-03T16:00:00Z'


# ---------------------------------------------------------------------------
# files

def test_write_json_atomic_and_read_state(tmp_path):
    path = str(tmp_path / 'state.json')
    h.write_json_atomic(path, {'height': 5, 'last_advance_epoch': 1.0})
    assert json.load(open(path)) == {'height': 5, 'last_advance_epoch': 1.0}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    h.write_json_atomic(path, {'height': 6}, mode=0o600)
    assert h.read_state(path) == {'height': 6} and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ['state.json']  # no temp files left behind


def test_write_json_atomic_failure_keeps_old_file(tmp_path):
    path = str(tmp_path / 'out.json')
    h.write_json_atomic(path, {'a': 1})
    with pytest.raises(TypeError):
        h.write_json_atomic(path, {'a': object()})
    assert json.load(open(path)) == {'a': 1}
    assert os.listdir(str(tmp_path)) == ['out.json']


def test_read_state_bad(tmp_path):
    assert h.read_state(str(tmp_path / 'missing.json')) is None
    (tmp_path / 'bad.json').write_text('{not json')
    assert h.read_state(str(tmp_path / 'bad.json')) is None
    (tmp_path / 'list.json').write_text('[1]')
    assert h.read_state(str(tmp_path / 'list.json')) is None


def test_ensure_parent_dir(tmp_path):
    path = str(tmp_path / 'a' / 'b' / 'state.json')
    h.ensure_parent_dir(path)
    assert os.path.isdir(str(tmp_path / 'a' / 'b'))


def test_ensure_parent_dir_blocked_by_a_file(tmp_path):
    (tmp_path / 'reports').write_text('')
    with pytest.raises(h.NeorsError) as ei:
        h.ensure_parent_dir(str(tmp_path / 'reports' / 'daily' / 'health.json'))
    assert ei.value.message == 'cannot create directory %s: %s exists and is not a directory' % (
        tmp_path / 'reports' / 'daily', tmp_path / 'reports')
    with pytest.raises(h.NeorsError) as ei:
        h.ensure_parent_dir(str(tmp_path))
    assert ei.value.message == '%s is a directory' % tmp_path


# ---------------------------------------------------------------------------
# corrupt or future state (item: state file from a crashed run, a hand edit, a clock jump)

@pytest.mark.parametrize('text', [
    '{"height": 1000, "network": 1, "last_advance_epoch": NaN, "observed_epoch": 1}',
    '{"height": 1000, "network": 1, "last_advance_epoch": Infinity, "observed_epoch": 1}',
    '{"height": 1000, "network": 1, "last_advance_epoch": 1e400, "observed_epoch": 1}',
    '{"height": 1000, "network": 1, "last_advance_epoch": -Infinity, "observed_epoch": 1}',
    '{"height": 1000, "network": 1, "last_advance_epoch": 1796313000, "observed_epoch": NaN}',
    '{"height": 1000, "network": 1, "last_advance_epoch": "yesterday"}',
    '{"height": -5, "network": 1, "last_advance_epoch": 1796313000}',
    '{"height": 1e400, "network": 1, "last_advance_epoch": 1796313000}',
    '{"height": 1000.0, "network": 1, "last_advance_epoch": 1796313000}',
    '{"height": true, "network": 1, "last_advance_epoch": 1796313000}',
    '{"height": 1000, "network": [1], "last_advance_epoch": 1796313000}',
    '{"height": 1000, "network": 1, "last_advance_epoch": false}',
])
def test_malformed_state_file_is_first_observation(tmp_path, text):
    path = tmp_path / 'state.json'
    path.write_text(text)
    c, new = judge(1000, h.read_state(str(path)), network=1)
    assert c['status'] == 'healthy' and 'first observation' in c['message']
    assert c['value']['previous_height'] is None  # nothing from the corrupt file is echoed
    assert new == state(1000, NOW, network=1)
    json.dumps(c, allow_nan=False)


@pytest.mark.parametrize('st', [
    state(1000, NOW + 3600),                       # last advance in the future
    state(1000, NOW - 500, observed=NOW + 61),     # observed in the future
    state(900, NOW + 86400 * 365),
])
def test_state_from_the_future_resets_degraded(st):
    c, new = judge(1000, st)
    assert c['status'] == 'degraded'
    assert 'state file is from the future' in c['message'] and 'clock moved backwards' in c['message']
    assert 'stall tracking reset at height 1000' in c['message']
    assert new == state(1000, NOW)


def test_state_slightly_ahead_is_tolerated():
    c, new = judge(1000, state(1000, NOW + 60))
    assert c['status'] == 'healthy' and c['value']['seconds_since_advance'] == 0


# ---------------------------------------------------------------------------
# odd getpeers answers never crash, they degrade the peers check

@pytest.mark.parametrize('peers, count, fragment', [
    ({'connected': [], 'unconnected': 5, 'bad': []}, 0, 'getpeers "unconnected" is a number, not an array'),
    ({'connected': [], 'unconnected': [], 'bad': True}, 0, 'getpeers "bad" is a boolean, not an array'),
    ({'connected': ['10.0.0.2:20333', None], 'unconnected': [], 'bad': []}, 2,
     'getpeers connected[0] is not an {address, port} object: "10.0.0.2:20333"'),
    ({'connected': {'address': 'x'}, 'unconnected': [], 'bad': []}, 2, 'getpeers "connected" is an object, not an array'),
    ([1, 2], 2, 'getpeers returned an array instead of an object'),
    ('nope', 2, 'getpeers returned a string instead of an object'),
    ({'connected': [{'address': '10.0.0.2', 'port': '20333'}]}, 2, 'connected[0] is not an {address, port}'),
])
def test_peers_malformed_getpeers(peers, count, fragment):
    c = h.judge_peers(rpc_facts(connection_count=2, peers=peers), 1)
    assert c['status'] == 'degraded'
    assert 'malformed getpeers answer' in c['message'] and fragment in c['message'], c['message']
    assert c['value']['connected_count'] == 2
    json.dumps(c)


def test_peers_malformed_without_connection_count():
    c = h.judge_peers(rpc_facts(connection_count=None, peers={'connected': 3, 'unconnected': [], 'bad': []}), 1)
    assert c['status'] == 'degraded' and c['value']['connected_count'] is None
    assert c['value']['unconnected_count'] == 0 and c['value']['bad_count'] == 0
    c = h.judge_peers(rpc_facts(connection_count=None,
                                peers={'connected': [{'address': '10.0.0.2', 'port': 1}, 7], 'bad': []}), 1)
    assert c['status'] == 'degraded' and c['value']['connected_count'] == 1
    assert c['value']['connected'] == ['10.0.0.2:1'] and c['value']['unconnected_count'] == 0


def test_peers_negative_count_never_reported():
    c = h.judge_peers(rpc_facts(connection_count=-5, peers={'connected': [], 'unconnected': [], 'bad': []}), 0)
    assert '-5' not in c['message'] and c['value']['connected_count'] == 0


# ---------------------------------------------------------------------------
# process / rpc / disk notes

INFO = {'pid': 4242, 'rss_kb': 40960, 'rss_mb': 40.0, 'cpu_percent': 1.0, 'uptime_seconds': 9, 'open_fds': 3}


def test_process_mismatch_is_degraded_with_figures():
    c = h.judge_process(INFO, 'neogo', 50, mismatch='unit neo-rs main process is neo-node (pid 4242), not neogo')
    assert c['status'] == 'degraded'
    assert c['message'] == ('unit neo-rs main process is neo-node (pid 4242), not neogo; '
                            'running for 9s, RSS 40.0 MB, CPU 1.0%')
    assert c['value']['pid'] == 4242 and c['value']['rss_mb'] == 40.0
    c = h.judge_process(dict(INFO, rss_mb=80.0), 'neogo', 50, mismatch='unit x main process is y (pid 1), not neogo')
    assert c['status'] == 'degraded' and 'not neogo' in c['message'] and 'high memory usage' in c['message']


def test_process_open_fds_unreadable_says_why():
    c = h.judge_process(dict(INFO, open_fds=None, open_fds_error='Permission denied'), 'neo-node', 50)
    assert c['status'] == 'healthy' and c['message'].endswith('(open files unreadable: Permission denied)')
    assert 'open_fds_error' not in c['value']


def test_rpc_bad_checkpoint_hash_and_one_line_useragent():
    c = h.judge_rpc(rpc_facts(checkpoints_bad=['bad block hash at height 16: "0xzz"']), 1000)
    assert c['status'] == 'degraded' and c['message'] == 'bad block hash at height 16: "0xzz"'
    assert c['value']['error'] == 'bad block hash at height 16: "0xzz"'
    c = h.judge_rpc(rpc_facts(version={'useragent': '/evil:1/\nsecond line\r\n', 'protocol': {'network': 1}}), 1000)
    assert c['status'] == 'healthy' and '\n' not in c['message'] and '\r' not in c['message']
    assert '/evil:1/ second line' in c['message']


def test_disk_data_dir_size_problem_in_message():
    c = h.judge_disk(dict(disk(41.0), data_dir_bytes=None, data_dir_error='data dir size unreadable: Permission denied'),
                     80, 90)
    assert c['status'] == 'healthy'
    assert c['message'] == 'disk usage 41%, inodes 10% on /d (data dir size unreadable: Permission denied)'
    assert 'data_dir_error' not in c['value'] and c['value']['data_dir_bytes'] is None
