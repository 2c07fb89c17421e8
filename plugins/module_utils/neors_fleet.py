# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet judgement over per-node ``neors.ops.neors_health`` results.

Pure Python (standard library only): no Ansible import, so it is unit tested
directly and used by the ``neors.ops.fleet_*`` filters on the controller.

``assess_fleet(results)`` takes ``{hostname: result}`` where ``result`` is one
``neors_health`` result document (see docs/health-result.md) or a marker of a
host that produced none (``{"failed": True, "msg": ...}``,
``{"unreachable": True, "msg": ...}``) and returns a fleet dict::

    nodes:          [row, ...]        # one row per host, hosts in natural order
    networks:       {"<magic>": [hosts]}   # answering nodes only; keys are strings
    reference_network: "<magic>" | None    # majority (or expected) network
    config_errors:  ["...", ...]
    forks:          [{host, height, hash, majority_hash}, ...]
    fork_check:     {height, majority_hash, compared_hosts}
    summary:        {healthy, degraded, unhealthy, total, max_height, overall,
                     unhealthy_hosts, degraded_hosts, generated_at}
    max_lag_blocks, expected_network

A row is ``{host, status, module_status, network, useragent, height, lag,
peers, rpc_ms, disk_percent, rss_mb, error_count, critical_count, problems}``.

Rules:

* status = worst of the module's ``overall_status``, the fleet lag verdict and
  the fork verdict; a host without a usable result is ``unhealthy``.
* Nodes not on the reference network are a configuration error: ``unhealthy``
  and left out of the height, lag and fork math (never averaged together).
* lag = highest height among answering nodes of the reference network minus
  the node's height; ``lag > max_lag_blocks`` is ``unhealthy`` (the same
  meaning as the module's own ``max_lag_blocks`` with ``reference_height``).
* forks: at the highest checkpoint height every compared node has, nodes whose
  hash differs from the majority hash are ``unhealthy``; without a majority
  (tie) every compared node is ``degraded`` and a config error is reported.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

STATUS_ORDER = ('healthy', 'degraded', 'unhealthy')
_RANK = dict((s, i) for i, s in enumerate(STATUS_ORDER))

# Order the module's checks are reported in (others follow, sorted).
CHECK_ORDER = ('service', 'process', 'rpc', 'block_height', 'peers', 'logs', 'disk', 'ports')

TABLE_COLUMNS = (
    # header, row key, alignment ('<' left, '>' right)
    ('NODE', 'host', '<'),
    ('STATUS', 'status', '<'),
    ('HEIGHT', 'height', '>'),
    ('LAG', 'lag', '>'),
    ('PEERS', 'peers', '>'),
    ('RPC_MS', 'rpc_ms', '>'),
    ('DISK%', 'disk_percent', '>'),
    ('MEM_MB', 'rss_mb', '>'),
    ('ERRORS', 'error_count', '>'),
)

MD_COLUMNS = (
    ('Node', 'host'),
    ('Status', 'status'),
    ('Height', 'height'),
    ('Lag', 'lag'),
    ('Peers', 'peers'),
    ('RPC ms', 'rpc_ms'),
    ('Disk %', 'disk_percent'),
    ('Mem MB', 'rss_mb'),
    ('Errors', 'error_count'),
)

_MAX_PROBLEM_LEN = 400


# --------------------------------------------------------------------------- helpers

def natural_key(text):
    """Sort key putting ``node2`` before ``node10`` (case-insensitive, stable)."""
    text = '%s' % (text,)
    parts = re.split(r'(\d+)', text)
    key = []
    for i, part in enumerate(parts):
        # re.split with one capture group alternates text / digits, starting
        # with text, so position i always holds the same type in every key.
        key.append(int(part) if i % 2 else part.lower())
    return (key, text)


def natural_sorted(items):
    return sorted(items, key=natural_key)


def worst(*statuses):
    """Worst of the given statuses (unknown values count as unhealthy)."""
    result = 'healthy'
    for status in statuses:
        if status is None:
            continue
        rank = _RANK.get(status, _RANK['unhealthy'])
        if rank > _RANK[result]:
            result = STATUS_ORDER[rank]
    return result


def _one_line(value):
    text = ' '.join(('%s' % (value,)).split())
    if len(text) > _MAX_PROBLEM_LEN:
        text = text[:_MAX_PROBLEM_LEN - 3] + '...'
    return text


def _net_key(value):
    """Normalise a network magic to a string key ('860833102'), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return '%d' % value
    text = ('%s' % (value,)).strip()
    if not text:
        return None
    try:
        return '%d' % int(text, 0)
    except ValueError:
        return text


# getblockcount of a chain whose block indexes fill uint32.
MAX_BLOCK_COUNT = 2 ** 32


def _as_int(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):  # "inf", "1e999", NaN
            return None


def _hash_key(value):
    return ('%s' % (value,)).strip().lower()


def _utc_now():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


def _module_problems(result):
    """Human strings for every non-healthy, non-unknown check of one result."""
    checks = result.get('checks')
    if not isinstance(checks, dict):
        return []
    names = [n for n in CHECK_ORDER if n in checks]
    names += sorted(n for n in checks if n not in CHECK_ORDER)
    problems = []
    for name in names:
        check = checks.get(name)
        if not isinstance(check, dict):
            continue
        status = check.get('status')
        if status in ('degraded', 'unhealthy'):
            message = check.get('message') or status
            problems.append(_one_line('%s: %s' % (name, message)))
    return problems


# --------------------------------------------------------------------------- rows

def _base_row(host, result):
    """Row for one host from its own result only (no fleet view yet)."""
    row = {
        'host': host,
        'status': 'healthy',
        'module_status': None,
        'network': None,
        'useragent': None,
        'height': None,
        'lag': None,
        'peers': None,
        'rpc_ms': None,
        'disk_percent': None,
        'rss_mb': None,
        'error_count': None,
        'critical_count': None,
        'problems': [],
    }
    # Internal fields, removed before returning.
    state = {'checkpoints': {}, 'answered': False}

    if not isinstance(result, dict) or not result:
        row['status'] = 'unhealthy'
        row['problems'].append('no result (unreachable?)')
        return row, state

    if result.get('unreachable'):
        row['status'] = 'unhealthy'
        row['problems'].append(_one_line('unreachable: %s' % (result.get('msg') or 'host unreachable')))
        return row, state

    if result.get('skipped'):
        row['status'] = 'unhealthy'
        row['problems'].append(_one_line('no result: health check skipped%s'
                                         % (': %s' % result['skip_reason'] if result.get('skip_reason') else '')))
        return row, state

    failed = bool(result.get('failed'))
    if failed:
        row['status'] = 'unhealthy'
        row['problems'].append(_one_line('health check failed: %s' % (result.get('msg') or 'no message')))

    overall = result.get('overall_status')
    if overall is not None:
        row['module_status'] = overall
        if overall in _RANK:
            row['status'] = worst(row['status'], overall)
        else:
            row['status'] = 'unhealthy'
            row['problems'].append(_one_line('module returned overall_status %r' % (overall,)))
    elif not failed:
        row['status'] = 'unhealthy'
        row['problems'].append('no overall_status in the health result')

    node = result.get('node')
    if isinstance(node, dict):
        row['network'] = _net_key(node.get('network'))
        row['useragent'] = node.get('useragent')
        row['height'] = _as_int(node.get('height'))
        for key in ('peers', 'rpc_ms', 'disk_percent', 'rss_mb', 'error_count', 'critical_count'):
            row[key] = node.get(key)
        checkpoints = node.get('checkpoints')
        if isinstance(checkpoints, dict):
            for height, block_hash in checkpoints.items():
                h = _as_int(height)
                if h is not None and block_hash:
                    state['checkpoints'][h] = '%s' % (block_hash,)
        state['answered'] = row['network'] is not None
        if row['height'] is not None and not 0 <= row['height'] <= MAX_BLOCK_COUNT:
            # Neo N3 block indexes are uint32: such a height is a bad answer, and as the
            # fleet's tip it would make every other node look hopelessly behind.
            _mark(row, 'unhealthy', 'impossible block height %s' % row['height'])
            row['height'] = None
        elif row['height'] is not None and row['network'] is None:
            # Without its network magic a node cannot be put beside the others: judging its
            # lag or hashes against a fleet it may not belong to would be a guess.
            _mark(row, 'unhealthy', 'node reported no network magic (getversion without '
                  'protocol.network): its lag and forks cannot be judged')

    problems = _module_problems(result)
    if overall in _RANK and overall != 'healthy' and not problems and not failed:
        problems.append('module overall_status is %s' % overall)
    row['problems'].extend(problems)
    return row, state


def _mark(row, status, problem):
    row['status'] = worst(row['status'], status)
    if problem:
        row['problems'].append(_one_line(problem))


# --------------------------------------------------------------------------- fleet

def _format_networks(networks, order):
    return '; '.join('%s: [%s]' % (net, ', '.join(networks[net])) for net in order)


def _reference_network(networks, expected, rows_by_host, config_errors):
    """Pick the reference network and mark nodes that are not on it."""
    if not networks and expected is None:
        return None

    # Largest group first, then by magic for a stable order.
    order = sorted(networks, key=lambda n: (-len(networks[n]), natural_key(n)))

    if expected is not None:
        reference = expected
        others = [n for n in order if n != reference]
        if others:
            if len(networks) > 1:
                config_errors.append('nodes of different networks in one group: %s'
                                     % _format_networks(networks, order))
            config_errors.append('nodes not on the expected network %s: %s'
                                 % (reference, _format_networks(networks, others)))
        for net in others:
            for host in networks[net]:
                _mark(rows_by_host[host], 'unhealthy',
                      'network %s differs from the expected network %s (configuration error)'
                      % (net, reference))
        return reference

    if len(order) == 1:
        return order[0]

    config_errors.append('nodes of different networks in one group: %s'
                         % _format_networks(networks, order))
    if len(networks[order[0]]) == len(networks[order[1]]):
        tied = [n for n in order if len(networks[n]) == len(networks[order[0]])]
        config_errors.append('no majority network (tie between %s); set the expected network '
                             '(neors_daily_expected_network) to say which one is right'
                             % ', '.join(tied))
        for net in order:
            for host in networks[net]:
                _mark(rows_by_host[host], 'unhealthy',
                      'network %s: no fleet majority network (tie between %s)'
                      % (net, ', '.join(tied)))
        return None

    reference = order[0]
    for net in order[1:]:
        for host in networks[net]:
            _mark(rows_by_host[host], 'unhealthy',
                  'network %s differs from fleet majority %s (configuration error)'
                  % (net, reference))
    return reference


def _fork_check(hosts, states, rows_by_host, config_errors):
    """Compare block hashes at the highest checkpoint every node has."""
    fork_check = {'height': None, 'majority_hash': None, 'compared_hosts': []}
    forks = []
    with_cp = [h for h in hosts if states[h]['checkpoints']]
    if not with_cp:
        return fork_check, forks

    common = set(states[with_cp[0]]['checkpoints'])
    for host in with_cp[1:]:
        common &= set(states[host]['checkpoints'])
    if common:
        height = max(common)
    else:
        # No height every node has (a node sent a partial checkpoint list):
        # use the height most nodes have, the highest on a tie.
        counts = {}
        for host in with_cp:
            for h in states[host]['checkpoints']:
                counts[h] = counts.get(h, 0) + 1
        height = max(counts, key=lambda h: (counts[h], h))
    compared = [h for h in with_cp if height in states[h]['checkpoints']]

    votes = {}
    shown = {}
    for host in compared:
        key = _hash_key(states[host]['checkpoints'][height])
        votes[key] = votes.get(key, 0) + 1
        shown.setdefault(key, states[host]['checkpoints'][height])
    ranked = sorted(votes, key=lambda k: (-votes[k], k))
    fork_check['height'] = height
    fork_check['compared_hosts'] = compared

    if len(ranked) > 1 and votes[ranked[0]] == votes[ranked[1]]:
        detail = '; '.join('%s: [%s]' % (shown[k], ', '.join(h for h in compared
                                                             if _hash_key(states[h]['checkpoints'][height]) == k))
                           for k in ranked)
        config_errors.append('no majority hash at height %d (%s)' % (height, detail))
        for host in compared:
            _mark(rows_by_host[host], 'degraded',
                  'no majority hash at height %d: this node has %s'
                  % (height, states[host]['checkpoints'][height]))
        return fork_check, forks

    majority = ranked[0]
    fork_check['majority_hash'] = shown[majority]
    for host in compared:
        node_hash = states[host]['checkpoints'][height]
        if _hash_key(node_hash) != majority:
            forks.append({'host': host, 'height': height, 'hash': node_hash,
                          'majority_hash': shown[majority]})
            _mark(rows_by_host[host], 'unhealthy',
                  'forked: hash at height %d is %s but majority has %s'
                  % (height, node_hash, shown[majority]))
    return fork_check, forks


def assess_fleet(results, max_lag_blocks=10, expected_network=None, generated_at=None):
    """Judge a fleet of ``neors_health`` results. See the module docstring."""
    if results is None:
        results = {}
    if not isinstance(results, dict):
        raise TypeError('results must be a dict {hostname: health result}, got %s'
                        % type(results).__name__)
    lag_limit = _as_int(max_lag_blocks)
    if lag_limit is None or lag_limit < 0:
        raise ValueError('max_lag_blocks must be a non-negative integer, got %r' % (max_lag_blocks,))
    expected = _net_key(expected_network)
    if generated_at is None:
        generated_at = _utc_now()

    hosts = natural_sorted(results)
    rows_by_host = {}
    states = {}
    for host in hosts:
        rows_by_host[host], states[host] = _base_row(host, results[host])

    networks = {}
    for host in hosts:
        if states[host]['answered']:
            networks.setdefault(rows_by_host[host]['network'], []).append(host)

    config_errors = []
    reference = _reference_network(networks, expected, rows_by_host, config_errors)
    in_reference = [h for h in hosts
                    if reference is not None and states[h]['answered']
                    and rows_by_host[h]['network'] == reference]

    # Forks first: a forked node's height belongs to another chain, so it must neither set
    # the fleet's tip (a fork running ahead would make every honest node "lag") nor be
    # judged for lag itself.
    fork_check, forks = _fork_check(in_reference, states, rows_by_host, config_errors)
    forked = set(fork['host'] for fork in forks)
    on_chain = [h for h in in_reference if h not in forked]

    # Lag, against the highest non-forked node of the reference network only.
    heights = [rows_by_host[h]['height'] for h in on_chain if rows_by_host[h]['height'] is not None]
    max_height = max(heights) if heights else None
    for host in on_chain:
        row = rows_by_host[host]
        if row['height'] is None or max_height is None:
            continue
        row['lag'] = max_height - row['height']
        if row['lag'] > lag_limit:
            _mark(row, 'unhealthy', 'lag %d blocks > %d' % (row['lag'], lag_limit))

    nodes = [rows_by_host[h] for h in hosts]
    counts = dict((s, 0) for s in STATUS_ORDER)
    for row in nodes:
        counts[row['status']] += 1
    summary = {
        'healthy': counts['healthy'],
        'degraded': counts['degraded'],
        'unhealthy': counts['unhealthy'],
        'total': len(nodes),
        'max_height': max_height,
        'network': reference,
        'overall': worst(*[r['status'] for r in nodes]) if nodes else 'unknown',
        'unhealthy_hosts': [r['host'] for r in nodes if r['status'] == 'unhealthy'],
        'degraded_hosts': [r['host'] for r in nodes if r['status'] == 'degraded'],
        'config_errors': len(config_errors),
        'forks': len(forks),
        'generated_at': generated_at,
    }
    return {
        'nodes': nodes,
        'networks': dict((net, list(members)) for net, members in networks.items()),
        'reference_network': reference,
        'expected_network': expected,
        'max_lag_blocks': lag_limit,
        'config_errors': config_errors,
        'forks': forks,
        'fork_check': fork_check,
        'summary': summary,
    }


# --------------------------------------------------------------------------- rendering

def _fmt(key, value):
    if value is None or value == '':
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if key in ('rpc_ms', 'disk_percent', 'rss_mb'):
        try:
            return '%.1f' % float(value)
        except (TypeError, ValueError):
            return '%s' % (value,)
    return '%s' % (value,)


def _summary_line(fleet, overall=True):
    s = fleet.get('summary') or {}
    text = '%d nodes: %d healthy, %d degraded, %d unhealthy; max height %s' % (
        s.get('total', 0), s.get('healthy', 0), s.get('degraded', 0), s.get('unhealthy', 0),
        _fmt('max_height', s.get('max_height')))
    if overall:
        text += '; overall %s' % s.get('overall', 'unknown')
    if fleet.get('reference_network') is not None:
        text += '; network %s' % fleet['reference_network']
    return text


def _problem_nodes(fleet):
    return [r for r in fleet.get('nodes') or [] if r.get('status') != 'healthy']


def render_table(fleet):
    """Fixed-width text table plus problems, forks and config errors."""
    nodes = fleet.get('nodes') or []
    cells = [[_fmt(key, row.get(key)) for dummy_header, key, dummy_align in TABLE_COLUMNS] for row in nodes]
    widths = [len(header) for header, dummy_key, dummy_align in TABLE_COLUMNS]
    for line in cells:
        for i, cell in enumerate(line):
            widths[i] = max(widths[i], len(cell))

    def fmt_line(values):
        out = []
        for i, value in enumerate(values):
            align = TABLE_COLUMNS[i][2]
            out.append(value.ljust(widths[i]) if align == '<' else value.rjust(widths[i]))
        return '  '.join(out).rstrip()

    lines = ['neors fleet health %s' % (fleet.get('summary') or {}).get('generated_at', ''),
             fmt_line([header for header, dummy_key, dummy_align in TABLE_COLUMNS])]
    lines.append('  '.join('-' * w for w in widths))
    if cells:
        lines.extend(fmt_line(c) for c in cells)
    else:
        lines.append('(no nodes)')
    lines.append('')
    lines.append(_summary_line(fleet))

    problem_nodes = _problem_nodes(fleet)
    if problem_nodes:
        lines.append('')
        lines.append('Problems:')
        for row in problem_nodes:
            lines.append('  %s (%s):' % (row['host'], row['status']))
            for problem in row.get('problems') or ['(no detail)']:
                lines.append('    - %s' % problem)
    if fleet.get('forks'):
        lines.append('')
        lines.append('Forks:')
        for fork in fleet['forks']:
            lines.append('  - %s: hash at height %s is %s, majority has %s'
                         % (fork['host'], fork['height'], fork['hash'], fork['majority_hash']))
    if fleet.get('config_errors'):
        lines.append('')
        lines.append('Config errors:')
        for error in fleet['config_errors']:
            lines.append('  - %s' % error)
    return '\n'.join(lines) + '\n'


def _md_cell(text):
    return ('%s' % (text,)).replace('\\', '\\\\').replace('|', '\\|')


def render_markdown(fleet):
    """Markdown report: title, summary, table, problems, forks, config errors."""
    summary = fleet.get('summary') or {}
    lines = ['# Neo node fleet health: %s' % summary.get('generated_at', ''), '']
    lines.append('**Overall: %s**. %s.' % (('%s' % summary.get('overall', 'unknown')).upper(),
                                           _summary_line(fleet, overall=False)))
    lines.append('')
    lines.append('| ' + ' | '.join(header for header, dummy_key in MD_COLUMNS) + ' |')
    lines.append('|' + '|'.join(('---' if key in ('host', 'status') else '---:') for dummy_header, key in MD_COLUMNS) + '|')
    for row in fleet.get('nodes') or []:
        values = []
        for dummy_header, key in MD_COLUMNS:
            value = _fmt(key, row.get(key))
            if key == 'status' and row.get('status') != 'healthy':
                value = '**%s**' % value
            values.append(_md_cell(value))
        lines.append('| ' + ' | '.join(values) + ' |')
    if not fleet.get('nodes'):
        lines.append('')
        lines.append('_No nodes._')

    problem_nodes = _problem_nodes(fleet)
    lines.append('')
    lines.append('## Problems')
    lines.append('')
    if problem_nodes:
        for row in problem_nodes:
            lines.append('### %s (%s)' % (row['host'], row['status']))
            lines.append('')
            for problem in row.get('problems') or ['(no detail)']:
                lines.append('- %s' % problem)
            lines.append('')
    else:
        lines.append('None.')
        lines.append('')

    fork_check = fleet.get('fork_check') or {}
    lines.append('## Forks')
    lines.append('')
    if fork_check.get('height') is not None:
        lines.append('Compared block hashes at height %s across %d node(s): %s; majority hash %s.'
                     % (fork_check['height'], len(fork_check.get('compared_hosts') or []),
                        ', '.join(fork_check.get('compared_hosts') or []),
                        fork_check.get('majority_hash') or 'none (no majority)'))
    else:
        lines.append('No checkpoints to compare.')
    lines.append('')
    if fleet.get('forks'):
        lines.append('| Node | Height | Hash | Majority hash |')
        lines.append('|---|---:|---|---|')
        for fork in fleet['forks']:
            lines.append('| %s | %s | `%s` | `%s` |' % (_md_cell(fork['host']), fork['height'],
                                                        _md_cell(fork['hash']), _md_cell(fork['majority_hash'])))
        lines.append('')

    lines.append('## Configuration errors')
    lines.append('')
    if fleet.get('config_errors'):
        for error in fleet['config_errors']:
            lines.append('- %s' % error)
    else:
        lines.append('None.')
    return '\n'.join(lines) + '\n'
