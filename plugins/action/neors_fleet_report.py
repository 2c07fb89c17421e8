# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side fleet report: judge neors_health results and write JSON/Markdown reports.

An action plugin rather than set_fact + copy tasks: every module run on the controller costs
a Python start-up (about as much as the health check itself), and the daily job is meant to
cost barely more than a ping of the fleet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible.plugins.action import ActionBase

from ansible_collections.neors.ops.plugins.module_utils.neors_fleet import (
    assess_fleet,
    render_markdown,
    render_table,
)
from ansible_collections.neors.ops.plugins.module_utils.neors_health import write_text_atomic

ARGUMENT_SPEC = dict(
    results=dict(type='dict', required=True),
    max_lag_blocks=dict(type='int', default=10),
    expected_network=dict(type='int'),
    report_dir=dict(type='path', default=''),
    report_prefix=dict(type='str', default='daily'),
    keep_reports=dict(type='int', default=60),
)


def _prune(report_dir, prefix, keep, current):
    """Delete the oldest of THIS prefix's timestamped reports beyond `keep`.

    Only names this plugin writes (PREFIX-YYYYMMDDTHHMMSSZ.json/.md) are candidates, so other
    fleets' reports (PREFIX-mainnet-...) and unrelated files in a shared directory are never
    touched; the report just written and the -latest copies never are either.
    """
    if keep <= 0:
        return []
    stamp = re.compile(r'^%s-(\d{8}T\d{6}Z)\.json$' % re.escape(prefix))
    stamped = sorted(name for name in os.listdir(report_dir) if stamp.match(name))
    removed = []
    for name in stamped[:-keep]:
        if name == current:
            continue
        for path in (os.path.join(report_dir, name),
                     os.path.join(report_dir, name[:-len('.json')] + '.md')):
            if os.path.exists(path):
                os.unlink(path)
                removed.append(path)
    return removed


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if args['max_lag_blocks'] < 0 or args['keep_reports'] < 0:
            return dict(result, failed=True, msg='max_lag_blocks and keep_reports must be >= 0')
        try:
            fleet = assess_fleet(args['results'], max_lag_blocks=args['max_lag_blocks'],
                                 expected_network=args['expected_network'])
        except (TypeError, ValueError) as exc:
            return dict(result, failed=True, msg='cannot judge the fleet: %s' % exc)
        table = render_table(fleet).splitlines()
        result.update(changed=False, fleet=fleet, table=table, report_files=[], removed_reports=[])
        report_dir = args['report_dir']
        if not report_dir or self._task.check_mode:
            return result
        prefix = args['report_prefix']
        if not re.match(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$', prefix):
            return dict(result, failed=True,
                        msg='report_prefix %r must be a plain file name prefix '
                            '(letters, digits, ".", "_", "-")' % (prefix,))
        stamp = fleet['summary']['generated_at'].replace('-', '').replace(':', '')
        try:
            if not os.path.isdir(report_dir):
                os.makedirs(report_dir, 0o755)
            rendered = {'json': json.dumps(fleet, indent=2, sort_keys=True) + '\n',
                        'md': render_markdown(fleet)}
            for ext in ('json', 'md'):
                path = os.path.join(report_dir, '%s-%s.%s' % (prefix, stamp, ext))
                write_text_atomic(path, rendered[ext])
                result['report_files'].append(path)
            for ext in ('json', 'md'):
                path = os.path.join(report_dir, '%s-latest.%s' % (prefix, ext))
                write_text_atomic(path, rendered[ext])
                result['report_files'].append(path)
            result['removed_reports'] = _prune(report_dir, prefix, args['keep_reports'],
                                               '%s-%s.json' % (prefix, stamp))
        except (IOError, OSError) as exc:
            return dict(result, failed=True,
                        msg='cannot write the fleet report in %s: %s' % (report_dir, exc))
        result['changed'] = True
        return result
