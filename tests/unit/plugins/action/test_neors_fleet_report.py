# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report retention of the neors_fleet_report action: only its own timestamped files go."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.neors.ops.plugins.action.neors_fleet_report import _prune

OTHERS = [
    'daily-lab-20261201T000000Z', 'daily-lab-20261202T000000Z', 'daily-lab-latest',
    'daily-mainnet-20261130T000000Z', 'daily-backup-DO-NOT-DELETE', 'weekly-20261101T000000Z',
]
OWN = ['daily-20261101T000000Z', 'daily-20261102T000000Z', 'daily-20261203T164223Z']


def _touch(directory, stems):
    for stem in stems:
        for ext in ('json', 'md'):
            with open(os.path.join(str(directory), '%s.%s' % (stem, ext)), 'w') as handle:
                handle.write('{}')


def test_prune_keeps_newest_own_reports_and_never_touches_others(tmp_path):
    _touch(tmp_path, OTHERS + OWN + ['daily-latest'])
    removed = _prune(str(tmp_path), 'daily', 2, 'daily-20261203T164223Z.json')
    assert sorted(os.path.basename(p) for p in removed) == [
        'daily-20261101T000000Z.json', 'daily-20261101T000000Z.md']
    left = set(os.listdir(str(tmp_path)))
    for stem in OTHERS + OWN[1:] + ['daily-latest']:
        assert '%s.json' % stem in left and '%s.md' % stem in left, stem


def test_prune_never_removes_the_report_just_written(tmp_path):
    # A clock that went backwards makes the newest report sort first.
    _touch(tmp_path, ['daily-20261101T000000Z', 'daily-20261203T000000Z', 'daily-20261204T000000Z'])
    removed = _prune(str(tmp_path), 'daily', 1, 'daily-20261101T000000Z.json')
    assert os.path.exists(str(tmp_path / 'daily-20261101T000000Z.json'))
    assert sorted(os.path.basename(p) for p in removed) == [
        'daily-20261203T000000Z.json', 'daily-20261203T000000Z.md']


def test_prune_zero_keeps_everything(tmp_path):
    _touch(tmp_path, OWN)
    assert _prune(str(tmp_path), 'daily', 0, 'x.json') == []
    assert len(os.listdir(str(tmp_path))) == 2 * len(OWN)
