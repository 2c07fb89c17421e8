# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error types shared by the neors.ops module_utils.

Modules catch NeorsError and turn it into a fail_json / check message, so every
failure a user can hit ends as one readable sentence instead of a traceback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class NeorsError(Exception):
    """An expected, explainable failure: ``message`` is meant for humans."""

    def __init__(self, message, details=None):
        super(NeorsError, self).__init__(message)
        self.message = message
        self.details = dict(details or {})

    def __str__(self):
        return self.message


class RpcError(NeorsError):
    """A JSON-RPC call that did not produce a usable ``result``."""

    KINDS = (
        'connection_refused',
        'timeout',
        'http_error',
        'not_json',
        'rpc_error',
        'wrong_id',
        'bad_response',
        'connection_error',
    )

    def __init__(self, message, kind, method=None, url=None, details=None):
        if kind not in self.KINDS:
            raise ValueError('unknown RpcError kind %r' % (kind,))
        super(RpcError, self).__init__(message, details)
        self.kind = kind
        self.method = method
        self.url = url
