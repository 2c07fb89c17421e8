# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.neors.ops.plugins.module_utils import neors_args
from ansible_collections.neors.ops.plugins.module_utils.neors_errors import NeorsError


def defaults():
    spec = neors_args.node_argument_spec()
    spec.update(neors_args.health_argument_spec())
    result = ArgumentSpecValidator(spec).validate({})
    assert result.error_messages == []
    return result.validated_parameters


def test_defaults_match_runbook():
    p = defaults()
    assert p['rpc_url'] == 'http://127.0.0.1:30332/rpc' and p['rpc_timeout'] == 10
    assert (p['service_name'], p['process_name'], p['data_dir']) == ('neo-rs', 'neo-node', '/opt/neo-rs/data')
    assert p['p2p_port'] == 30334 and p['rpc_port'] is None
    assert (p['memory_warn_mb'], p['rpc_warn_ms'], p['disk_warn_percent'], p['disk_crit_percent']) == (50, 1000, 80, 90)
    assert p['log_window'] == 86400 and p['max_recent_errors'] == 5
    assert neors_args.node_argument_spec()['rpc_password']['no_log'] is True
    neors_args.validate_health_params(p)  # defaults are valid


def test_spec_is_a_fresh_copy():
    a = neors_args.node_argument_spec()
    a['rpc_url']['default'] = 'changed'
    assert neors_args.node_argument_spec()['rpc_url']['default'] == 'http://127.0.0.1:30332/rpc'


@pytest.mark.parametrize('url, port', [
    ('http://127.0.0.1:30332/rpc', 30332), ('http://node', 80), ('https://node/rpc', 443), ('https://n:8443', 8443)])
def test_rpc_url_port(url, port):
    assert neors_args.rpc_url_port(url) == port


@pytest.mark.parametrize('changes, fragment', [
    ({'rpc_url': 'ftp://127.0.0.1/rpc'}, "rpc_url must be an http:// or https:// URL, got 'ftp://127.0.0.1/rpc'"),
    ({'rpc_url': '127.0.0.1:30332'}, 'rpc_url must be an http:// or https:// URL'),
    ({'rpc_url': 'http://127.0.0.1:abc/rpc'}, "rpc_url 'http://127.0.0.1:abc/rpc' is malformed"),
    ({'rpc_url': 'http:///rpc'}, 'has no host name'),
    ({'rpc_timeout': 0}, 'rpc_timeout must be greater than 0'),
    ({'p2p_port': 70000}, 'p2p_port must be between 1 and 65535'),
    ({'max_lag_blocks': -1}, 'max_lag_blocks must not be negative, got -1'),
    ({'stall_seconds': -5}, 'stall_seconds must not be negative'),
    ({'memory_warn_mb': -1.0}, 'memory_warn_mb must not be negative'),
    ({'reference_height': -3}, 'reference_height must not be negative'),
    ({'disk_warn_percent': 95.0}, 'disk_warn_percent (95.0) must not be greater than disk_crit_percent (90.0)'),
    ({'disk_crit_percent': 150.0}, 'disk_crit_percent must be at most 100'),
    ({'log_source': 'file'}, 'log_source=file requires log_file'),
    ({'error_pattern': '(unclosed'}, "error_pattern '(unclosed' is not a valid regular expression"),
    ({'critical_patterns': ['ok', '[bad']}, "critical_patterns entry '[bad' is not a valid regular expression"),
    ({'process_name': ''}, 'process_name must not be empty'),
    ({'rpc_password': 'x'}, 'rpc_password is set but rpc_username is not'),
    # credentials in the URL would leak into results and reports
    ({'rpc_url': 'http://neo:s3cret@127.0.0.1:30332/rpc'}, 'must not contain credentials'),
    ({'rpc_url': 'http://neo@127.0.0.1:30332/rpc'}, 'use rpc_username and rpc_password'),
    # option injection and globs
    ({'service_name': '-H127.0.0.1'}, "service_name '-H127.0.0.1' must not start with \"-\""),
    ({'service_name': 'neo-*'}, 'no glob characters'),
    ({'service_name': 'neo-[ab]'}, 'no glob characters'),
    ({'service_name': 'neo?'}, 'no glob characters'),
    ({'service_name': 'neo rs'}, 'no glob characters (* ? [), whitespace or \"/\"'),
    ({'service_name': 'a/b'}, 'whitespace or \"/\"'),
    ({'process_name': '-neo'}, "process_name '-neo' must not start with"),
    ({'process_name': '/usr/bin/neo-node'}, 'must be a base name, not a path'),
    ({'process_name': 'neo*'}, 'no glob characters'),
    ({'process_name': 'neo\tnode'}, 'whitespace'),
    # non-finite and unbounded numbers
    ({'rpc_timeout': float('nan')}, 'rpc_timeout must be a finite number, got nan'),
    ({'rpc_timeout': float('inf')}, 'rpc_timeout must be a finite number, got inf'),
    ({'rpc_timeout': 3601.0}, 'rpc_timeout must be at most 3600 seconds'),
    ({'memory_warn_mb': float('nan')}, 'memory_warn_mb must be a finite number'),
    ({'rpc_warn_ms': float('inf')}, 'rpc_warn_ms must be a finite number'),
    ({'disk_warn_percent': float('nan')}, 'disk_warn_percent must be a finite number'),
    ({'disk_crit_percent': float('-inf')}, 'disk_crit_percent must be a finite number'),
    ({'log_window': 10 ** 12}, 'log_window must be at most 315360000 seconds (10 years)'),
    ({'critical_log_window': 315360001}, 'critical_log_window must be at most 315360000'),
    ({'critical_patterns': ['corruption', '']}, 'critical_patterns must not contain empty strings'),
    ({'data_dir': ''}, 'data_dir must not be empty'),
])
def test_validate_rejects(changes, fragment):
    p = defaults()
    p.update(changes)
    with pytest.raises(NeorsError) as ei:
        neors_args.validate_health_params(p)
    assert fragment in ei.value.message
    assert ei.value.message.startswith('invalid options: ')


def test_validate_reports_all_problems():
    p = defaults()
    p.update({'rpc_timeout': -1, 'min_peers': -1})
    with pytest.raises(NeorsError) as ei:
        neors_args.validate_health_params(p)
    assert len(ei.value.details['problems']) == 2


def test_credentials_never_echoed():
    p = defaults()
    p['rpc_url'] = 'ftp://neo:s3cret@127.0.0.1:abc/rpc'
    with pytest.raises(NeorsError) as ei:
        neors_args.validate_health_params(p)
    assert 's3cret' not in ei.value.message and 's3cret' not in repr(ei.value.details)
    assert "'ftp://***@127.0.0.1:abc/rpc'" in ei.value.message
    assert neors_args.url_password(p['rpc_url']) == 's3cret'
    assert neors_args.url_password('http://127.0.0.1/rpc') is None


@pytest.mark.parametrize('changes', [
    {'service_name': 'neo-rs.service'}, {'service_name': 'neogo@mainnet'}, {'service_name': 'neo\\x2drs'},
    {'process_name': 'neo-node-mainnet-x'}, {'rpc_timeout': 3600.0}, {'log_window': 315360000},
    {'critical_patterns': []}, {'rpc_url': 'http://127.0.0.1:30332/rpc?x=a@b'},
])
def test_validate_accepts(changes):
    p = defaults()
    p.update(changes)
    neors_args.validate_health_params(p)
