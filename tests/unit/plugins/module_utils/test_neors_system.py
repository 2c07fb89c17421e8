# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

import json
import os

import pytest

from ansible_collections.neors.ops.plugins.module_utils import neors_system as system
from ansible_collections.neors.ops.plugins.module_utils.neors_args import (
    DEFAULT_CRITICAL_PATTERNS, DEFAULT_ERROR_PATTERN)
from ansible_collections.neors.ops.plugins.module_utils.neors_errors import NeorsError


class FakeModule:
    """run_command records argv lists and replays scripted (rc, out, err) in order."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.calls = []

    def run_command(self, args, **kwargs):
        assert isinstance(args, list), 'commands must be argv lists, never shell strings'
        self.calls.append(args)
        return self.responses.pop(0)


# ---------------------------------------------------------------------------
# systemctl

SHOW_ACTIVE = 'LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=812\nNRestarts=2\n'
SHOW_FAILED = 'MainPID=0\nNRestarts=5\nLoadState=loaded\nActiveState=failed\nSubState=failed\n'
SHOW_MISSING = 'LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0\nNRestarts=0\n'
SHOW_OLD_SYSTEMD = 'LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=9\nNRestarts=\n'


@pytest.mark.parametrize('out, expected', [
    (SHOW_ACTIVE, {'load_state': 'loaded', 'active_state': 'active', 'sub_state': 'running',
                   'main_pid': 812, 'n_restarts': 2}),
    (SHOW_FAILED, {'load_state': 'loaded', 'active_state': 'failed', 'sub_state': 'failed',
                   'main_pid': 0, 'n_restarts': 5}),
    (SHOW_MISSING, {'load_state': 'not-found', 'active_state': 'inactive', 'sub_state': 'dead',
                    'main_pid': 0, 'n_restarts': 0}),
    (SHOW_OLD_SYSTEMD, {'load_state': 'loaded', 'active_state': 'active', 'sub_state': 'running',
                        'main_pid': 9, 'n_restarts': None}),
])
def test_systemd_unit(out, expected):
    module = FakeModule((0, out, ''))
    info = system.systemd_unit(module, 'neo-rs', '/usr/bin/systemctl')
    assert module.calls == [['/usr/bin/systemctl', 'show', '-p',
                             'LoadState,ActiveState,SubState,MainPID,NRestarts', '--no-pager', '--', 'neo-rs']]
    expected['unit'] = 'neo-rs'
    assert info == expected


def test_systemd_unit_failure_is_clear():
    module = FakeModule((1, '', 'System has not been booted with systemd as init system (PID 1).'))
    with pytest.raises(NeorsError) as ei:
        system.systemd_unit(module, 'neo-rs')
    assert 'rc=1' in ei.value.message and 'not been booted with systemd' in ei.value.message


def test_unit_name_is_one_argv_element():
    module = FakeModule((0, SHOW_ACTIVE, ''))
    system.systemd_unit(module, 'neo; rm -rf /', 'systemctl')
    assert module.calls[0][-2:] == ['--', 'neo; rm -rf /']


# ---------------------------------------------------------------------------
# journalctl

NOW = 1796313600.0  # 2026-12-03T16:00:00Z
US = 1000000


def jline(ts, message, **extra):
    entry = {'__REALTIME_TIMESTAMP': str(int(ts * US)), 'MESSAGE': message, '_SYSTEMD_UNIT': 'neo-rs.service'}
    entry.update(extra)
    return json.dumps(entry)


NEOGO_PERSIST = '2026-12-03T15:59:00.000Z\tERROR\tfailed to persist blockchain\t{"error": "leveldb: checksum mismatch"}'
NEOGO_INFO_EOF = '2026-12-03T15:00:00.000Z\tINFO\tpeer disconnected\t{"addr": "10.0.0.2:20333", "reason": "x", "error": "EOF"}'
NEOGO_ERR_OLD = 'ERROR\tcan\'t connect\t{"error": "dial tcp: i/o timeout"}'
JOURNAL_OUT = '\n'.join([
    jline(NOW - 7200, NEOGO_ERR_OLD),
    jline(NOW - 3600, NEOGO_INFO_EOF),
    jline(NOW - 7000, NEOGO_PERSIST.replace('15:59', '14:03')),   # critical but outside window
    jline(NOW - 60, NEOGO_PERSIST),                                 # critical, recent
    jline(NOW - 30, [0x45, 0x52, 0x52, 0x4f, 0x52, 0x09, 0x62, 0x61, 0x64, 0xff]),  # "ERROR\tbad\xff"
]) + '\n'

DEFAULT_GREP = system.grep_pattern(DEFAULT_ERROR_PATTERN, DEFAULT_CRITICAL_PATTERNS)


def expected_grep_call(since):
    return ['/bin/journalctl', '-u', 'neo-rs', '--since', '@%d' % since, '--no-pager', '-o', 'json',
            '--case-sensitive=false', '-g', DEFAULT_GREP]


def run_journal(module):
    return system.journal_errors(module, 'neo-rs', NOW - 86400, DEFAULT_ERROR_PATTERN, DEFAULT_CRITICAL_PATTERNS,
                                 NOW - 900, 5, '/bin/journalctl')


def test_grep_pattern_contains_all_patterns():
    assert DEFAULT_GREP.startswith('(?:(?i)\\b(error|fatal|panic)\\b)|(?:failed to persist)')


def test_journal_with_grep():
    module = FakeModule((0, JOURNAL_OUT, ''))
    result = run_journal(module)
    assert module.calls == [expected_grep_call(NOW - 86400)]
    assert result['grep'] is True
    assert result['error_count'] == 4  # the INFO line with "error": "EOF" is not an error line
    assert result['critical_count'] == 1  # only the recent "failed to persist"
    assert result['recent'][-1] == 'ERROR\tbad\ufffd'
    assert NEOGO_INFO_EOF not in result['recent']
    assert result['recent'][0] == NEOGO_ERR_OLD


@pytest.mark.parametrize('rc, out, err', [
    (1, '', ''),
    (1, '-- No entries --\n', ''),
    (0, '', ''),
])
def test_journal_no_matches_is_zero_errors(rc, out, err):
    module = FakeModule((rc, out, err))
    result = run_journal(module)
    assert len(module.calls) == 1
    assert result == {'error_count': 0, 'critical_count': 0, 'recent': [], 'grep': True}


@pytest.mark.parametrize('err', [
    'Compiled without pattern matching support',
    'Failed to compile pattern: PCRE2 support is not installed',
    "journalctl: invalid option -- 'g'",
    "journalctl: unrecognized option '--case-sensitive=false'",
])
def test_journal_grep_unsupported_falls_back(err):
    module = FakeModule((1, '', err), (0, JOURNAL_OUT, ''))
    result = run_journal(module)
    assert module.calls == [
        expected_grep_call(NOW - 86400),
        ['/bin/journalctl', '-u', 'neo-rs', '--since', '@%d' % (NOW - 86400), '--no-pager', '-o', 'json',
         '-n', '20000'],
    ]
    assert result['grep'] is False
    assert (result['error_count'], result['critical_count']) == (4, 1)


def test_journal_real_failure_raises():
    module = FakeModule((1, '', 'Failed to open journal: Permission denied'))
    with pytest.raises(NeorsError) as ei:
        run_journal(module)
    assert 'Permission denied' in ei.value.message and len(module.calls) == 1


def test_journal_multiline_message_and_missing_fields():
    out = '\n'.join([
        jline(NOW - 10, 'panic: runtime error: index out of range\ngoroutine 1 [running]:'),
        json.dumps({'__REALTIME_TIMESTAMP': str(int((NOW - 5) * US)), 'MESSAGE': None}),
        'not json',
    ])
    result = run_journal(FakeModule((0, out, '')))
    assert result['error_count'] == 1 and result['critical_count'] == 1
    assert result['recent'] == ['panic: runtime error: index out of range']


# ---------------------------------------------------------------------------
# line classification


@pytest.mark.parametrize('line, level', [
    (NEOGO_PERSIST, 'ERROR'),
    (NEOGO_INFO_EOF, 'INFO'),
    ('WARN\tsomething\t{"error": "x"}', 'WARN'),
    ('2025-07-27T10:00:00.123456Z  INFO neo_node::p2p: error count 0', 'INFO'),
    ('2025-07-27T10:00:00.123456Z ERROR neo_node::ledger: failed to persist block', 'ERROR'),
    ('[FATAL] cannot open db', 'FATAL'),
    ('{"level":"info","msg":"x","error":"EOF"}', 'INFO'),
    ('panic: runtime error: invalid memory address', None),
    ('Error: database entry point either missing or corrupted', None),
])
def test_line_level(line, level):
    assert system.line_level(line) == level


@pytest.mark.parametrize('line, is_error', [
    (NEOGO_PERSIST, True),
    (NEOGO_INFO_EOF, False),
    ('WARN\tfailed to dial\t{"error": "connection refused"}', False),
    ('{"level":"error","msg":"x"}', True),
    ('{"level":"info","msg":"x","error":"EOF"}', False),
    ('panic: runtime error', True),
    ('leveldb: corruption on table-footer', True),  # critical pattern, no level, no word "error"
    ('2026-12-03T15:00:00.000Z\tINFO\tpersisted to disk\t{"blocks": 1}', False),
    ('errors=0 all good', False),  # word boundary: "errors" is not "error"
])
def test_is_error_line(line, is_error):
    error_re, critical_res = system.compile_patterns(DEFAULT_ERROR_PATTERN, DEFAULT_CRITICAL_PATTERNS)
    assert system.is_error_line(line, error_re, critical_res) is is_error


def test_classify_recent_keeps_last_n_and_zero():
    error_re, critical_res = system.compile_patterns(DEFAULT_ERROR_PATTERN, DEFAULT_CRITICAL_PATTERNS)
    entries = [(None, 'ERROR\tline %d' % i) for i in range(8)]
    r = system.classify_lines(entries, error_re, critical_res, 0, 3)
    assert r == {'error_count': 8, 'critical_count': 0, 'recent': ['ERROR\tline 5', 'ERROR\tline 6', 'ERROR\tline 7']}
    assert system.classify_lines(entries, error_re, critical_res, 0, 0)['recent'] == []


# ---------------------------------------------------------------------------
# log file


def test_file_errors(tmp_path):
    log = tmp_path / 'neogo.log'
    log.write_text('\n'.join([NEOGO_INFO_EOF, NEOGO_ERR_OLD, NEOGO_PERSIST, 'INFO\tblock added']) + '\n')
    r = system.file_errors(str(log), DEFAULT_ERROR_PATTERN, DEFAULT_CRITICAL_PATTERNS, 5)
    assert r == {'error_count': 2, 'critical_count': 1, 'recent': [NEOGO_ERR_OLD, NEOGO_PERSIST]}


def test_file_errors_reads_only_tail(tmp_path):
    log = tmp_path / 'big.log'
    head = 'ERROR\told problem\n' * 100
    tail = 'INFO\tfine\n' * 50 + 'ERROR\tnew problem\n'
    log.write_text(head + tail)
    r = system.file_errors(str(log), DEFAULT_ERROR_PATTERN, DEFAULT_CRITICAL_PATTERNS, 5, max_bytes=len(tail) + 5)
    # the partial first line of the tail is dropped; none of the old lines is counted
    assert r['error_count'] == 1 and r['recent'] == ['ERROR\tnew problem']


def test_file_errors_missing(tmp_path):
    with pytest.raises(NeorsError) as ei:
        system.file_errors(str(tmp_path / 'nope.log'), DEFAULT_ERROR_PATTERN, [], 5)
    assert 'does not exist' in ei.value.message


# ---------------------------------------------------------------------------
# /proc

CLK = 100


def make_proc(root, pid=812, comm='neo-node', utime=3000, stime=1000, starttime=100000, uptime=2000.0,
              rss_kb=62771, fds=7, cmdline=None):
    piddir = root / str(pid)
    (piddir / 'fd').mkdir(parents=True)
    for i in range(fds):
        (piddir / 'fd' / str(i)).write_text('')
    (piddir / 'comm').write_text(comm + '\n')
    (piddir / 'cmdline').write_bytes((cmdline or '/usr/local/bin/%s\0--config\0x.yml\0' % comm).encode())
    fields = ['S', '1', str(pid), str(pid), '0', '-1', '4194560', '0', '0', '0', '0',
              str(utime), str(stime), '0', '0', '20', '0', '9', '0', str(starttime), '0', '0']
    (piddir / 'stat').write_text('%d (%s) %s\n' % (pid, comm, ' '.join(fields)))
    status = 'Name:\t%s\nState:\tS (sleeping)\n' % comm
    if rss_kb is not None:
        status += 'VmRSS:\t  %d kB\n' % rss_kb
    (piddir / 'status').write_text(status + 'Threads:\t9\n')
    (root / 'uptime').write_text('%.2f 3000.00\n' % uptime)
    return piddir


def test_parse_proc_stat_with_odd_comm():
    text = '812 (neo (node) x) S 1 812 812 0 -1 4194560 0 0 0 0 3000 1000 0 0 20 0 9 0 100000 0 0\n'
    assert system.parse_proc_stat(text) == (3000, 1000, 100000)


def test_process_info(tmp_path):
    make_proc(tmp_path)
    info = system.process_info(812, str(tmp_path), clk_tck=CLK)
    # started at 1000 s of uptime, now 2000 s: 1000 s old, 40 s CPU -> 4 %
    assert info == {'pid': 812, 'rss_kb': 62771, 'rss_mb': 61.3, 'cpu_percent': 4.0,
                    'uptime_seconds': 1000, 'open_fds': 7, 'open_fds_error': None}


def test_process_info_vanished_and_partial(tmp_path):
    assert system.process_info(999, str(tmp_path), clk_tck=CLK) is None
    piddir = make_proc(tmp_path, rss_kb=None)
    (piddir / 'status').unlink()  # exited between the reads
    os.rename(str(piddir / 'fd'), str(piddir / 'gone'))
    info = system.process_info(812, str(tmp_path), clk_tck=CLK)
    assert info['rss_kb'] is None and info['rss_mb'] is None and info['open_fds'] is None
    assert info['uptime_seconds'] == 1000


def test_find_pid(tmp_path):
    make_proc(tmp_path, pid=50, comm='bash')
    make_proc(tmp_path, pid=812, comm='neo-node')
    make_proc(tmp_path, pid=900, comm='neo-node')
    # comm is truncated to 15 chars by the kernel: match via argv[0]
    make_proc(tmp_path, pid=77, comm='neo-node-mainne', cmdline='/opt/bin/neo-node-mainnet-x\0')
    (tmp_path / 'self').mkdir()
    root = str(tmp_path)
    assert system.find_pid('neo-node', 0, root) == 812
    assert system.find_pid('neo-node', 900, root) == 900
    assert system.find_pid('neo-node', 4242, root) == 812  # MainPID gone: scan
    assert system.find_pid('neo-node-mainnet-x', None, root) == 77
    assert system.find_pid('bash', None, root) == 50
    assert system.find_pid('neogo', None, root) is None


# ---------------------------------------------------------------------------
# ports

# 30332 = 0x767C (not 0x763C, which is 30268), 30334 = 0x767E
TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:767C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:767C 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:9C40 0100007F:767C 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
"""
TCP6 = (
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:767E 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 "
    "0000000000000000 100 0 0 10 0\n"
)


def test_listening_ports(tmp_path):
    (tmp_path / 'tcp').write_text(TCP)
    (tmp_path / 'tcp6').write_text(TCP6)
    assert system.parse_proc_net_tcp(TCP) == {30332}
    assert system.listening_ports((str(tmp_path / 'tcp'), str(tmp_path / 'tcp6'))) == {30332, 30334}
    # IPv6 disabled: tcp6 missing is fine
    assert system.listening_ports((str(tmp_path / 'tcp'), str(tmp_path / 'nope'))) == {30332}
    with pytest.raises(NeorsError):
        system.listening_ports((str(tmp_path / 'nope'),))


# ---------------------------------------------------------------------------
# disk


class FakeStatvfs:
    f_frsize = 4096
    f_blocks = 1000
    f_bfree = 150   # includes 50 reserved blocks
    f_bavail = 100
    f_files = 200
    f_ffree = 50


def test_disk_usage_like_df(tmp_path, monkeypatch):
    (tmp_path / 'chain').mkdir()
    (tmp_path / 'chain' / '000001.ldb').write_bytes(b'x' * 1000)
    (tmp_path / 'CURRENT').write_bytes(b'y' * 16)
    (tmp_path / 'link').symlink_to('/etc/passwd')  # not followed, not counted
    (tmp_path / 'dirlink').symlink_to(str(tmp_path / 'chain'))
    monkeypatch.setattr(system.os, 'statvfs', lambda p: FakeStatvfs())
    d = system.disk_usage(str(tmp_path))
    assert d['total_bytes'] == 1000 * 4096
    assert d['used_bytes'] == 850 * 4096
    assert d['free_bytes'] == 100 * 4096
    assert d['used_percent'] == round(100.0 * 850 / 950, 1)  # 89.5, df's Use% ignores reserved blocks
    assert (d['inodes_total'], d['inodes_used'], d['inodes_percent']) == (200, 150, 75.0)
    assert d['data_dir_bytes'] == 1016
    assert d['path'] == str(tmp_path)


def test_disk_usage_missing_dir(tmp_path):
    with pytest.raises(NeorsError) as ei:
        system.disk_usage(str(tmp_path / 'data'))
    assert ei.value.message == 'data_dir %s does not exist' % (tmp_path / 'data')


def test_disk_usage_real_fs(tmp_path):
    d = system.disk_usage(str(tmp_path))
    assert d['total_bytes'] > 0 and 0 <= d['used_percent'] <= 100


# ---------------------------------------------------------------------------
# journal that cannot be read is not "no error lines"

@pytest.mark.parametrize('rc, err', [
    (1, 'No journal files were opened due to insufficient permissions.\n'),
    (1, 'No journal files were found.\n'),
    (0, 'No journal files were opened due to insufficient permissions.\n'),
    (1, 'Hint: You are currently not seeing messages from other users and the system.\n'
        'No journal files were opened due to insufficient permissions.\n'),
    (2, ''),
])
def test_journal_unreadable_raises(rc, err):
    module = FakeModule((rc, '', err))
    with pytest.raises(NeorsError) as ei:
        run_journal(module)
    assert ei.value.message.startswith('journalctl -u neo-rs failed (rc=%d): ' % rc)
    if err:
        assert 'No journal files' in ei.value.message and 'Hint' not in ei.value.message


@pytest.mark.parametrize('rc, err', [
    (1, ''),  # what journalctl -g prints when nothing matches (systemd 252 in the lab: nothing, rc=1)
    (1, 'Hint: You are currently not seeing messages from other users and the system.\n'
        '      Users in groups \'adm\', \'systemd-journal\' can see all messages.\n'),
    (0, 'Journal file /var/log/journal/x/system@1.journal~ is truncated, ignoring file.\n'),
])
def test_journal_no_match_and_harmless_warnings(rc, err):
    result = run_journal(FakeModule((rc, '', err)))
    assert result['error_count'] == 0


# ---------------------------------------------------------------------------
# log files that are not regular files

def test_log_file_fifo_does_not_block(tmp_path):
    fifo = str(tmp_path / 'neo.log')
    os.mkfifo(fifo)
    with pytest.raises(NeorsError) as ei:
        system.file_errors(fifo, DEFAULT_ERROR_PATTERN, [], 5)
    assert ei.value.message == 'log file %s is a FIFO, not a regular file' % fifo


def test_log_file_directory_and_loop(tmp_path):
    with pytest.raises(NeorsError) as ei:
        system.file_errors(str(tmp_path), DEFAULT_ERROR_PATTERN, [], 5)
    assert ei.value.message == 'log file %s is a directory, not a regular file' % tmp_path
    (tmp_path / 'loop').symlink_to(str(tmp_path / 'loop'))
    with pytest.raises(NeorsError) as ei:
        system.file_errors(str(tmp_path / 'loop'), DEFAULT_ERROR_PATTERN, [], 5)
    assert 'symlink loop' in ei.value.message


# ---------------------------------------------------------------------------
# data dir: unreadable parts, loops

def test_dir_size_unreadable_top(tmp_path, monkeypatch):
    real = os.scandir

    def scandir(path):
        if path == str(tmp_path):
            raise PermissionError(13, 'Permission denied', path)
        return real(path)
    monkeypatch.setattr(system.os, 'scandir', scandir)
    assert system.dir_size(str(tmp_path)) == (None, 'data dir size unreadable: Permission denied')
    d = system.disk_usage(str(tmp_path))
    assert d['data_dir_bytes'] is None and d['data_dir_error'] == 'data dir size unreadable: Permission denied'


def test_dir_size_error_while_iterating_is_partial(tmp_path, monkeypatch):
    (tmp_path / 'a').write_bytes(b'x' * 10)
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'sub' / 'b').write_bytes(b'y' * 5)
    real = os.scandir

    class Failing:
        """Yields the real entries, then fails like a disk with a bad sector."""

        def __init__(self, path):
            self.it = real(path)
            self.path = path

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.it.close()

        def __iter__(self):
            return self

        def __next__(self):
            entry = next(self.it)
            if entry.name == 'b':
                raise OSError(5, 'Input/output error', self.path)
            return entry

    monkeypatch.setattr(system.os, 'scandir', Failing)
    total, problem = system.dir_size(str(tmp_path))
    assert total == 10
    assert problem == 'data dir size partial: 1 unreadable entry, e.g. %s: Input/output error' % (tmp_path / 'sub')


def test_data_dir_symlink_loop_and_dangling(tmp_path):
    loop = tmp_path / 'data'
    loop.symlink_to(str(loop))
    with pytest.raises(NeorsError) as ei:
        system.disk_usage(str(loop))
    assert ei.value.message.startswith('data_dir %s is a symlink loop' % loop)
    dangling = tmp_path / 'gone'
    dangling.symlink_to('/nonexistent/chain')
    with pytest.raises(NeorsError) as ei:
        system.disk_usage(str(dangling))
    assert ei.value.message == 'data_dir %s is a dangling symlink to /nonexistent/chain' % dangling
    (tmp_path / 'file').write_text('')
    with pytest.raises(NeorsError) as ei:
        system.disk_usage(str(tmp_path / 'file'))
    assert ei.value.message == 'data_dir %s is not a directory' % (tmp_path / 'file')


def test_open_fds_unreadable_says_why(tmp_path, monkeypatch):
    make_proc(tmp_path)
    real = os.listdir

    def listdir(path):
        if path.endswith('/fd'):
            raise PermissionError(13, 'Permission denied', path)
        return real(path)
    monkeypatch.setattr(system.os, 'listdir', listdir)
    info = system.process_info(812, str(tmp_path), clk_tck=CLK)
    assert info['open_fds'] is None and info['open_fds_error'] == 'Permission denied'


# ---------------------------------------------------------------------------
# process_name vs the unit's MainPID

def set_ppid(root, pid, ppid):
    stat_path = root / str(pid) / 'stat'
    text = stat_path.read_text()
    head, rest = text.rsplit(') ', 1)
    fields = rest.split()
    fields[1] = str(ppid)
    stat_path.write_text('%s) %s\n' % (head, ' '.join(fields)))


def test_find_process_wrapper_main_pid(tmp_path):
    make_proc(tmp_path, pid=100, comm='sh', cmdline='/bin/sh\0-c\0exec-ish wrapper\0')
    make_proc(tmp_path, pid=150, comm='logger')
    make_proc(tmp_path, pid=200, comm='neo-node')
    make_proc(tmp_path, pid=120, comm='neo-node')   # another neo-node, not under the unit
    set_ppid(tmp_path, 150, 100)
    set_ppid(tmp_path, 200, 150)                     # grandchild of MainPID
    root = str(tmp_path)
    assert system.find_process('neo-node', 100, root, unit='neo-rs') == (200, None)
    assert system.find_process('sh', 100, root, unit='neo-rs') == (100, None)


def test_find_process_main_pid_is_something_else(tmp_path):
    make_proc(tmp_path, pid=4242, comm='neo-node')
    make_proc(tmp_path, pid=50, comm='neogo')       # not a descendant: not used
    pid, mismatch = system.find_process('neogo', 4242, str(tmp_path), unit='neo-rs')
    assert pid == 4242
    assert mismatch == 'unit neo-rs main process is neo-node (pid 4242), not neogo'
    # no MainPID: scan by name as before
    assert system.find_process('neogo', 0, str(tmp_path), unit='neo-rs') == (50, None)
