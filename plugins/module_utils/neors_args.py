# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared argument specs for neors.ops modules.

``node_argument_spec()`` is the connection + layout part every module takes
(documented once in the ``neors.ops.node`` doc fragment); keep the two in sync.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

from urllib.parse import urlparse

from ansible_collections.neors.ops.plugins.module_utils.neors_errors import NeorsError

DEFAULT_RPC_URL = 'http://127.0.0.1:30332/rpc'

# Level-aware matching happens in neors_system; this regex only selects
# candidate lines (and is what journalctl -g receives).
DEFAULT_ERROR_PATTERN = r'(?i)\b(error|fatal|panic)\b'
DEFAULT_CRITICAL_PATTERNS = ['failed to persist', 'corruption', 'checksum mismatch', 'panic', 'fatal']

# A stuck endpoint must not hold a play for hours; an hour is already absurd for one RPC call.
MAX_RPC_TIMEOUT = 3600
# journalctl --since is now - window: a window reaching before 1970 gives it a negative epoch.
MAX_LOG_WINDOW = 10 * 365 * 86400
# Unit and process names are matched literally: a leading '-' would be an option to systemctl
# (-H host makes it SSH somewhere), glob characters match several units, whitespace and '/'
# are never part of what we mean to match.
_NAME_BAD_CHARS_RE = re.compile(r'[*?\[\s/]')


def node_argument_spec():
    return dict(
        rpc_url=dict(type='str', default=DEFAULT_RPC_URL),
        rpc_timeout=dict(type='float', default=10.0),
        rpc_username=dict(type='str'),
        rpc_password=dict(type='str', no_log=True),
        validate_certs=dict(type='bool', default=True),
        service_name=dict(type='str', default='neo-rs'),
        process_name=dict(type='str', default='neo-node'),
        data_dir=dict(type='path', default='/opt/neo-rs/data'),
        rpc_port=dict(type='int'),
        p2p_port=dict(type='int', default=30334),
    )


def health_argument_spec():
    return dict(
        log_source=dict(type='str', default='journal', choices=['journal', 'file']),
        log_file=dict(type='path'),
        log_window=dict(type='int', default=86400),
        critical_log_window=dict(type='int', default=900),
        error_pattern=dict(type='str', default=DEFAULT_ERROR_PATTERN),
        critical_patterns=dict(type='list', elements='str', default=list(DEFAULT_CRITICAL_PATTERNS)),
        max_recent_errors=dict(type='int', default=5),
        disk_warn_percent=dict(type='float', default=80.0),
        disk_crit_percent=dict(type='float', default=90.0),
        memory_warn_mb=dict(type='float', default=50.0),
        rpc_warn_ms=dict(type='float', default=1000.0),
        min_peers=dict(type='int', default=1),
        max_lag_blocks=dict(type='int', default=10),
        reference_height=dict(type='int'),
        stall_seconds=dict(type='int', default=120),
        state_file=dict(type='path', default='/var/lib/neors-ops/health-state.json'),
        output_path=dict(type='path'),
        fail_on_unhealthy=dict(type='bool', default=False),
        checkpoints=dict(type='bool', default=True),
    )


def rpc_url_port(url):
    """Port the RPC URL points at (explicit, else the scheme default)."""
    parsed = urlparse(url)
    port = parsed.port  # raises ValueError on garbage such as ':abc'
    if port is not None:
        return port
    return 443 if parsed.scheme == 'https' else 80


def url_password(url):
    """The password embedded in url (user:password@host), or None.

    The module registers it as a no_log value so Ansible masks it wherever the URL is echoed
    (module_args, messages) before validation rejects the URL.
    """
    try:
        return urlparse(url or '').password
    except ValueError:
        return None


def _has_userinfo(url):
    try:
        netloc = urlparse(url).netloc
    except ValueError:
        netloc = url.split('//', 1)[-1].split('/', 1)[0]
    return '@' in netloc


def _redacted_url(url):
    """url with any user:password@ replaced, so no message repeats a credential."""
    head, sep, rest = url.partition('//')
    if not sep:
        return url
    netloc, slash, path = rest.partition('/')
    if '@' in netloc:
        netloc = '***@' + netloc.rsplit('@', 1)[1]
    return head + sep + netloc + slash + path


def _bad_name(name, value):
    """Why value is not acceptable as service_name/process_name, or None."""
    if value.startswith('-'):
        return ('%s %r must not start with "-" (it would be read as a command-line option)'
                % (name, value))
    if name == 'process_name' and '/' in value:
        return ('%s %r must be a base name, not a path (it is compared with /proc/PID/comm and the '
                'base name of argv[0])' % (name, value))
    if _NAME_BAD_CHARS_RE.search(value):
        return ('%s %r must be one literal name: no glob characters (* ? [), whitespace or "/"'
                % (name, value))
    return None


def _finite(params, name, problems):
    """False (and a problem) when a float option is nan/inf: every comparison with nan is False,
    so it would silently pass every other bound."""
    value = params.get(name)
    if isinstance(value, float) and not math.isfinite(value):
        problems.append('%s must be a finite number, got %s' % (name, value))
        return False
    return True


def validate_node_params(params):
    """Return a list of problems with the shared options (empty when fine)."""
    problems = []
    url = params.get('rpc_url')
    if not url:
        problems.append('rpc_url must not be empty')
    elif _has_userinfo(url):
        # Credentials in the URL would end up in results, error messages and reports.
        problems.append('rpc_url %r must not contain credentials (user:password@): use rpc_username and '
                        'rpc_password instead' % (_redacted_url(url),))
    else:
        try:
            parsed = urlparse(url)
            if parsed.scheme not in ('http', 'https'):
                problems.append("rpc_url must be an http:// or https:// URL, got %r" % (url,))
            elif not parsed.hostname:
                problems.append("rpc_url %r has no host name" % (url,))
            else:
                rpc_url_port(url)
        except ValueError as e:
            problems.append("rpc_url %r is malformed: %s" % (url, e))
    timeout = params.get('rpc_timeout')
    if timeout is not None and _finite(params, 'rpc_timeout', problems):
        if timeout <= 0:
            problems.append('rpc_timeout must be greater than 0, got %s' % (timeout,))
        elif timeout > MAX_RPC_TIMEOUT:
            problems.append('rpc_timeout must be at most %d seconds, got %s' % (MAX_RPC_TIMEOUT, timeout))
    for name in ('rpc_port', 'p2p_port'):
        port = params.get(name)
        if port is not None and not 1 <= port <= 65535:
            problems.append('%s must be between 1 and 65535, got %s' % (name, port))
    for name in ('service_name', 'process_name', 'data_dir'):
        if name in params and not params.get(name):
            problems.append('%s must not be empty' % name)
    for name in ('service_name', 'process_name'):
        if params.get(name):
            problem = _bad_name(name, params[name])
            if problem:
                problems.append(problem)
    if params.get('rpc_password') and not params.get('rpc_username'):
        problems.append('rpc_password is set but rpc_username is not')
    return problems


_NON_NEGATIVE = (
    'log_window', 'critical_log_window', 'max_recent_errors', 'disk_warn_percent',
    'disk_crit_percent', 'memory_warn_mb', 'rpc_warn_ms', 'min_peers', 'max_lag_blocks',
    'reference_height', 'stall_seconds',
)


def validate_health_params(params):
    """Raise NeorsError naming every bad option (shared + health ones)."""
    problems = validate_node_params(params)
    for name in _NON_NEGATIVE:
        value = params.get(name)
        if value is not None and _finite(params, name, problems) and value < 0:
            problems.append('%s must not be negative, got %s' % (name, value))
    for name in ('log_window', 'critical_log_window'):
        value = params.get(name)
        if value is not None and value > MAX_LOG_WINDOW:
            problems.append('%s must be at most %d seconds (10 years), got %s' % (name, MAX_LOG_WINDOW, value))
    warn, crit = params.get('disk_warn_percent'), params.get('disk_crit_percent')
    if any(isinstance(v, float) and not math.isfinite(v) for v in (warn, crit)):
        warn = crit = None  # already reported above
    for name, value in (('disk_warn_percent', warn), ('disk_crit_percent', crit)):
        if value is not None and value > 100:
            problems.append('%s must be at most 100, got %s' % (name, value))
    if warn is not None and crit is not None and warn > crit:
        problems.append('disk_warn_percent (%s) must not be greater than disk_crit_percent (%s)' % (warn, crit))
    if params.get('log_source') == 'file' and not params.get('log_file'):
        problems.append('log_source=file requires log_file')
    try:
        re.compile(params.get('error_pattern') or '')
    except re.error as e:
        problems.append('error_pattern %r is not a valid regular expression: %s' % (params.get('error_pattern'), e))
    if not params.get('error_pattern'):
        problems.append('error_pattern must not be empty')
    for pattern in params.get('critical_patterns') or []:
        if not pattern:
            # An empty regular expression matches every line: every line would be critical.
            problems.append('critical_patterns must not contain empty strings (an empty pattern matches every line)')
            continue
        try:
            re.compile(pattern)
        except re.error as e:
            problems.append('critical_patterns entry %r is not a valid regular expression: %s' % (pattern, e))
    if problems:
        raise NeorsError('invalid options: ' + '; '.join(problems), {'problems': problems})
