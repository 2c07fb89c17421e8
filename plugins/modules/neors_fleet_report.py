#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the controller-side action plugin plugins/action/neors_fleet_report.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neors_fleet_report
short_description: Judge a fleet of Neo N3 nodes and write its health report on the controller
version_added: 0.1.0
description:
  - Takes the per-node results of M(neors.ops.neors_health), judges them as a fleet (lag
    behind the fleet's highest block, forks found by comparing block hashes at the highest
    checkpoint height every answering node has, nodes of a different network magic reported as
    a configuration error instead of being averaged in) and writes the report as JSON and
    Markdown into O(report_dir) on the controller.
  - Runs entirely in the controller process (an action plugin), so a report costs no module
    start-up, which matters because the daily job should cost barely more than a ping.
  - Files are written atomically (temporary file and rename); C(daily-latest.json) and
    C(daily-latest.md) always name the newest report.
author: neors.ops maintainers (@neors-ops)
options:
  results:
    description:
      - Mapping of host name to that host's registered M(neors.ops.neors_health) result, or to
        a failed/unreachable task result, or to V(null) when the host has no result at all.
    type: dict
    required: true
  max_lag_blocks:
    description: A node more than this many blocks behind the fleet's highest node is unhealthy.
    type: int
    default: 10
  expected_network:
    description:
      - Network magic the fleet must be on. Without it the majority network is the reference.
    type: int
  report_dir:
    description:
      - Controller directory for the reports (created when missing). Empty writes no files.
    type: path
    default: ''
  report_prefix:
    description:
      - File name prefix of the reports (letters, digits, C(.), C(_), C(-)). Give each fleet
        sharing a O(report_dir) its own prefix; pruning only ever touches
        C(PREFIX-YYYYMMDDTHHMMSSZ.json/.md) files of this prefix.
    type: str
    default: daily
  keep_reports:
    description:
      - How many timestamped reports of this prefix to keep in O(report_dir); older ones are
        deleted (never the one just written, never the C(-latest) copies, never other files).
        V(0) keeps them all.
    type: int
    default: 60
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode the fleet is judged but no file is written.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
notes:
  - The judging logic lives in C(plugins/module_utils/neors_fleet.py); the filters
    P(neors.ops.fleet_assess#filter), P(neors.ops.fleet_table#filter) and
    P(neors.ops.fleet_markdown#filter) expose the same logic to custom plays.
'''

EXAMPLES = r'''
- name: Check every node
  neors.ops.neors_health:
  register: health
  ignore_errors: true
  ignore_unreachable: true

- name: Judge the fleet and write the report
  neors.ops.neors_fleet_report:
    results: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars, 'health'))) }}"
    report_dir: /var/tmp/neors-ops/reports
  run_once: true
  delegate_to: localhost
  register: fleet
'''

RETURN = r'''
fleet:
  description: The fleet judgement (nodes, summary, forks, fork_check, networks, config_errors).
  returned: always
  type: dict
table:
  description: The fleet table as a list of lines, for the log of a shell or AWX job.
  returned: always
  type: list
  elements: str
report_files:
  description: Files written (timestamped JSON and Markdown, then the two latest copies).
  returned: always
  type: list
  elements: str
removed_reports:
  description: Old reports deleted because of O(keep_reports).
  returned: always
  type: list
  elements: str
'''
