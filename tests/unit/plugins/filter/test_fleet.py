# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for plugins/filter/fleet.py (the neors.ops.fleet_* filters)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.neors.ops.plugins.filter.fleet import (
    FilterModule,
    fleet_assess,
    fleet_markdown,
    fleet_table,
)

MAINNET = 860833102


def checkpoint_heights(h):
    """As docs/health-result.md: per stride s, m = ((h-1)//s)*s and m - s (>= 0), plus 0."""
    heights = {0}
    for s in (16, 256, 4096, 65536, 1048576):
        m = ((h - 1) // s) * s
        heights.update(x for x in (m, m - s) if x >= 0)
    return sorted(heights)


def health(height, network=MAINNET, overall='healthy', fork_at=None):
    def bhash(h):
        branch = 'fork' if fork_at is not None and h >= fork_at else 'main'
        return '0x' + hashlib.sha256(('%s/%d' % (branch, h)).encode()).hexdigest()
    return {
        'changed': False,
        'overall_status': overall,
        'checks': {'rpc': {'status': overall, 'message': 'rpc says %s' % overall, 'value': {}}},
        'node': {'height': height, 'network': network, 'peers': 2, 'rpc_ms': 1.0, 'rss_mb': 60.0,
                 'disk_percent': 10.0, 'error_count': 0,
                 'checkpoints': dict(('%d' % h, bhash(h)) for h in checkpoint_heights(height))},
    }


def test_filters_are_exposed():
    filters = FilterModule().filters()
    assert set(filters) == {'fleet_assess', 'fleet_table', 'fleet_markdown'}
    assert filters['fleet_assess'] is fleet_assess


CASES = [
    # id, results, kwargs, expected statuses
    ('healthy', {'node1': health(100), 'node2': health(99)}, {}, {'node1': 'healthy', 'node2': 'healthy'}),
    ('unreachable', {'node1': health(100), 'node2': {'unreachable': True, 'msg': 'timeout'}}, {},
     {'node1': 'healthy', 'node2': 'unhealthy'}),
    ('module-unhealthy', {'node1': health(100), 'node2': health(100, overall='unhealthy')}, {},
     {'node1': 'healthy', 'node2': 'unhealthy'}),
    ('lagging', {'node1': health(100), 'node2': health(80)}, {}, {'node1': 'healthy', 'node2': 'unhealthy'}),
    ('lag-as-string', {'node1': health(100), 'node2': health(80)}, {'max_lag_blocks': '30'},
     {'node1': 'healthy', 'node2': 'healthy'}),
    ('forked', {'node1': health(100), 'node2': health(100), 'node3': health(100, fork_at=50)}, {},
     {'node1': 'healthy', 'node2': 'healthy', 'node3': 'unhealthy'}),
    ('two-networks', {'a': health(100), 'b': health(100), 'c': health(100, network=1)}, {},
     {'a': 'healthy', 'b': 'healthy', 'c': 'unhealthy'}),
    ('expected-network', {'a': health(100), 'b': health(100), 'c': health(100, network=1)},
     {'expected_network': '1'}, {'a': 'unhealthy', 'b': 'unhealthy', 'c': 'healthy'}),
    ('empty-expected-network-is-majority', {'a': health(100), 'b': health(100), 'c': health(100, network=1)},
     {'expected_network': ''}, {'a': 'healthy', 'b': 'healthy', 'c': 'unhealthy'}),
    ('tie', {'a': health(100), 'b': health(100, fork_at=90)}, {}, {'a': 'degraded', 'b': 'degraded'}),
    ('empty', {}, {}, {}),
]


@pytest.mark.parametrize('results,kwargs,expected', [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fleet_assess(results, kwargs, expected):
    fleet = fleet_assess(results, **kwargs)
    assert dict((r['host'], r['status']) for r in fleet['nodes']) == expected
    assert fleet['summary']['unhealthy_hosts'] == sorted(h for h, s in expected.items() if s == 'unhealthy')


def test_natural_order_in_all_outputs():
    fleet = fleet_assess({'node10': health(100), 'node2': health(100), 'node1': health(100)})
    assert [r['host'] for r in fleet['nodes']] == ['node1', 'node2', 'node10']
    table = fleet_table(fleet).splitlines()
    assert [l.split()[0] for l in table[3:6]] == ['node1', 'node2', 'node10']
    md = fleet_markdown(fleet)
    assert md.index('| node2 |') < md.index('| node10 |')


def test_table_and_markdown_rows():
    fleet = fleet_assess({'node1': health(100), 'node2': {'failed': True, 'msg': 'bad rpc_url'}})
    table = fleet_table(fleet)
    assert 'node1  healthy       100    0      2     1.0   10.0    60.0       0' in table
    assert '  node2 (unhealthy):\n    - health check failed: bad rpc_url' in table
    md = fleet_markdown(fleet)
    assert '| node1 | healthy | 100 | 0 | 2 | 1.0 | 10.0 | 60.0 | 0 |' in md
    assert '| node2 | **unhealthy** | - | - | - | - | - | - | - |' in md
    assert '- health check failed: bad rpc_url' in md


@pytest.mark.parametrize('bad,kwargs', [
    (['node1'], {}),
    ({}, {'max_lag_blocks': -3}),
    ({}, {'max_lag_blocks': 'many'}),
])
def test_fleet_assess_errors(bad, kwargs):
    with pytest.raises(AnsibleFilterError, match='fleet_assess'):
        fleet_assess(bad, **kwargs)


@pytest.mark.parametrize('func', [fleet_table, fleet_markdown])
@pytest.mark.parametrize('bad', [None, {}, {'node1': {}}, 'text'])
def test_render_needs_a_fleet(func, bad):
    with pytest.raises(AnsibleFilterError, match='fleet_assess'):
        func(bad)
