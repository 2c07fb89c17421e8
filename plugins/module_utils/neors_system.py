# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host inspection for neors.ops modules: systemd, /proc, journal/log file, disk, ports.

Commands always go through ``module.run_command`` with argv lists (never a shell
string built from user input). Every path and command is a parameter so tests can
point the functions at fixture trees and fake modules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import re
import stat

from ansible_collections.neors.ops.plugins.module_utils.neors_errors import NeorsError

SYSTEMCTL_PROPERTIES = 'LoadState,ActiveState,SubState,MainPID,NRestarts'
LOG_TAIL_BYTES = 4 * 1024 * 1024
JOURNAL_FALLBACK_LINES = 20000
RECENT_LINE_MAX_CHARS = 500

# ---------------------------------------------------------------------------
# systemd


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_systemctl_show(text):
    props = {}
    for line in text.splitlines():
        key, sep, value = line.partition('=')
        if sep:
            props[key.strip()] = value.strip()
    return props


def systemd_unit(module, unit, systemctl='systemctl'):
    """Return the unit's state dict (contract keys of checks.service.value)."""
    # '--' ends the options: a unit name starting with '-' (e.g. -H host, which makes systemctl
    # SSH somewhere) can never be read as one. The options validation rejects those too.
    argv = [systemctl, 'show', '-p', SYSTEMCTL_PROPERTIES, '--no-pager', '--', unit]
    try:
        rc, out, err = module.run_command(argv)
    except Exception as e:  # e.g. binary missing when check_rc is not used
        raise NeorsError('could not run %s: %s' % (systemctl, e))
    if rc != 0:
        detail = (err or out or '').strip() or 'no output'
        raise NeorsError('systemctl show %s failed (rc=%s): %s' % (unit, rc, detail))
    props = parse_systemctl_show(out)
    if not props.get('LoadState'):
        raise NeorsError('systemctl show %s returned no LoadState: %r' % (unit, (out or '')[:200]))
    return {
        'unit': unit,
        'load_state': props.get('LoadState'),
        'active_state': props.get('ActiveState'),
        'sub_state': props.get('SubState'),
        'main_pid': _int_or_none(props.get('MainPID')),
        'n_restarts': _int_or_none(props.get('NRestarts')),
    }


# ---------------------------------------------------------------------------
# processes


def _read_text(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', errors='replace')


def _argv0_base(proc_root, pid):
    try:
        cmdline = _read_text(os.path.join(proc_root, str(pid), 'cmdline'))
    except (OSError, IOError):
        return ''
    return os.path.basename(cmdline.split('\0', 1)[0])


def _comm(proc_root, pid):
    try:
        return _read_text(os.path.join(proc_root, str(pid), 'comm')).strip()
    except (OSError, IOError):
        return None


def _is_named(proc_root, pid, process_name):
    """comm (truncated by the kernel to 15 bytes) or argv[0]'s base name is process_name."""
    comm = _comm(proc_root, pid)
    if comm is None:
        return False
    if comm == process_name[:15]:
        return True
    return _argv0_base(proc_root, pid) == process_name


def _pids(proc_root):
    try:
        return sorted(int(e) for e in os.listdir(proc_root) if e.isdigit())
    except OSError:
        return []


def _ppid(proc_root, pid):
    try:
        text = _read_text(os.path.join(proc_root, str(pid), 'stat'))
        return int(text[text.rindex(')') + 2:].split()[1])
    except (OSError, IOError, ValueError, IndexError):
        return None


def _descendants(proc_root, root_pid):
    """PIDs below root_pid, nearest generation first."""
    children = {}
    for pid in _pids(proc_root):
        ppid = _ppid(proc_root, pid)
        if ppid is not None:
            children.setdefault(ppid, []).append(pid)
    found, queue, seen = [], [root_pid], set([root_pid])
    while queue:
        for child in children.get(queue.pop(0), []):
            if child not in seen:
                seen.add(child)
                found.append(child)
                queue.append(child)
    return found


def find_process(process_name, main_pid=None, proc_root='/proc', unit=None):
    """Return (pid, mismatch): the process to measure and, if it is not process_name, why.

    With a live MainPID: MainPID when it is process_name; else the nearest descendant named
    process_name (ExecStart is a wrapper script or sh -c); else MainPID itself with a mismatch
    note (it is what the unit runs, so its figures are still worth reporting).
    Without one: the lowest PID named process_name, or (None, None).
    """
    if main_pid and main_pid > 0 and os.path.isdir(os.path.join(proc_root, str(main_pid))):
        if _is_named(proc_root, main_pid, process_name):
            return main_pid, None
        for pid in _descendants(proc_root, main_pid):
            if _is_named(proc_root, pid, process_name):
                return pid, None
        actual = _argv0_base(proc_root, main_pid) or _comm(proc_root, main_pid) or '?'
        return main_pid, 'unit %s main process is %s (pid %d), not %s' % (
            unit or '?', ' '.join(actual.split()), main_pid, process_name)
    found = [pid for pid in _pids(proc_root) if _is_named(proc_root, pid, process_name)]
    return (min(found) if found else None), None


def find_pid(process_name, main_pid=None, proc_root='/proc'):
    """The PID find_process settles on (MainPID, a descendant, or a PID named process_name)."""
    return find_process(process_name, main_pid, proc_root)[0]


def parse_proc_stat(text):
    """Return (utime, stime, starttime) in clock ticks from /proc/PID/stat."""
    # comm (field 2) may contain spaces and parentheses: split after the last ')'.
    rest = text[text.rindex(')') + 2:].split()
    # rest[0] is field 3 (state), so field N is rest[N - 3].
    return int(rest[11]), int(rest[12]), int(rest[19])


def parse_vmrss_kb(text):
    for line in text.splitlines():
        if line.startswith('VmRSS:'):
            parts = line.split()
            return int(parts[1])
    return None  # kernel threads and zombies have no VmRSS


def process_info(pid, proc_root='/proc', clk_tck=None):
    """Resource usage of pid, or None when the process does not exist (any more).

    A process exiting between two reads is normal on a live host: fields read
    after it vanished are None instead of an exception.
    """
    if clk_tck is None:
        clk_tck = os.sysconf('SC_CLK_TCK')
    base = os.path.join(proc_root, str(pid))
    try:
        utime, stime, starttime = parse_proc_stat(_read_text(os.path.join(base, 'stat')))
        sys_uptime = float(_read_text(os.path.join(proc_root, 'uptime')).split()[0])
    except (OSError, IOError, ValueError, IndexError):
        return None
    info = {'pid': pid, 'rss_kb': None, 'rss_mb': None, 'cpu_percent': None,
            'uptime_seconds': None, 'open_fds': None, 'open_fds_error': None}
    uptime = max(sys_uptime - float(starttime) / clk_tck, 0.0)
    info['uptime_seconds'] = int(uptime)
    # Same definition as ps %cpu: CPU time over lifetime.
    if uptime > 0:
        info['cpu_percent'] = round(100.0 * (utime + stime) / clk_tck / uptime, 1)
    else:
        info['cpu_percent'] = 0.0
    try:
        rss_kb = parse_vmrss_kb(_read_text(os.path.join(base, 'status')))
    except (OSError, IOError, ValueError, IndexError):
        rss_kb = None
    if rss_kb is not None:
        info['rss_kb'] = rss_kb
        info['rss_mb'] = round(rss_kb / 1024.0, 1)
    try:
        info['open_fds'] = len(os.listdir(os.path.join(base, 'fd')))
    except OSError as e:  # vanished, or not ours to read without root: say which
        info['open_fds_error'] = e.strerror or str(e)
    return info


# ---------------------------------------------------------------------------
# logs

# Level token of the formats seen: NeoGo console "TS\tLEVEL\tmsg\t{json}" or
# "LEVEL\tmsg", neo-rs/tracing "TS  LEVEL target: msg", bracketed "[LEVEL]".
_LEVEL_RE = re.compile(
    r'^\s*(?:\S+\s+)?\[?(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|DPANIC|PANIC|FATAL|CRIT|CRITICAL|ALERT|EMERG)\]?(?=[\s:]|$)')
_JSON_LEVEL_RE = re.compile(r'"(?:level|lvl|severity)"\s*:\s*"([A-Za-z]+)"')
ERROR_LEVELS = frozenset(['ERROR', 'ERR', 'DPANIC', 'PANIC', 'FATAL', 'CRIT', 'CRITICAL', 'ALERT', 'EMERG'])


def line_level(line):
    """The log level the line declares (upper case), or None if it has no level field."""
    if line.lstrip().startswith('{'):
        m = _JSON_LEVEL_RE.search(line)
        return m.group(1).upper() if m else None
    m = _LEVEL_RE.match(line)
    return m.group(1) if m else None


def compile_patterns(error_pattern, critical_patterns):
    error_re = re.compile(error_pattern, re.IGNORECASE)
    critical_res = [re.compile(p, re.IGNORECASE) for p in (critical_patterns or [])]
    return error_re, critical_res


def grep_pattern(error_pattern, critical_patterns):
    """One PCRE for journalctl -g selecting every line classify_lines may count."""
    parts = [error_pattern] + list(critical_patterns or [])
    return '|'.join('(?:%s)' % p for p in parts)


def is_error_line(line, error_re, critical_res):
    """A line counts when it matches a pattern, unless its level field says it is not an error.

    The level decides when the line has one: a NeoGo INFO line carrying
    ``"error": "EOF"`` in its JSON fields is not an error line.
    """
    if not (error_re.search(line) or any(r.search(line) for r in critical_res)):
        return False
    level = line_level(line)
    return level is None or level in ERROR_LEVELS


def classify_lines(entries, error_re, critical_res, critical_since, max_recent):
    """entries: iterable of (epoch_seconds or None, line) in chronological order.

    None timestamps (log files) count as recent for the critical window.
    """
    error_count = 0
    critical_count = 0
    recent = []
    for ts, line in entries:
        line = line.rstrip('\r\n')
        if not is_error_line(line, error_re, critical_res):
            continue
        error_count += 1
        if any(r.search(line) for r in critical_res) and (ts is None or ts >= critical_since):
            critical_count += 1
        recent.append(line[:RECENT_LINE_MAX_CHARS])
        if len(recent) > max_recent:
            recent.pop(0)
    if max_recent <= 0:
        recent = []
    return {'error_count': error_count, 'critical_count': critical_count, 'recent': recent}


def _journal_message(entry):
    msg = entry.get('MESSAGE')
    if isinstance(msg, list):  # journal JSON encodes non-UTF-8 messages as byte arrays
        try:
            msg = bytes(bytearray(int(b) & 0xFF for b in msg)).decode('utf-8', errors='replace')
        except (TypeError, ValueError):
            msg = None
    if msg is None:
        return None
    return str(msg)


def parse_journal_json(text):
    """journalctl -o json output -> list of (epoch_seconds, message)."""
    entries = []
    for raw in text.splitlines():
        raw = raw.strip()
        if not raw.startswith('{'):
            continue  # "-- No entries --" and similar chatter
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        msg = _journal_message(entry)
        if msg is None:
            continue
        ts = entry.get('__REALTIME_TIMESTAMP')
        try:
            ts = int(ts) / 1000000.0
        except (TypeError, ValueError):
            ts = None
        for line in msg.splitlines() or ['']:
            entries.append((ts, line))
    return entries


_GREP_UNSUPPORTED_RE = re.compile(
    r'grep|pcre|pattern matching|invalid option|unrecognized option|case-sensitive', re.IGNORECASE)


# journalctl's ways of saying it read nothing at all (no permission, no journal): it still
# exits 0 or 1 then, and rc=1 is also what -g returns when nothing matched.
_JOURNAL_UNREADABLE_RE = re.compile(r'no journal files|failed|permission denied|cannot|error', re.IGNORECASE)
# Harmless stderr chatter (e.g. a user outside the systemd-journal group, a rotated file).
_JOURNAL_BENIGN_RE = re.compile(r'^(hint:|-- no entries --|journal file .* (is truncated|corrupted), ignoring)',
                                re.IGNORECASE)


def journal_failure(rc, out, err):
    """Why this journalctl run did not really read the journal, or None when it did.

    With -g, rc=1 plus no stderr means "nothing matched" (checked on systemd 252). rc=1 with
    "No journal files were opened due to insufficient permissions." means we saw nothing:
    calling that "no error lines" would be a lie.
    """
    complaints = [line.strip() for line in (err or '').splitlines()
                  if line.strip() and not _JOURNAL_BENIGN_RE.match(line.strip())]
    text = ' '.join(complaints)
    if rc in (0, 1) and not _JOURNAL_UNREADABLE_RE.search(text):
        return None  # nothing said, or only warnings: the entries we got (maybe none) are real
    return (text or (out or '').strip() or 'no output')[:300]


def journal_errors(module, unit, since_epoch, error_pattern, critical_patterns, critical_since,
                   max_recent, journalctl='journalctl'):
    """Count error/critical lines of unit since since_epoch. Returns classify_lines' dict + 'grep'."""
    error_re, critical_res = compile_patterns(error_pattern, critical_patterns)
    since = '@%d' % int(since_epoch)
    argv = [journalctl, '-u', unit, '--since', since, '--no-pager', '-o', 'json',
            '--case-sensitive=false', '-g', grep_pattern(error_pattern, critical_patterns)]
    rc, out, err = module.run_command(argv)
    used_grep = True
    if rc != 0 and _GREP_UNSUPPORTED_RE.search(err or ''):
        # journalctl built without PCRE2 (or too old for -g): filter here instead.
        used_grep = False
        argv = [journalctl, '-u', unit, '--since', since, '--no-pager', '-o', 'json',
                '-n', str(JOURNAL_FALLBACK_LINES)]
        rc, out, err = module.run_command(argv)
    problem = journal_failure(rc, out, err)
    if problem:
        raise NeorsError('journalctl -u %s failed (rc=%s): %s' % (unit, rc, problem))
    result = classify_lines(parse_journal_json(out or ''), error_re, critical_res, critical_since, max_recent)
    result['grep'] = used_grep
    return result


def _file_kind(mode):
    for test, name in ((stat.S_ISDIR, 'a directory'), (stat.S_ISFIFO, 'a FIFO'), (stat.S_ISSOCK, 'a socket'),
                       (stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device')):
        if test(mode):
            return name
    return 'not a regular file'


def tail_lines(path, max_bytes=LOG_TAIL_BYTES):
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then rejects it.
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0))
    except (OSError, IOError) as e:
        if e.errno == errno.ENOENT:
            raise NeorsError('log file %s does not exist' % path)
        if e.errno == errno.ELOOP:
            raise NeorsError('log file %s is a symlink loop' % path)
        raise NeorsError('cannot read log file %s: %s' % (path, e.strerror or e))
    try:
        mode = os.fstat(fd).st_mode
    except OSError as e:
        os.close(fd)
        raise NeorsError('cannot read log file %s: %s' % (path, e.strerror or e))
    if not stat.S_ISREG(mode):
        # Reading a FIFO or a device would block forever or never end.
        os.close(fd)
        raise NeorsError('log file %s is %s, not a regular file' % (path, _file_kind(mode)))
    try:
        with os.fdopen(fd, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            start = max(0, size - max_bytes)
            f.seek(start)
            data = f.read(max_bytes)
    except (OSError, IOError) as e:
        raise NeorsError('cannot read log file %s: %s' % (path, e.strerror or e))
    lines = data.decode('utf-8', errors='replace').splitlines()
    if start > 0 and lines:
        lines = lines[1:]  # first line was cut in the middle
    return lines


def file_errors(path, error_pattern, critical_patterns, max_recent, max_bytes=LOG_TAIL_BYTES):
    """Like journal_errors for a plain log file: no timestamps, so every line is in window."""
    error_re, critical_res = compile_patterns(error_pattern, critical_patterns)
    lines = tail_lines(path, max_bytes)
    return classify_lines(((None, line) for line in lines), error_re, critical_res, 0, max_recent)


# ---------------------------------------------------------------------------
# disk


def dir_size(path):
    """(bytes, problem): sum of file sizes under path, and why it is partial or unknown.

    Symlinks are not followed; entries vanishing while we walk are normal and ignored.
    bytes is None when path itself cannot be listed; an unreadable subdirectory or an I/O
    error while listing makes the sum partial (problem says so) instead of failing the check.
    """
    total = 0
    failures = []
    stack = [path]
    while stack:
        current = stack.pop()
        try:
            it = os.scandir(current)
        except FileNotFoundError:
            continue
        except OSError as e:
            if current == path:
                return None, 'data dir size unreadable: %s' % (e.strerror or e)
            failures.append(e)
            continue
        with it:
            while True:
                try:
                    entry = next(it)  # listing itself can fail midway (EIO, EACCES on NFS)
                except StopIteration:
                    break
                except OSError as e:
                    failures.append(e)
                    break
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
                except FileNotFoundError:
                    continue
                except OSError as e:
                    failures.append(e)
    if failures:
        first = failures[0]
        return total, 'data dir size partial: %d unreadable entr%s, e.g. %s: %s' % (
            len(failures), 'y' if len(failures) == 1 else 'ies', first.filename or '?', first.strerror or first)
    return total, None


def _check_data_dir(path):
    try:
        st = os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NeorsError('data_dir %s is a symlink loop (%s)' % (path, e.strerror))
        if e.errno == errno.ENOENT:
            if os.path.islink(path):
                raise NeorsError('data_dir %s is a dangling symlink to %s' % (path, os.readlink(path)))
            raise NeorsError('data_dir %s does not exist' % path)
        raise NeorsError('cannot access data_dir %s: %s' % (path, e.strerror or e))
    if not stat.S_ISDIR(st.st_mode):
        raise NeorsError('data_dir %s is not a directory' % path)


def disk_usage(path, with_dir_size=True):
    _check_data_dir(path)
    try:
        st = os.statvfs(path)
    except OSError as e:
        raise NeorsError('cannot stat file system of %s: %s' % (path, e))
    total = st.f_blocks * st.f_frsize
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    avail = st.f_bavail * st.f_frsize
    # df's Use%: reserved blocks are neither used nor available to users.
    used_percent = round(100.0 * used / (used + avail), 1) if used + avail > 0 else 0.0
    inodes_total = st.f_files
    inodes_used = st.f_files - st.f_ffree
    inodes_percent = round(100.0 * inodes_used / inodes_total, 1) if inodes_total else None
    size, size_problem = dir_size(path) if with_dir_size else (None, None)
    return {
        'path': path,
        'total_bytes': total,
        'used_bytes': used,
        'free_bytes': avail,
        'used_percent': used_percent,
        'inodes_total': inodes_total if inodes_total else None,
        'inodes_used': inodes_used if inodes_total else None,
        'inodes_percent': inodes_percent,
        'data_dir_bytes': size,
        'data_dir_error': size_problem,  # not a contract key: judge_disk puts it in the message
    }


# ---------------------------------------------------------------------------
# ports

TCP_LISTEN = '0A'


def parse_proc_net_tcp(text):
    ports = set()
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[3].upper() != TCP_LISTEN:
            continue
        try:
            ports.add(int(fields[1].rsplit(':', 1)[1], 16))
        except (IndexError, ValueError):
            continue
    return ports


def listening_ports(paths=('/proc/net/tcp', '/proc/net/tcp6')):
    """TCP ports in LISTEN state; raises NeorsError only if no table could be read."""
    ports = set()
    read_any = False
    errors = []
    for path in paths:
        try:
            text = _read_text(path)
        except (OSError, IOError) as e:
            errors.append('%s: %s' % (path, e))  # tcp6 is absent when IPv6 is disabled
            continue
        read_any = True
        ports |= parse_proc_net_tcp(text)
    if not read_any:
        raise NeorsError('cannot read listening sockets (%s)' % '; '.join(errors))
    return ports
