# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Minimal Neo N3 JSON-RPC client for modules (stdlib + ansible.module_utils only).

Every failure is an RpcError whose message names the method and the URL, so a
health result or fail_json can show it verbatim to an operator.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import http.client
import json
import re
import signal
import socket
import ssl
import threading
import time
import zlib

from gzip import BadGzipFile
from urllib.error import HTTPError

from ansible.module_utils.urls import Request, make_context

from ansible_collections.neors.ops.plugins.module_utils.neors_errors import RpcError
from ansible_collections.neors.ops.plugins.module_utils.neors_health import checkpoint_heights

_SNIPPET = 80
# A health answer is a few KiB; anything this big is not a Neo node (or is an attack on memory).
MAX_BODY_BYTES = 8 * 1024 * 1024
_READ_CHUNK = 64 * 1024
# Neo N3 heights are uint32, so the block count is at most 2**32.
MAX_BLOCK_COUNT = 2 ** 32
_BLOCK_HASH_RE = re.compile(r'^0x[0-9a-fA-F]{64}$')


def _fmt_seconds(value):
    return '%gs' % value


def _is_timeout(exc):
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return True
    reason = getattr(exc, 'reason', None)
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return True
    return 'timed out' in str(exc).lower()


def _is_refused(exc):
    if isinstance(exc, ConnectionRefusedError):
        return True
    reason = getattr(exc, 'reason', None)
    if isinstance(reason, ConnectionRefusedError):
        return True
    if isinstance(reason, OSError) and reason.errno == errno.ECONNREFUSED:
        return True
    return 'connection refused' in str(exc).lower()


# http.client's "the peer did not speak HTTP" errors; a dropped connection is not one of them.
_BAD_HTTP = (http.client.HTTPException,)
_NOT_BAD_HTTP = (http.client.RemoteDisconnected, http.client.IncompleteRead)


class _DeadlineExceeded(BaseException):
    """Raised by the SIGALRM handler when a call runs past rpc_timeout.

    A BaseException so no ``except Exception`` inside urllib/http.client/ansible can swallow
    or re-wrap it on the way back to _post, which turns it into RpcError(kind='timeout').
    """


class _CallDeadline:
    """Bound a whole HTTP exchange (connect, headers, body) to ``seconds``.

    The socket timeout only bounds each single read: a server dripping one byte per second
    would keep a call alive for minutes. An ITIMER_REAL alarm interrupts the blocking read
    wherever it is. Only possible in the main thread (modules run there) and when nobody
    else's interval timer is armed; otherwise ``armed`` is False and the caller falls back
    to checking the deadline between body chunks (per-read timeouts still apply).
    The previous SIGALRM handler is always restored.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.armed = False
        self._old_handler = None

    def _handler(self, signum, frame):
        if self.armed:
            raise _DeadlineExceeded()

    def __enter__(self):
        if not hasattr(signal, 'setitimer') or threading.current_thread() is not threading.main_thread():
            return self
        try:
            if signal.getitimer(signal.ITIMER_REAL)[0] > 0:
                return self  # someone else's alarm is pending: do not steal it
            self._old_handler = signal.signal(signal.SIGALRM, self._handler)
        except (ValueError, OSError, AttributeError):
            return self
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self._old_handler is None:
            return False
        try:
            self.armed = False  # an alarm delivered from now on is ignored
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, self._old_handler)
            self._old_handler = None
        return False


def _one_line(text):
    """Collapse newlines and runs of whitespace: a message is one line in every report."""
    return ' '.join(str(text).split())


def _snippet(body):
    text = body.decode('utf-8', errors='replace') if isinstance(body, bytes) else str(body)
    text = ' '.join(text.split())
    if len(text) > _SNIPPET:
        text = text[:_SNIPPET] + '...'
    return text


class RpcClient:
    def __init__(self, url, timeout=10, username=None, password=None, validate_certs=True):
        self.url = url
        self.timeout = timeout
        self.username = username
        self.password = password
        self.validate_certs = validate_certs
        self._next_id = 0
        self._context = None
        # Latency of the most recent HTTP round trip (call or batch), in ms.
        self.last_latency_ms = None

    def _new_id(self):
        self._next_id += 1
        return self._next_id

    def _fail(self, what, message, kind, details=None):
        return RpcError(_one_line('RPC %s at %s %s' % (what, self.url, message)), kind,
                        method=what, url=self.url, details=details)

    def _read_body(self, what, resp, deadline):
        """Read the body in chunks, bounded in size and (without the alarm) in time."""
        # read1 does at most one socket read, so the deadline is checked while a server
        # drips bytes; plain read() would block until Content-Length bytes arrived.
        read = getattr(resp, 'read1', None) or resp.read
        chunks = []
        size = 0
        while True:
            chunk = read(_READ_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise self._fail(what, 'returned a response larger than %d MiB' % (MAX_BODY_BYTES // (1024 * 1024)),
                                 'bad_response')
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise _DeadlineExceeded()
        return b''.join(chunks)

    def _ssl_context(self):
        # open_url builds a new SSL context (loading every CA certificate, ~150 ms) per
        # request, which would also be counted as RPC latency: build it once, up front.
        if self._context is None:
            if self.url.lower().startswith('https:'):
                self._context = make_context(validate_certs=self.validate_certs)
            else:
                self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # never used for http://
        return self._context

    def _post(self, what, payload):
        """POST payload, return (decoded JSON, latency_ms)."""
        data = json.dumps(payload).encode('utf-8')
        headers = {'Content-Type': 'application/json', 'Accept': 'application/json'}
        try:
            context = self._ssl_context()
        except Exception as e:
            raise self._fail(what, 'failed: cannot set up TLS: %s' % (e,), 'connection_error')
        start = time.monotonic()
        deadline = start + self.timeout
        http_error = None
        try:
            # rpc_timeout bounds the whole call (connect + headers + body), not each read.
            with _CallDeadline(self.timeout):
                try:
                    resp = Request().open(
                        'POST', self.url, data=data, headers=headers, timeout=self.timeout,
                        validate_certs=self.validate_certs, url_username=self.username,
                        url_password=self.password, force_basic_auth=bool(self.username),
                        follow_redirects='none', use_netrc=False, context=context,
                    )
                except HTTPError as e:
                    # Its body is read under the same deadline and size limit as a 200's.
                    http_error = resp = e
                try:
                    body = self._read_body(what, resp, deadline)
                except Exception:
                    if http_error is None:
                        raise
                    body = b''  # the status is the news; an unreadable error page is not
                finally:
                    resp.close()
        except _DeadlineExceeded:
            raise self._fail(what, 'timed out after %s' % _fmt_seconds(self.timeout), 'timeout')
        except RpcError:
            raise
        except (BadGzipFile, zlib.error, EOFError, ValueError) as e:
            # Garbage or truncated gzip, or other undecodable framing: the server answered,
            # but not with a readable body. Not a connection problem (BadGzipFile is an
            # OSError and would otherwise pass for one).
            raise self._fail(what, 'returned a body that cannot be decoded: %s' % (e,), 'bad_response')
        except Exception as e:  # every transport failure must become an RpcError
            if isinstance(e, _BAD_HTTP) and not isinstance(e, _NOT_BAD_HTTP):
                raise self._fail(what, 'returned a malformed HTTP response: %s: %s' % (type(e).__name__, e),
                                 'bad_response')
            if _is_timeout(e):
                raise self._fail(what, 'timed out after %s' % _fmt_seconds(self.timeout), 'timeout')
            if _is_refused(e):
                raise self._fail(what, 'failed: connection refused (is the node running and listening there?)',
                                 'connection_refused')
            reason = getattr(e, 'reason', None) or e
            raise self._fail(what, 'failed: connection error: %s' % (reason,), 'connection_error')
        if http_error is not None:
            self._raise_http_error(what, http_error, body)
        latency_ms = round((time.monotonic() - start) * 1000.0, 1)
        self.last_latency_ms = latency_ms
        return self._decode(what, body), latency_ms

    def _raise_http_error(self, what, e, body):
        # Some servers put a JSON-RPC error object in a non-200 answer: show that, it is more useful.
        try:
            doc = json.loads(body.decode('utf-8'))
        except Exception:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get('error'), dict):
            err = doc['error']
            raise self._fail(what, 'returned HTTP %s with JSON-RPC error %s: %s'
                             % (e.code, err.get('code'), err.get('message')), 'rpc_error',
                             details={'status': e.code, 'error': err})
        msg = 'returned HTTP %s %s' % (e.code, e.reason or '')
        if body:
            msg = msg.rstrip() + ': %s' % _snippet(body)
        raise self._fail(what, msg.rstrip(), 'http_error', details={'status': e.code})

    def _decode(self, what, body):
        try:
            return json.loads(body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            text = _snippet(body)
            lowered = text.lower()
            if lowered.startswith('<!doctype html') or lowered.startswith('<html') or '<html' in lowered[:200]:
                hint = 'an HTML page, not JSON (wrong URL or a proxy in the way?)'
            elif not text:
                hint = 'an empty body, not JSON'
            else:
                hint = 'not JSON'
            raise self._fail(what, 'returned %s: %r' % (hint, text), 'not_json')

    def _result_of(self, what, answer, request_id):
        if not isinstance(answer, dict):
            raise self._fail(what, 'returned a JSON %s instead of a JSON-RPC response object: %s'
                             % (type(answer).__name__, _snippet(json.dumps(answer))), 'bad_response')
        err = answer.get('error')
        if err is not None:
            if isinstance(err, dict):
                raise self._fail(what, 'returned JSON-RPC error %s: %s' % (err.get('code'), err.get('message')),
                                 'rpc_error', details={'error': err})
            raise self._fail(what, 'returned JSON-RPC error %s' % (_snippet(json.dumps(err)),), 'rpc_error',
                             details={'error': err})
        if 'id' not in answer:
            raise self._fail(what, 'returned a response without an id (expected %s)' % request_id, 'wrong_id')
        if answer.get('id') != request_id:
            raise self._fail(what, 'returned response id %r, expected %r' % (answer.get('id'), request_id),
                             'wrong_id')
        if 'result' not in answer:
            raise self._fail(what, "returned a response without 'result'", 'bad_response')
        return answer['result']

    def call(self, method, params=None):
        """Return (result, latency_ms) or raise RpcError."""
        request_id = self._new_id()
        payload = {'jsonrpc': '2.0', 'method': method, 'params': list(params or []), 'id': request_id}
        answer, latency_ms = self._post(method, payload)
        return self._result_of(method, answer, request_id), latency_ms

    def batch(self, calls):
        """Return the results of [(method, params), ...] in the same order.

        Falls back to one call per request when the server does not answer a batch
        with a list (JSON-RPC batch is optional for servers).
        """
        calls = list(calls)
        if not calls:
            return []
        methods = sorted(set(method for method, dummy_params in calls))
        what = 'batch[%d x %s]' % (len(calls), ','.join(methods))
        ids = [self._new_id() for dummy_call in calls]
        payload = [{'jsonrpc': '2.0', 'method': m, 'params': list(p or []), 'id': i}
                   for (m, p), i in zip(calls, ids)]
        try:
            answer, _latency = self._post(what, payload)
        except RpcError as e:
            if e.kind != 'http_error':
                raise
            answer = None
        if not isinstance(answer, list):
            return [self.call(m, p)[0] for m, p in calls]
        by_id = {}
        for item in answer:
            if isinstance(item, dict) and 'id' in item:
                by_id[item['id']] = item
        results = []
        for (method, params), request_id in zip(calls, ids):
            item = by_id.get(request_id)
            if item is None:
                raise self._fail('%s (%s %s)' % (what, method, json.dumps(list(params or []))),
                                 'returned no response with id %r' % request_id, 'wrong_id')
            results.append(self._result_of('%s %s in %s' % (method, json.dumps(list(params or [])), what),
                                           item, request_id))
        return results


def _count_problem(value, limit=None):
    """Why value is not a plausible count (non-negative integer, at most limit), or None."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 'returned %r, expected a non-negative integer' % (value,)
    if limit is not None and value > limit:
        return 'returned an impossible block count %d (Neo N3 heights are 32-bit)' % value
    return None


def gather_rpc(client, checkpoints=False):
    """Make the health-check calls; return plain facts for neors_health.judge_*.

    Stops after the first failure of getversion/getblockcount: when the node is
    down every further call would only wait for the same timeout again.
    """
    facts = {
        'url': client.url, 'latency_ms': {}, 'version': None, 'height': None, 'core_error': None,
        'connection_count': None, 'peers': None, 'peer_errors': [],
        'checkpoints': None, 'checkpoints_error': None, 'checkpoints_bad': [],
    }
    try:
        facts['version'], facts['latency_ms']['getversion'] = client.call('getversion')
        height, facts['latency_ms']['getblockcount'] = client.call('getblockcount')
        problem = _count_problem(height, MAX_BLOCK_COUNT)
        if problem:
            raise RpcError('RPC getblockcount at %s %s' % (client.url, problem), 'bad_response',
                           method='getblockcount', url=client.url)
        facts['height'] = height
    except RpcError as e:
        facts['core_error'] = e.message
        return facts
    for method, key in (('getconnectioncount', 'connection_count'), ('getpeers', 'peers')):
        try:
            facts[key], facts['latency_ms'][method] = client.call(method)
        except RpcError as e:
            facts['peer_errors'].append(e.message)
    problem = _count_problem(facts['connection_count'])
    if facts['connection_count'] is not None and problem:
        # "-5 connected peers" is not a count; getpeers can still tell how many there are.
        facts['peer_errors'].append('RPC getconnectioncount at %s %s' % (client.url, problem))
        facts['connection_count'] = None
    if checkpoints:
        heights = checkpoint_heights(height)
        try:
            hashes = client.batch([('getblockhash', [h]) for h in heights])
        except RpcError as e:
            facts['checkpoints_error'] = e.message
        else:
            good = {}
            for h, v in zip(heights, hashes):
                # A malformed hash would be compared across the fleet and look like a fork.
                if isinstance(v, str) and _BLOCK_HASH_RE.match(v):
                    good[str(h)] = v
                else:
                    facts['checkpoints_bad'].append('bad block hash at height %d: %s'
                                                    % (h, _snippet(json.dumps(v))))
            facts['checkpoints'] = good or None
    return facts
