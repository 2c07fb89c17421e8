# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judging logic of neors_health: pure functions from gathered facts to the result
contract (docs/health-result.md). No I/O here except read_state and the atomic writers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import os
import tempfile
import time

from ansible_collections.neors.ops.plugins.module_utils.neors_errors import NeorsError

HEALTHY = 'healthy'
DEGRADED = 'degraded'
UNHEALTHY = 'unhealthy'
UNKNOWN = 'unknown'

_SEVERITY = {HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2}
CHECKPOINT_STRIDES = (16, 256, 4096, 65536, 1048576)
CHECK_NAMES = ('service', 'process', 'rpc', 'block_height', 'peers', 'logs', 'disk', 'ports')
# A state time this far ahead of now means the clock went backwards (or the file is bogus).
STATE_CLOCK_SLACK = 60
MAX_BLOCK_COUNT = 2 ** 32


def check(status, message, value):
    return {'status': status, 'message': message, 'value': value}


def worst(statuses):
    """Worst of the statuses; unknown counts as nothing (its cause is reported elsewhere)."""
    result = HEALTHY
    for status in statuses:
        if _SEVERITY.get(status, -1) > _SEVERITY[result]:
            result = status
    return result


def overall_status(checks):
    return worst(c['status'] for c in checks.values())


def checkpoint_heights(block_count):
    """Heights whose hashes let the controller compare nodes at different heights.

    For each stride s: m = ((h-1)//s)*s and m - s (when >= 0), plus genesis 0.
    Highest first, no duplicates; empty when the chain has no block.
    """
    try:
        h = int(block_count)
    except (TypeError, ValueError):
        return []
    if h < 1:
        return []
    heights = set([0])
    for s in CHECKPOINT_STRIDES:
        m = ((h - 1) // s) * s
        for candidate in (m, m - s):
            if candidate >= 0:
                heights.add(candidate)
    return sorted(heights, reverse=True)


def utc_timestamp(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


# ---------------------------------------------------------------------------
# individual checks


def judge_service(unit_info, error=None, unit=None):
    if error is not None:
        value = {'unit': unit, 'load_state': None, 'active_state': None, 'sub_state': None,
                 'main_pid': None, 'n_restarts': None}
        return check(UNHEALTHY, 'cannot determine state of service %s: %s' % (unit, error), value)
    name = unit_info['unit']
    if unit_info.get('load_state') == 'not-found':
        return check(UNHEALTHY, 'service %s is not installed (unit not found)' % name, unit_info)
    restarts = unit_info.get('n_restarts')
    restart_note = ', %d restart(s)' % restarts if restarts else ''
    if unit_info.get('active_state') != 'active':
        return check(UNHEALTHY, 'service %s is %s (%s)%s' % (
            name, unit_info.get('active_state'), unit_info.get('sub_state'), restart_note), unit_info)
    return check(HEALTHY, 'service %s is active (%s)%s' % (name, unit_info.get('sub_state'), restart_note),
                 unit_info)


def judge_process(info, name, memory_warn_mb, mismatch=None):
    """mismatch: why the process measured is not process_name (see neors_system.find_process)."""
    keys = ('pid', 'rss_kb', 'rss_mb', 'cpu_percent', 'uptime_seconds', 'open_fds')
    value = {'name': name}
    for k in keys:
        value[k] = (info or {}).get(k)
    if info is None:
        return check(UNHEALTHY, 'process %s is not running' % name, value)
    figures = 'running for %ss, RSS %s MB, CPU %s%%' % (
        value['uptime_seconds'], value['rss_mb'], value['cpu_percent'])
    notes = ''
    if value['open_fds'] is None and info.get('open_fds_error'):
        notes = ' (open files unreadable: %s)' % info['open_fds_error']
    status, messages = HEALTHY, []
    if mismatch:
        # Still report the main process's figures: it is what the unit runs.
        status = DEGRADED
        messages.append('%s; %s' % (mismatch, figures))
    if value['rss_mb'] is not None and value['rss_mb'] > memory_warn_mb:
        status = DEGRADED
        messages.append('high memory usage: RSS %s MB > %s MB (pid %s)' % (
            value['rss_mb'], _num(memory_warn_mb), value['pid']))
    if not messages:
        messages.append('process %s (pid %s) %s' % (name, value['pid'], figures))
    return check(status, '; '.join(messages) + notes, value)


def _num(x):
    return '%g' % x if isinstance(x, float) else str(x)


def _network(version):
    if isinstance(version, dict) and isinstance(version.get('protocol'), dict):
        return version['protocol'].get('network')
    return None


def _useragent(version):
    return version.get('useragent') if isinstance(version, dict) else None


def one_line(text):
    """Node-supplied text (user agent, error messages) in a message: never more than one line."""
    return ' '.join(str(text).split())


def judge_rpc(facts, rpc_warn_ms):
    latencies = dict(facts.get('latency_ms') or {})
    max_latency = max(latencies.values()) if latencies else None
    version = facts.get('version')
    error = facts.get('core_error')
    value = {'url': facts.get('url'), 'latency_ms': latencies, 'max_latency_ms': max_latency,
             'useragent': _useragent(version), 'network': _network(version), 'error': error}
    if error:
        return check(UNHEALTHY, error, value)
    notes = []
    status = HEALTHY
    slow = sorted((m, ms) for m, ms in latencies.items() if ms > rpc_warn_ms)
    if slow:
        status = DEGRADED
        notes.append('slow RPC: ' + ', '.join('%s took %s ms' % (m, _num(ms)) for m, ms in slow)
                     + ' (> %s ms)' % _num(rpc_warn_ms))
    if facts.get('checkpoints_error'):
        status = worst([status, DEGRADED])
        notes.append('checkpoint hashes unavailable: %s' % facts['checkpoints_error'])
        value['error'] = facts['checkpoints_error']
    if facts.get('checkpoints_bad'):
        # Those checkpoints were dropped: comparing a malformed hash would look like a fork.
        status = worst([status, DEGRADED])
        bad = '; '.join(facts['checkpoints_bad'])
        notes.append(bad)
        value['error'] = value['error'] or bad
    if notes:
        return check(status, one_line('; '.join(notes)), value)
    return check(HEALTHY, 'RPC answering (%s, max latency %s ms)' % (one_line(value['useragent']), _num(max_latency)),
                 value)


def judge_block_height(height, network, state, now, stall_seconds, reference_height=None,
                       max_lag_blocks=10, tracking=True):
    """Return (check, new_state). new_state None means: leave the state file alone."""
    valid = _valid_state(state)
    prev = state['height'] if valid else None  # never echo a corrupt file's values
    value = {'height': height, 'previous_height': prev, 'advanced': None, 'seconds_since_advance': None,
             'reference_height': reference_height, 'lag': None}
    if height is None:
        return check(UNKNOWN, 'block height unavailable (RPC failed)', value), None

    fresh = {'height': height, 'network': network, 'last_advance_epoch': now, 'observed_epoch': now}
    status, messages, new_state = HEALTHY, [], None
    future = _state_from_future(state, now) if valid else None
    if not tracking:
        messages.append('height %d (stall tracking disabled)' % height)
    elif not valid:
        new_state = fresh
        messages.append('height %d: first observation' % height)
    elif future is not None:
        # Keeping it would report "unchanged for 0 s" until the clock catches up: stall
        # detection silently off. Start again from now and say so.
        new_state = fresh
        status = DEGRADED
        value['previous_height'] = None
        messages.append('state file is from the future (%s, now %s; clock moved backwards?): stall tracking '
                        'reset at height %d' % (utc_timestamp(future), utc_timestamp(now), height))
    elif state.get('network') is not None and network is not None and state['network'] != network:
        new_state = fresh
        status = DEGRADED
        messages.append('network changed from %s to %s: stall tracking reset at height %d'
                        % (state['network'], network, height))
    elif height < prev:
        new_state = fresh
        status = DEGRADED
        messages.append('height went down from %s to %d (restore or resync?): stall tracking reset'
                        % (prev, height))
    elif height > prev:
        new_state = fresh
        value['advanced'] = True
        value['seconds_since_advance'] = 0
        messages.append('height %d (+%d since previous check)' % (height, height - prev))
    else:
        last_advance = state['last_advance_epoch']
        since = max(int(now - last_advance), 0)
        value['advanced'] = False
        value['seconds_since_advance'] = since
        new_state = dict(state, observed_epoch=now, network=network if network is not None else state.get('network'))
        if since > stall_seconds:
            status = UNHEALTHY
            messages.append('height %d has not advanced for %d s (limit %d s)' % (height, since, stall_seconds))
        else:
            messages.append('height %d unchanged for %d s (limit %d s)' % (height, since, stall_seconds))

    if reference_height is not None:
        lag = reference_height - height
        value['lag'] = lag
        if lag > max_lag_blocks:
            status = worst([status, UNHEALTHY])
            messages.append('%d blocks behind reference height %d (max %d)' % (lag, reference_height, max_lag_blocks))
        else:
            messages.append('lag %d blocks vs reference %d' % (lag, reference_height))
    return check(status, '; '.join(messages), value), new_state


def _is_epoch(t):
    # json.load accepts NaN/Infinity and turns 1e400 into inf: all break int()/comparisons.
    return isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) and t >= 0


def _valid_state(state):
    """Whether state is a usable stall state; anything else counts as a first observation."""
    if not isinstance(state, dict):
        return False
    h = state.get('height')
    if isinstance(h, bool) or not isinstance(h, int) or not 0 <= h <= MAX_BLOCK_COUNT:
        return False
    if not _is_epoch(state.get('last_advance_epoch')):
        return False
    if state.get('observed_epoch') is not None and not _is_epoch(state['observed_epoch']):
        return False
    network = state.get('network')
    return network is None or (isinstance(network, int) and not isinstance(network, bool))


def _state_from_future(state, now):
    """The latest time in a valid state when it lies beyond now + slack, else None."""
    times = [state['last_advance_epoch']]
    if state.get('observed_epoch') is not None:
        times.append(state['observed_epoch'])
    latest = max(times)
    return latest if latest > now + STATE_CLOCK_SLACK else None


def _json_kind(x):
    """'an object', 'a number', ... : what a decoded JSON value is, for messages."""
    if x is None:
        return 'null'
    if isinstance(x, bool):
        return 'a boolean'
    if isinstance(x, (int, float)):
        return 'a number'
    return {dict: 'an object', list: 'an array', str: 'a string'}.get(type(x), 'a %s' % type(x).__name__)


def parse_peers(peers):
    """getpeers' answer -> (connected ["ip:port"], unconnected_count, bad_count, problems).

    Whatever the node sends, never raises: a part that is not the documented shape
    ({"connected": [{"address", "port"}], "unconnected": [...], "bad": [...]}) is left out
    (None count) and named in problems.
    """
    if peers is None:
        return [], None, None, []
    if not isinstance(peers, dict):
        return [], None, None, ['getpeers returned %s instead of an object' % _json_kind(peers)]
    problems, counts, connected = [], {}, []
    for key in ('connected', 'unconnected', 'bad'):
        items = peers.get(key)
        if items is None:
            items = []  # absent: nothing of that kind
        if not isinstance(items, list):
            problems.append('getpeers "%s" is %s, not an array' % (key, _json_kind(items)))
            counts[key] = None
            continue
        counts[key] = len(items)
        if key != 'connected':
            continue
        for i, p in enumerate(items):
            if isinstance(p, dict) and isinstance(p.get('address'), str) and p['address'] \
                    and isinstance(p.get('port'), int) and not isinstance(p.get('port'), bool):
                connected.append(one_line('%s:%s' % (p['address'], p['port'])))
            else:
                problems.append('getpeers connected[%d] is not an {address, port} object: %s'
                                % (i, one_line(json.dumps(p))[:80]))
    return connected, counts['unconnected'], counts['bad'], problems


def judge_peers(facts, min_peers):
    raw = facts.get('peers')
    connected, unconnected_count, bad_count, problems = parse_peers(raw)
    count = facts.get('connection_count')
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        # Fall back to getpeers, unless its connected list is unusable too.
        usable = isinstance(raw, dict) and isinstance(raw.get('connected'), list)
        count = len(connected) if usable else None
    value = {'connected_count': count, 'connected': connected,
             'unconnected_count': unconnected_count, 'bad_count': bad_count}
    if facts.get('core_error'):
        return check(UNKNOWN, 'not checked: RPC unavailable', value)
    errors = list(facts.get('peer_errors') or [])
    if problems:
        errors.append('malformed getpeers answer: %s' % '; '.join(problems[:3])
                      + ('; ...' if len(problems) > 3 else ''))
    if count is None:
        return check(DEGRADED, 'peer information unavailable: %s' % '; '.join(errors or ['no data']), value)
    if count < min_peers:
        return check(DEGRADED, '%d connected peer(s), fewer than min_peers %d' % (count, min_peers), value)
    if errors:
        return check(DEGRADED, '%d connected peer(s); %s' % (count, '; '.join(errors)), value)
    return check(HEALTHY, '%d connected peer(s)' % count, value)


def judge_logs(log_result, source, window_seconds, critical_window, error=None):
    value = {'source': source, 'window_seconds': window_seconds, 'error_count': None,
             'critical_count': None, 'recent': []}
    if error is not None:
        # Never "no error lines" when we could not look: that is the one answer we cannot give.
        return check(DEGRADED, 'cannot read %s: %s' % ('the journal' if source == 'journal' else 'logs', error),
                     value)
    errors, critical = log_result['error_count'], log_result['critical_count']
    value.update(error_count=errors, critical_count=critical, recent=log_result['recent'])
    if critical:
        where = 'in the last %d s' % critical_window if source == 'journal' else 'in the log file tail'
        return check(UNHEALTHY, '%d critical log line(s) %s (%d error line(s) in window); last: %s'
                     % (critical, where, errors, value['recent'][-1] if value['recent'] else ''), value)
    if errors:
        return check(DEGRADED, '%d error line(s) in the last %d s' % (errors, window_seconds)
                     if source == 'journal' else '%d error line(s) in the log file tail' % errors, value)
    return check(HEALTHY, 'no error lines', value)


def judge_disk(disk, warn_percent, crit_percent, path=None, error=None):
    keys = ('total_bytes', 'used_bytes', 'free_bytes', 'used_percent', 'inodes_total', 'inodes_used',
            'inodes_percent', 'data_dir_bytes')
    value = {'path': (disk or {}).get('path', path)}
    for k in keys:
        value[k] = (disk or {}).get(k)
    if error is not None:
        return check(UNHEALTHY, str(error), value)
    used = value['used_percent']
    inodes = value['inodes_percent']
    worst_pct = max(used, inodes if inodes is not None else 0)
    what = 'disk usage %s%%' % _num(used)
    if inodes is not None:
        what += ', inodes %s%%' % _num(inodes)
    what += ' on %s' % value['path']
    if (disk or {}).get('data_dir_error'):
        what += ' (%s)' % disk['data_dir_error']
    if worst_pct >= crit_percent:
        return check(UNHEALTHY, '%s (critical >= %s%%)' % (what, _num(crit_percent)), value)
    if worst_pct >= warn_percent:
        return check(DEGRADED, '%s (warning >= %s%%)' % (what, _num(warn_percent)), value)
    return check(HEALTHY, what, value)


def judge_ports(listening, rpc_port, p2p_port, error=None):
    value = {'rpc': {'port': rpc_port, 'listening': None}, 'p2p': {'port': p2p_port, 'listening': None}}
    if error is not None:
        return check(DEGRADED, 'cannot check listening ports: %s' % error, value)
    missing = []
    for name, port in (('rpc', rpc_port), ('p2p', p2p_port)):
        value[name]['listening'] = port in listening
        if not value[name]['listening']:
            missing.append('%s port %s' % (name, port))
    if missing:
        return check(UNHEALTHY, 'not listening: %s' % ', '.join(missing), value)
    return check(HEALTHY, 'listening on rpc port %s and p2p port %s' % (rpc_port, p2p_port), value)


# ---------------------------------------------------------------------------
# result


def node_summary(checks, checkpoints=None):
    def val(name, key):
        return ((checks.get(name) or {}).get('value') or {}).get(key)
    return {
        'height': val('block_height', 'height'),
        'network': val('rpc', 'network'),
        'useragent': val('rpc', 'useragent'),
        'peers': val('peers', 'connected_count'),
        'rpc_ms': val('rpc', 'max_latency_ms'),
        'rss_mb': val('process', 'rss_mb'),
        'cpu_percent': val('process', 'cpu_percent'),
        'disk_percent': val('disk', 'used_percent'),
        'error_count': val('logs', 'error_count'),
        'critical_count': val('logs', 'critical_count'),
        'checkpoints': checkpoints,
    }


def build_result(checks, timestamp, checkpoints=None):
    return {
        'overall_status': overall_status(checks),
        'timestamp': timestamp,
        'checks': checks,
        'node': node_summary(checks, checkpoints),
    }


def unhealthy_summary(checks):
    """'name (message), ...' for every unhealthy check, in contract order."""
    names = [n for n in CHECK_NAMES if n in checks] + sorted(n for n in checks if n not in CHECK_NAMES)
    return ', '.join('%s (%s)' % (n, checks[n]['message']) for n in names if checks[n]['status'] == UNHEALTHY)


# ---------------------------------------------------------------------------
# files


def read_state(path):
    """The stored stall state, or None when absent/unreadable (treated as a first observation)."""
    try:
        with open(path, 'r') as f:
            data = json.load(f)
    except (OSError, IOError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def ensure_parent_dir(path, mode=0o755):
    """Create path's parent directories; NeorsError naming what is in the way."""
    target = os.path.abspath(path)
    parent = os.path.dirname(target)
    if os.path.isdir(target):
        raise NeorsError('%s is a directory' % path)
    if os.path.isdir(parent):
        return parent
    # makedirs alone says "[Errno 17] File exists" when a file sits where a directory must go.
    blocker = parent
    while not os.path.lexists(blocker) and os.path.dirname(blocker) != blocker:
        blocker = os.path.dirname(blocker)
    if os.path.lexists(blocker) and not os.path.isdir(blocker):
        raise NeorsError('cannot create directory %s: %s exists and is not a directory' % (parent, blocker))
    os.makedirs(parent, mode)
    return parent


def write_text_atomic(path, text, mode=0o644):
    """Write text so readers never see a partial file (temp file + fsync + rename)."""
    parent = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=parent, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable; not possible on every file system
        dfd = os.open(parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def write_json_atomic(path, data, mode=0o644):
    """Write data as JSON so readers never see a partial file."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + '\n', mode)
