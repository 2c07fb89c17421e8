# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for plugins/module_utils/neors_fleet.py (the fleet judgement)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

import pytest

from ansible_collections.neors.ops.plugins.module_utils.neors_fleet import (
    assess_fleet,
    natural_sorted,
    render_markdown,
    render_table,
    worst,
)

MAINNET = 860833102
TESTNET = 894710606
STRIDES = (16, 256, 4096, 65536, 1048576)
GEN_AT = '2026-12-03T06:00:00Z'


# --------------------------------------------------------------------------- fixtures

def checkpoint_heights(h):
    """Exactly as docs/health-result.md: for each stride s the multiples
    m = ((h-1)//s)*s and m - s (when >= 0), plus 0 (genesis)."""
    heights = {0}
    for s in STRIDES:
        m = ((h - 1) // s) * s
        if m >= 0:
            heights.add(m)
        if m - s >= 0:
            heights.add(m - s)
    return sorted(heights)


def block_hash(height, chain='main', fork_at=None, network=MAINNET):
    """Hash of block `height` on a chain; a fork diverges from `fork_at` on."""
    branch = chain if fork_at is not None and height >= fork_at else 'main'
    return '0x' + hashlib.sha256(('%s/%s/%d' % (network, branch, height)).encode()).hexdigest()


def health(height=1240, network=MAINNET, overall='healthy', chain='main', fork_at=None,
           checks=None, peers=3, rpc_ms=1.9, disk=41.0, rss=61.3, errors=0, checkpoints=True):
    """A neors_health result document shaped like the contract."""
    all_checks = dict((name, {'status': 'healthy', 'message': '%s ok' % name, 'value': {}})
                      for name in ('service', 'process', 'rpc', 'block_height', 'peers',
                                   'logs', 'disk', 'ports'))
    all_checks['block_height']['value'] = {'height': height, 'advanced': True}
    for name, (status, message) in (checks or {}).items():
        all_checks[name] = {'status': status, 'message': message, 'value': {}}
    cps = None
    if checkpoints and height is not None:
        cps = dict(('%d' % h, block_hash(h, chain, fork_at, network)) for h in checkpoint_heights(height))
    return {
        'changed': False,
        'failed': False,
        'overall_status': overall,
        'timestamp': '2026-12-03T05:59:58Z',
        'checks': all_checks,
        'node': {
            'height': height, 'network': network, 'useragent': '/NEO-GO:0.120.0/',
            'peers': peers, 'rpc_ms': rpc_ms, 'rss_mb': rss, 'cpu_percent': 1.2,
            'disk_percent': disk, 'error_count': errors, 'critical_count': 0,
            'checkpoints': cps,
        },
    }


def assess(results, **kwargs):
    kwargs.setdefault('generated_at', GEN_AT)
    return assess_fleet(results, **kwargs)


def row(fleet, host):
    return dict((r['host'], r) for r in fleet['nodes'])[host]


def statuses(fleet):
    return dict((r['host'], r['status']) for r in fleet['nodes'])


# --------------------------------------------------------------------------- helper sanity

def test_checkpoint_heights_match_contract():
    assert checkpoint_heights(1240) == [0, 768, 1024, 1216, 1232]
    assert checkpoint_heights(1) == [0]
    # heights within one stride share a checkpoint of that stride
    assert set(checkpoint_heights(1240)) & set(checkpoint_heights(1236)) >= {1216, 1232}


def test_worst():
    assert worst() == 'healthy'
    assert worst('healthy', 'degraded') == 'degraded'
    assert worst('degraded', 'unhealthy', 'healthy') == 'unhealthy'
    assert worst('healthy', 'weird') == 'unhealthy'


def test_natural_sort():
    assert natural_sorted(['node10', 'node2', 'Node1', 'node1a', 'db']) == \
        ['db', 'Node1', 'node1a', 'node2', 'node10']


# --------------------------------------------------------------------------- table-driven

CASES = [
    dict(
        id='all-healthy',
        results={'node1': health(1240), 'node2': health(1238), 'node3': health(1236)},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'healthy'},
        overall='healthy', max_height=1240, lags={'node1': 0, 'node2': 2, 'node3': 4},
        config_errors=0, forks=[], fork_height=1232,
        problems={},
    ),
    dict(
        id='one-unreachable',
        results={'node1': health(1240), 'node2': health(1240),
                 'node3': {'unreachable': True, 'msg': 'Failed to connect to the host via ssh'}},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'unhealthy'},
        overall='unhealthy', max_height=1240, lags={'node1': 0, 'node3': None},
        config_errors=0, forks=[], fork_height=1232,
        problems={'node3': ['unreachable: Failed to connect to the host via ssh']},
    ),
    dict(
        id='one-failed-and-one-missing',
        results={'node1': health(1240),
                 'node2': {'failed': True, 'msg': 'value of rpc_url must be a URL'},
                 'node3': None},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'unhealthy', 'node3': 'unhealthy'},
        overall='unhealthy', max_height=1240, lags={'node2': None},
        config_errors=0, forks=[], fork_height=1232,
        problems={'node2': ['health check failed: value of rpc_url must be a URL'],
                  'node3': ['no result (unreachable?)']},
    ),
    dict(
        id='module-unhealthy',
        results={'node1': health(1240), 'node2': health(1240),
                 'node3': health(1240, overall='unhealthy', checks={
                     'rpc': ('unhealthy', 'RPC getversion to http://127.0.0.1:30332/rpc timed out after 10 s'),
                     'peers': ('unknown', 'not checked: RPC is down'),
                     'disk': ('degraded', 'disk 85.0% used (warn 80)')})},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'unhealthy'},
        overall='unhealthy', max_height=1240, lags={'node3': 0},
        config_errors=0, forks=[], fork_height=1232,
        problems={'node3': ['rpc: RPC getversion to http://127.0.0.1:30332/rpc timed out after 10 s',
                            'disk: disk 85.0% used (warn 80)']},
    ),
    dict(
        id='module-degraded-without-detail',
        results={'node1': health(1240, overall='degraded')},
        kwargs={},
        statuses={'node1': 'degraded'},
        overall='degraded', max_height=1240, lags={'node1': 0},
        config_errors=0, forks=[], fork_height=1232,
        problems={'node1': ['module overall_status is degraded']},
    ),
    dict(
        id='lagging-node',
        results={'node1': health(1240), 'node2': health(1239), 'node3': health(1203)},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'unhealthy'},
        overall='unhealthy', max_height=1240, lags={'node1': 0, 'node2': 1, 'node3': 37},
        config_errors=0, forks=[], fork_height=1024,
        problems={'node3': ['lag 37 blocks > 10']},
    ),
    dict(
        id='lag-equal-to-limit-is-fine',
        results={'node1': health(1240), 'node2': health(1230)},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy'},
        overall='healthy', max_height=1240, lags={'node2': 10},
        config_errors=0, forks=[], fork_height=1216,
        problems={},
    ),
    dict(
        id='lag-threshold-is-configurable',
        results={'node1': health(1240), 'node2': health(1203)},
        kwargs={'max_lag_blocks': 40},
        statuses={'node1': 'healthy', 'node2': 'healthy'},
        overall='healthy', max_height=1240, lags={'node2': 37},
        config_errors=0, forks=[], fork_height=1024,
        problems={},
    ),
    dict(
        # node3 is lower and only shares the lower checkpoints 1024/768/0 with
        # the others; it forked at 1000, so its hash at 1024 differs.
        id='forked-node',
        results={'node1': health(1240), 'node2': health(1236),
                 'node3': health(1100, chain='evil', fork_at=1000)},
        kwargs={'max_lag_blocks': 1000},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'unhealthy'},
        # a forked node's height is another chain's: no lag is judged for it
        overall='unhealthy', max_height=1240, lags={'node3': None},
        config_errors=0,
        forks=[{'host': 'node3', 'height': 1024, 'hash': block_hash(1024, 'evil', 1000),
                'majority_hash': block_hash(1024)}],
        fork_height=1024,
        problems={'node3': ['forked: hash at height 1024 is %s but majority has %s'
                            % (block_hash(1024, 'evil', 1000), block_hash(1024))]},
    ),
    dict(
        # the fork is below the common height: same verdict
        id='forked-node-same-height',
        results={'node1': health(1240), 'node2': health(1240), 'node3': health(1240, chain='x', fork_at=1230)},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'unhealthy'},
        overall='unhealthy', max_height=1240, lags={'node3': None},
        config_errors=0,
        forks=[{'host': 'node3', 'height': 1232, 'hash': block_hash(1232, 'x', 1230),
                'majority_hash': block_hash(1232)}],
        fork_height=1232,
        problems={},
    ),
    dict(
        # a fork running AHEAD must not set the fleet's tip: the honest nodes do not lag
        id='forked-node-ahead',
        results={'node1': health(1240), 'node2': health(1239),
                 'node3': health(1260, chain='fast', fork_at=1100)},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'unhealthy'},
        overall='unhealthy', max_height=1240, lags={'node1': 0, 'node2': 1, 'node3': None},
        config_errors=0,
        forks=[{'host': 'node3', 'height': 1232, 'hash': block_hash(1232, 'fast', 1100),
                'majority_hash': block_hash(1232)}],
        fork_height=1232,
        problems={'node1': [], 'node2': []},
    ),
    dict(
        # a height beyond uint32 is a bad answer, not the fleet's tip
        id='impossible-height',
        results={'node1': health(1240), 'node2': health(1239),
                 'node3': health(2 ** 40, checkpoints=False)},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'unhealthy'},
        overall='unhealthy', max_height=1240, lags={'node1': 0, 'node2': 1, 'node3': None},
        config_errors=0, forks=[], fork_height=1232,
        problems={'node3': ['impossible block height %d' % 2 ** 40]},
    ),
    dict(
        # answered, but without a network magic: not silently left out as "healthy"
        id='no-network-magic',
        results={'node1': health(1240), 'node2': health(1239),
                 'node3': health(5, network=None, chain='other')},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'unhealthy'},
        overall='unhealthy', max_height=1240, lags={'node1': 0, 'node2': 1, 'node3': None},
        config_errors=0, forks=[], fork_height=1232,
        problems={'node3': ['node reported no network magic (getversion without '
                            'protocol.network): its lag and forks cannot be judged']},
    ),
    dict(
        id='two-networks-majority',
        results={'a': health(1240), 'b': health(1239), 'c': health(90000, network=12345)},
        kwargs={},
        statuses={'a': 'healthy', 'b': 'healthy', 'c': 'unhealthy'},
        overall='unhealthy', max_height=1240, lags={'a': 0, 'b': 1, 'c': None},
        config_errors=1, forks=[], fork_height=1232,
        problems={'c': ['network 12345 differs from fleet majority 860833102 (configuration error)']},
        config_error_text='nodes of different networks in one group: 860833102: [a, b]; 12345: [c]',
        compared=['a', 'b'],
    ),
    dict(
        id='expected-network-overrides-majority',
        results={'a': health(1240), 'b': health(1239), 'c': health(900, network=TESTNET)},
        kwargs={'expected_network': TESTNET},
        statuses={'a': 'unhealthy', 'b': 'unhealthy', 'c': 'healthy'},
        overall='unhealthy', max_height=900, lags={'a': None, 'b': None, 'c': 0},
        config_errors=2, forks=[], fork_height=896,
        problems={'a': ['network 860833102 differs from the expected network 894710606 (configuration error)']},
        compared=['c'],
    ),
    dict(
        id='expected-network-as-string-all-match',
        results={'a': health(1240), 'b': health(1239)},
        kwargs={'expected_network': '860833102'},
        statuses={'a': 'healthy', 'b': 'healthy'},
        overall='healthy', max_height=1240, lags={'b': 1},
        config_errors=0, forks=[], fork_height=1232,
        problems={},
    ),
    dict(
        id='expected-network-nobody-on-it',
        results={'a': health(1240), 'b': health(1239)},
        kwargs={'expected_network': TESTNET},
        statuses={'a': 'unhealthy', 'b': 'unhealthy'},
        overall='unhealthy', max_height=None, lags={'a': None},
        config_errors=1, forks=[], fork_height=None,
        problems={},
        config_error_text='nodes not on the expected network 894710606: 860833102: [a, b]',
    ),
    dict(
        id='network-tie',
        results={'a': health(1240), 'b': health(900, network=TESTNET)},
        kwargs={},
        statuses={'a': 'unhealthy', 'b': 'unhealthy'},
        overall='unhealthy', max_height=None, lags={'a': None, 'b': None},
        config_errors=2, forks=[], fork_height=None,
        problems={},
    ),
    dict(
        # two nodes, two different hashes at the common height: nobody can say who is right
        id='hash-tie',
        results={'node1': health(1240), 'node2': health(1240, chain='y', fork_at=1100)},
        kwargs={},
        statuses={'node1': 'degraded', 'node2': 'degraded'},
        overall='degraded', max_height=1240, lags={'node2': 0},
        config_errors=1, forks=[], fork_height=1232,
        problems={},
        config_error_text='no majority hash at height 1232',
        majority_hash=None,
    ),
    dict(
        id='node-without-checkpoints-is-not-compared',
        results={'node1': health(1240), 'node2': health(1240), 'node3': health(1238, checkpoints=False)},
        kwargs={},
        statuses={'node1': 'healthy', 'node2': 'healthy', 'node3': 'healthy'},
        overall='healthy', max_height=1240, lags={'node3': 2},
        config_errors=0, forks=[], fork_height=1232,
        problems={},
        compared=['node1', 'node2'],
    ),
    dict(
        id='empty-fleet',
        results={},
        kwargs={},
        statuses={},
        overall='unknown', max_height=None, lags={},
        config_errors=0, forks=[], fork_height=None,
        problems={},
    ),
]


@pytest.mark.parametrize('case', CASES, ids=[c['id'] for c in CASES])
def test_assess_fleet(case):
    fleet = assess(case['results'], **case['kwargs'])
    assert statuses(fleet) == case['statuses']
    summary = fleet['summary']
    assert summary['overall'] == case['overall']
    assert summary['max_height'] == case['max_height']
    assert summary['total'] == len(case['results'])
    assert summary['healthy'] + summary['degraded'] + summary['unhealthy'] == summary['total']
    assert summary['unhealthy_hosts'] == [h for h, s in sorted(case['statuses'].items()) if s == 'unhealthy']
    assert summary['generated_at'] == GEN_AT
    for host, lag in case['lags'].items():
        assert row(fleet, host)['lag'] == lag, host
    assert len(fleet['config_errors']) == case['config_errors'], fleet['config_errors']
    if 'config_error_text' in case:
        assert any(e.startswith(case['config_error_text']) for e in fleet['config_errors']), fleet['config_errors']
    assert fleet['forks'] == case['forks']
    assert fleet['fork_check']['height'] == case['fork_height']
    if 'compared' in case:
        assert fleet['fork_check']['compared_hosts'] == case['compared']
    if 'majority_hash' in case:
        assert fleet['fork_check']['majority_hash'] == case['majority_hash']
    for host, problems in case['problems'].items():
        assert row(fleet, host)['problems'] == problems
    for r in fleet['nodes']:
        if r['status'] == 'healthy':
            assert r['problems'] == [], r
        else:
            assert r['problems'], r
    # the result is plain data (JSON-able) so it can be registered, written and templated
    assert json.loads(json.dumps(fleet)) == fleet


def test_rows_carry_node_summary():
    fleet = assess({'node1': health(1240, peers=4, rpc_ms=2.5, disk=41.0, rss=61.3, errors=2)})
    r = row(fleet, 'node1')
    assert (r['height'], r['peers'], r['rpc_ms'], r['disk_percent'], r['rss_mb'], r['error_count']) == \
        (1240, 4, 2.5, 41.0, 61.3, 2)
    assert r['network'] == str(MAINNET)
    assert r['module_status'] == 'healthy'
    assert fleet['networks'] == {str(MAINNET): ['node1']}
    assert fleet['fork_check'] == {'height': 1232, 'majority_hash': block_hash(1232), 'compared_hosts': ['node1']}


def test_hash_compare_ignores_case():
    r2 = health(1240)
    r2['node']['checkpoints'] = dict((k, v.upper().replace('0X', '0x')) for k, v in r2['node']['checkpoints'].items())
    fleet = assess({'node1': health(1240), 'node2': r2, 'node3': health(1240)})
    assert fleet['forks'] == []
    assert statuses(fleet) == {'node1': 'healthy', 'node2': 'healthy', 'node3': 'healthy'}


def test_partial_checkpoints_use_height_most_nodes_have():
    r3 = health(1240)
    r3['node']['checkpoints'] = {'1232': block_hash(1232)}
    r1 = health(1240)
    r1['node']['checkpoints'] = {'1216': block_hash(1216)}
    fleet = assess({'node1': r1, 'node2': health(1240), 'node3': r3})
    assert fleet['fork_check']['height'] == 1232
    assert fleet['fork_check']['compared_hosts'] == ['node2', 'node3']
    assert fleet['forks'] == []


def test_failed_result_with_node_data_still_counts():
    r = health(1203)
    r.update({'failed': True, 'msg': 'node unhealthy'})
    fleet = assess({'node1': health(1240), 'node2': r})
    n2 = row(fleet, 'node2')
    assert n2['status'] == 'unhealthy'
    assert n2['lag'] == 37
    assert n2['problems'][0] == 'health check failed: node unhealthy'
    assert 'lag 37 blocks > 10' in n2['problems']


def test_multiline_messages_become_one_line():
    fleet = assess({'n': {'failed': True, 'msg': 'Traceback\n  line 1\n  line 2'}})
    assert row(fleet, 'n')['problems'] == ['health check failed: Traceback line 1 line 2']


@pytest.mark.parametrize('bad', [-1, 'ten', None])
def test_bad_max_lag(bad):
    with pytest.raises(ValueError):
        assess_fleet({}, max_lag_blocks=bad)


def test_results_must_be_a_dict():
    with pytest.raises(TypeError):
        assess_fleet(['node1'])


def test_generated_at_defaults_to_utc_now():
    stamp = assess_fleet({})['summary']['generated_at']
    assert len(stamp) == 20 and stamp.endswith('Z') and stamp[10] == 'T'


# --------------------------------------------------------------------------- rendering

def _fleet_for_render():
    return assess({
        'node10': health(1240),
        'node2': health(1240, rpc_ms=12.345, disk=55.55, rss=70.0, errors=3),
        'node1': {'unreachable': True, 'msg': 'connection refused'},
        'node3': health(1100, chain='evil', fork_at=1000),
        'other': health(9, network=12345),
    })


def test_render_table():
    fleet = _fleet_for_render()
    text = render_table(fleet)
    lines = text.splitlines()
    assert lines[0] == 'neors fleet health %s' % GEN_AT
    assert lines[1].split() == ['NODE', 'STATUS', 'HEIGHT', 'LAG', 'PEERS', 'RPC_MS', 'DISK%', 'MEM_MB', 'ERRORS']
    body = [l.split() for l in lines[3:8]]
    assert [b[0] for b in body] == ['node1', 'node2', 'node3', 'node10', 'other']
    assert body[0] == ['node1', 'unhealthy', '-', '-', '-', '-', '-', '-', '-']
    assert body[1] == ['node2', 'healthy', '1240', '0', '3', '12.3', '55.5', '70.0', '3'] or \
        body[1] == ['node2', 'healthy', '1240', '0', '3', '12.3', '55.6', '70.0', '3']
    assert body[2][:4] == ['node3', 'unhealthy', '1100', '-']
    assert body[4][:4] == ['other', 'unhealthy', '9', '-']
    # fixed width: every data line has the header's column starts
    header = lines[1]
    for line in lines[3:8]:
        assert line[:header.index('STATUS')].rstrip() == line.split()[0]
    assert '5 nodes: 2 healthy, 0 degraded, 3 unhealthy; max height 1240; overall unhealthy' in text
    assert '  node1 (unhealthy):\n    - unreachable: connection refused' in text
    assert 'forked: hash at height 1024 is %s but majority has %s' % (block_hash(1024, 'evil', 1000), block_hash(1024)) in text
    assert 'Forks:\n  - node3: hash at height 1024' in text
    assert 'Config errors:\n  - nodes of different networks in one group: 860833102: [node2, node3, node10]; 12345: [other]' in text
    assert 'node10 (' not in text  # healthy nodes have no problem block
    assert text.endswith('\n')
    assert render_table(fleet) == text  # deterministic


def test_render_table_healthy_and_empty():
    text = render_table(assess({'node1': health(1240)}))
    assert 'Problems:' not in text and 'Forks:' not in text and 'Config errors:' not in text
    assert '1 nodes: 1 healthy' in text
    assert '(no nodes)' in render_table(assess({}))


def test_render_markdown():
    fleet = _fleet_for_render()
    md = render_markdown(fleet)
    assert md.startswith('# Neo node fleet health: %s\n' % GEN_AT)
    assert '**Overall: UNHEALTHY**. 5 nodes: 2 healthy, 0 degraded, 3 unhealthy' in md
    assert '| Node | Status | Height | Lag | Peers | RPC ms | Disk % | Mem MB | Errors |' in md
    node_table = md.split('## Problems', maxsplit=1)[0]
    rows = [l for l in node_table.splitlines() if l.startswith('| node') or l.startswith('| other')]
    assert [r.split('|')[1].strip() for r in rows] == ['node1', 'node2', 'node3', 'node10', 'other']
    assert '| node10 | healthy | 1240 | 0 | 3 | 1.9 | 41.0 | 61.3 | 0 |' in md
    assert '| node1 | **unhealthy** | - |' in md
    assert '### node3 (unhealthy)' in md
    assert '| node3 | 1024 | `%s` | `%s` |' % (block_hash(1024, 'evil', 1000), block_hash(1024)) in md
    assert '## Configuration errors\n\n- nodes of different networks in one group' in md
    assert render_markdown(fleet) == md


def test_render_markdown_escapes_pipes_and_healthy_sections():
    fleet = assess({'a|b': health(1240)})
    md = render_markdown(fleet)
    assert '| a\\|b | healthy |' in md
    assert '## Problems\n\nNone.' in md
    assert '## Configuration errors\n\nNone.' in md
