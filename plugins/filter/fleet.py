# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet filters: neors.ops.fleet_assess, neors.ops.fleet_table, neors.ops.fleet_markdown.

Thin wrappers over plugins/module_utils/neors_fleet.py (pure Python, unit tested);
documentation is in the fleet_*.yml files next to this plugin.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.neors.ops.plugins.module_utils.neors_fleet import (
    assess_fleet,
    render_markdown,
    render_table,
)


def fleet_assess(results, max_lag_blocks=10, expected_network=None):
    """{host: neors_health result or failed/unreachable marker} -> fleet dict."""
    if expected_network is not None and ('%s' % (expected_network,)).strip() == '':
        expected_network = None
    try:
        return assess_fleet(results, max_lag_blocks=max_lag_blocks, expected_network=expected_network)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError('neors.ops.fleet_assess: %s' % exc)


def _check_fleet(name, fleet):
    if not isinstance(fleet, dict) or 'nodes' not in fleet or 'summary' not in fleet:
        raise AnsibleFilterError('neors.ops.%s: input must be the result of neors.ops.fleet_assess' % name)


def fleet_table(fleet):
    """Fleet dict -> fixed-width text table (one string, lines end with newline)."""
    _check_fleet('fleet_table', fleet)
    return render_table(fleet)


def fleet_markdown(fleet):
    """Fleet dict -> Markdown report."""
    _check_fleet('fleet_markdown', fleet)
    return render_markdown(fleet)


class FilterModule(object):
    """neors.ops fleet filters."""

    def filters(self):
        return {
            'fleet_assess': fleet_assess,
            'fleet_table': fleet_table,
            'fleet_markdown': fleet_markdown,
        }
