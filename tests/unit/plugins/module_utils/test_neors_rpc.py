# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

import base64
import gzip
import json
import signal
import socket
import threading
import time

import pytest

from ansible_collections.neors.ops.plugins.module_utils.neors_errors import NeorsError, RpcError
from ansible_collections.neors.ops.plugins.module_utils.neors_rpc import RpcClient, gather_rpc


VERSION = {'tcpport': 30334, 'nonce': 1, 'useragent': '/NEO-GO:0.120.0/',
           'protocol': {'network': 860833102, 'msperblock': 1000}}


def test_error_types():
    e = RpcError('boom', 'timeout', method='getversion', url='http://x')
    assert isinstance(e, NeorsError) and str(e) == 'boom' and e.kind == 'timeout' and e.details == {}
    pytest.raises(ValueError, RpcError, 'x', 'no_such_kind')


def test_call_ok_posts_json_rpc(rpc_server):
    rpc_server.answers['getblockcount'] = 1234
    client = RpcClient(rpc_server.url, timeout=2)
    result, latency = client.call('getblockcount')
    assert result == 1234
    assert isinstance(latency, float) and latency >= 0
    req = rpc_server.requests[-1]
    assert req['doc']['method'] == 'getblockcount' and req['doc']['params'] == [] and req['doc']['jsonrpc'] == '2.0'
    assert req['headers']['Content-Type'] == 'application/json'
    assert 'Authorization' not in req['headers']


def test_basic_auth_sent(rpc_server):
    rpc_server.answers['getversion'] = VERSION
    RpcClient(rpc_server.url, timeout=2, username='neo', password='s3cret').call('getversion')
    auth = rpc_server.requests[-1]['headers']['Authorization']
    assert auth == 'Basic ' + base64.b64encode(b'neo:s3cret').decode()


def test_connection_refused(closed_port_url):
    with pytest.raises(RpcError) as ei:
        RpcClient(closed_port_url, timeout=2).call('getversion')
    assert ei.value.kind == 'connection_refused'
    assert 'getversion' in ei.value.message and closed_port_url in ei.value.message
    assert 'connection refused' in ei.value.message


def test_timeout(rpc_server):
    rpc_server.answers['getversion'] = VERSION
    rpc_server.delays['getversion'] = 1.5
    start = time.monotonic()
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=0.5).call('getversion')
    assert time.monotonic() - start < 1.4
    assert ei.value.kind == 'timeout'
    assert ei.value.message == 'RPC getversion at %s timed out after 0.5s' % rpc_server.url


def test_http_500(rpc_server):
    rpc_server.handler = lambda doc: (500, b'internal failure', 0, 'text/plain')
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).call('getblockcount')
    assert ei.value.kind == 'http_error'
    assert 'HTTP 500' in ei.value.message and 'getblockcount' in ei.value.message
    assert rpc_server.url in ei.value.message and 'internal failure' in ei.value.message
    assert ei.value.details['status'] == 500


def test_http_error_with_json_rpc_error_body(rpc_server):
    body = {'jsonrpc': '2.0', 'id': 1, 'error': {'code': -32602, 'message': 'Invalid params'}}
    rpc_server.handler = lambda doc: (400, body, 0)
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).call('getblockhash', [99])
    assert ei.value.kind == 'rpc_error'
    assert 'HTTP 400' in ei.value.message and '-32602' in ei.value.message and 'Invalid params' in ei.value.message


def test_html_body(rpc_server):
    page = b'<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>' + b'x' * 300 + b'</body></html>'
    rpc_server.handler = lambda doc: (200, page, 0, 'text/html')
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).call('getversion')
    msg = ei.value.message
    assert ei.value.kind == 'not_json'
    assert 'HTML' in msg and 'Welcome to nginx' in msg and 'getversion' in msg and rpc_server.url in msg
    assert 'x' * 100 not in msg  # only a short snippet of the body


def test_plain_non_json(rpc_server):
    rpc_server.handler = lambda doc: (200, b'OK', 0, 'text/plain')
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).call('getversion')
    assert ei.value.kind == 'not_json' and 'not JSON' in ei.value.message and "'OK'" in ei.value.message


def test_json_rpc_error_object(rpc_server):
    with pytest.raises(RpcError) as ei:  # the fake answers unknown methods with -32601
        RpcClient(rpc_server.url, timeout=2).call('getnothing')
    assert ei.value.kind == 'rpc_error'
    assert '-32601' in ei.value.message and 'Method not found' in ei.value.message
    assert 'getnothing' in ei.value.message


def test_wrong_id(rpc_server):
    rpc_server.handler = lambda doc: (200, {'jsonrpc': '2.0', 'id': doc['id'] + 100, 'result': 1}, 0)
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).call('getblockcount')
    assert ei.value.kind == 'wrong_id' and '101' in ei.value.message


def test_missing_id(rpc_server):
    rpc_server.handler = lambda doc: (200, {'jsonrpc': '2.0', 'result': 1}, 0)
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).call('getblockcount')
    assert ei.value.kind == 'wrong_id' and 'without an id' in ei.value.message


def test_missing_result(rpc_server):
    rpc_server.handler = lambda doc: (200, {'jsonrpc': '2.0', 'id': doc['id']}, 0)
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).call('getblockcount')
    assert ei.value.kind == 'bad_response' and "'result'" in ei.value.message


def test_non_object_response(rpc_server):
    rpc_server.handler = lambda doc: (200, [1, 2], 0)
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).call('getblockcount')
    assert ei.value.kind == 'bad_response'


def test_connection_error_kind():
    # Port 0 cannot be connected to: neither refused-by-peer wording nor timeout on every kernel,
    # so use a name that cannot resolve instead.
    with pytest.raises(RpcError) as ei:
        RpcClient('http://neors-no-such-host.invalid:30332/rpc', timeout=2).call('getversion')
    assert ei.value.kind == 'connection_error'
    assert 'neors-no-such-host.invalid' in ei.value.message


def _hash(params):
    return '0x%064x' % params[0]


def test_batch_out_of_order_matched_by_id(rpc_server):
    rpc_server.answers['getblockhash'] = _hash
    rpc_server.batch_mode = 'reversed'
    results = RpcClient(rpc_server.url, timeout=2).batch([('getblockhash', [h]) for h in (32, 16, 0)])
    assert results == [_hash([32]), _hash([16]), _hash([0])]
    assert len(rpc_server.requests) == 1 and isinstance(rpc_server.requests[0]['doc'], list)


@pytest.mark.parametrize('mode', ['unsupported', 'http_400'])
def test_batch_unsupported_falls_back_to_sequential(rpc_server, mode):
    rpc_server.answers['getblockhash'] = _hash
    rpc_server.batch_mode = mode
    results = RpcClient(rpc_server.url, timeout=2).batch([('getblockhash', [h]) for h in (32, 16)])
    assert results == [_hash([32]), _hash([16])]
    assert [type(r['doc']).__name__ for r in rpc_server.requests] == ['list', 'dict', 'dict']


def test_batch_item_error_and_missing_item(rpc_server):
    rpc_server.answers['getblockhash'] = _hash
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).batch([('getblockhash', [1]), ('nosuch', [])])
    assert ei.value.kind == 'rpc_error' and 'nosuch' in ei.value.message

    rpc_server.handler = lambda doc: (200, [{'jsonrpc': '2.0', 'id': doc[0]['id'], 'result': 'a'}], 0)
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).batch([('getblockhash', [1]), ('getblockhash', [2])])
    assert ei.value.kind == 'wrong_id'


def test_batch_empty_makes_no_request(rpc_server):
    assert RpcClient(rpc_server.url, timeout=2).batch([]) == []
    assert rpc_server.requests == []


def test_gather_rpc_full(rpc_server):
    rpc_server.answers.update({
        'getversion': VERSION, 'getblockcount': 20, 'getconnectioncount': 2,
        'getpeers': {'connected': [{'address': '10.0.0.2', 'port': 20333}], 'unconnected': [], 'bad': []},
        'getblockhash': _hash,
    })
    facts = gather_rpc(RpcClient(rpc_server.url, timeout=2), checkpoints=True)
    assert facts['height'] == 20 and facts['core_error'] is None and facts['connection_count'] == 2
    assert sorted(facts['latency_ms']) == ['getblockcount', 'getconnectioncount', 'getpeers', 'getversion']
    assert facts['checkpoints'] == {'16': _hash([16]), '0': _hash([0])}
    assert facts['checkpoints_error'] is None


def test_gather_rpc_stops_after_core_failure(closed_port_url):
    facts = gather_rpc(RpcClient(closed_port_url, timeout=2), checkpoints=True)
    assert facts['height'] is None and 'connection refused' in facts['core_error']
    assert facts['latency_ms'] == {} and facts['checkpoints'] is None


def test_gather_rpc_bad_height_and_peer_errors(rpc_server):
    rpc_server.answers.update({'getversion': VERSION, 'getblockcount': 'lots'})
    facts = gather_rpc(RpcClient(rpc_server.url, timeout=2))
    assert facts['height'] is None and "'lots'" in facts['core_error']

    rpc_server.answers['getblockcount'] = 5
    facts = gather_rpc(RpcClient(rpc_server.url, timeout=2))
    assert facts['height'] == 5 and len(facts['peer_errors']) == 2  # both peer methods missing
    assert all('Method not found' in e for e in facts['peer_errors'])
    assert json.dumps(facts)  # plain data only


# ---------------------------------------------------------------------------
# Hostile servers: raw sockets on 127.0.0.1, so headers and bodies can be anything.

class CannedServer:
    """Answers every connection with ``response`` (bytes); from byte ``drip_from`` on, one
    byte every ``drip`` seconds (each byte resets a per-read socket timeout), for at most
    ``give_up`` seconds."""

    def __init__(self, response, drip=0.0, drip_from=0, give_up=4.0):
        self.response, self.drip, self.drip_from, self.give_up = response, drip, drip_from, give_up
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(5)
        self.sock.settimeout(0.1)
        self.url = 'http://127.0.0.1:%d/rpc' % self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, dummy = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        try:
            conn.settimeout(2)
            # Read the whole request (headers and body): closing with unread input sends a RST,
            # which the client would see as "connection reset" instead of our answer.
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, body = data.split(b'\r\n\r\n', 1)
            length = 0
            for line in head.split(b'\r\n'):
                if line.lower().startswith(b'content-length:'):
                    length = int(line.split(b':', 1)[1])
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                body += chunk
            conn.sendall(self.response[:self.drip_from])
            end = time.monotonic() + self.give_up
            for i in range(self.drip_from, len(self.response)):
                if self.stop.is_set() or time.monotonic() > end:
                    return
                time.sleep(self.drip)
                conn.sendall(self.response[i:i + 1])
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.sock.close()


def http_response(body, headers=None):
    head = ['HTTP/1.1 200 OK', 'Content-Type: application/json', 'Content-Length: %d' % len(body),
            'Connection: close'] + list(headers or [])
    return ('\r\n'.join(head) + '\r\n\r\n').encode() + body


OK_BODY = json.dumps({'jsonrpc': '2.0', 'id': 1, 'result': 7}).encode()


@pytest.mark.parametrize('where', ['headers', 'body'])
def test_timeout_bounds_the_whole_call(where):
    response = http_response(OK_BODY + b' ' * 200)
    drip_from = 5 if where == 'headers' else len(response) - 200
    with CannedServer(response, drip=0.1, drip_from=drip_from) as server:
        start = time.monotonic()
        with pytest.raises(RpcError) as ei:
            RpcClient(server.url, timeout=1).call('getblockcount')
        elapsed = time.monotonic() - start
    assert elapsed < 2.0, 'a dripping server kept the call going for %.1f s' % elapsed
    assert ei.value.kind == 'timeout'
    assert ei.value.message == 'RPC getblockcount at %s timed out after 1s' % server.url


def test_timeout_without_signals_checks_deadline_between_chunks():
    # Not the main thread: no SIGALRM, the body loop must still stop at the deadline.
    response = http_response(OK_BODY + b' ' * 200)
    outcome = {}

    def worker():
        start = time.monotonic()
        try:
            RpcClient(server.url, timeout=1).call('getblockcount')
        except RpcError as e:
            outcome['error'] = e
        outcome['elapsed'] = time.monotonic() - start

    with CannedServer(response, drip=0.1, drip_from=len(response) - 200) as server:
        t = threading.Thread(target=worker)
        t.start()
        t.join(10)
    assert outcome['elapsed'] < 2.0 and outcome['error'].kind == 'timeout'


def test_alarm_handler_and_timer_restored(rpc_server):
    rpc_server.answers['getblockcount'] = 5
    before = signal.getsignal(signal.SIGALRM)
    RpcClient(rpc_server.url, timeout=2).call('getblockcount')
    rpc_server.delays['getversion'] = 1.0
    with pytest.raises(RpcError):
        RpcClient(rpc_server.url, timeout=0.3).call('getversion')
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_foreign_alarm_left_alone(rpc_server):
    rpc_server.answers['getblockcount'] = 5
    fired = []

    def handler(signum, frame):
        fired.append(signum)
    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        assert RpcClient(rpc_server.url, timeout=2).call('getblockcount')[0] == 5
        assert signal.getsignal(signal.SIGALRM) is handler
        assert 25 < signal.getitimer(signal.ITIMER_REAL)[0] <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert fired == []


def test_body_size_is_capped(rpc_server):
    rpc_server.handler = lambda doc: (200, b'[' + b'1,' * (4 * 1024 * 1024 + 10) + b'1]', 0)
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=5).call('getblockcount')
    assert ei.value.kind == 'bad_response' and 'larger than 8 MiB' in ei.value.message


def test_garbage_gzip_is_bad_response():
    response = http_response(b'this is not gzip at all', ['Content-Encoding: gzip'])
    with CannedServer(response) as server:
        with pytest.raises(RpcError) as ei:
            RpcClient(server.url, timeout=2).call('getblockcount')
    assert ei.value.kind == 'bad_response', ei.value.message
    assert 'cannot be decoded' in ei.value.message


def test_truncated_gzip_is_bad_response():
    body = gzip.compress(OK_BODY)[:-12]
    with CannedServer(http_response(body, ['Content-Encoding: gzip'])) as server:
        with pytest.raises(RpcError) as ei:
            RpcClient(server.url, timeout=2).call('getblockcount')
    assert ei.value.kind == 'bad_response', ei.value.message


def test_valid_gzip_still_works():
    with CannedServer(http_response(gzip.compress(OK_BODY), ['Content-Encoding: gzip'])) as server:
        assert RpcClient(server.url, timeout=2).call('getblockcount')[0] == 7


def test_not_http_is_bad_response():
    with CannedServer(b'\x00\x01binary p2p handshake\r\n\r\n') as server:
        with pytest.raises(RpcError) as ei:
            RpcClient(server.url, timeout=2).call('getversion')
    assert ei.value.kind == 'bad_response' and 'malformed HTTP response' in ei.value.message


def test_error_message_is_one_line(rpc_server):
    rpc_server.handler = lambda doc: (200, {'jsonrpc': '2.0', 'id': doc['id'],
                                            'error': {'code': -1, 'message': 'bad\nthing\r\nhere'}}, 0)
    with pytest.raises(RpcError) as ei:
        RpcClient(rpc_server.url, timeout=2).call('getversion')
    assert '\n' not in ei.value.message and 'bad thing here' in ei.value.message


@pytest.mark.parametrize('count, fragment', [
    (2 ** 32 + 1, 'impossible block count 4294967297'),
    (-1, 'expected a non-negative integer'),
    (True, 'expected a non-negative integer'),
])
def test_gather_rpc_rejects_impossible_block_count(rpc_server, count, fragment):
    rpc_server.answers.update({'getversion': VERSION, 'getblockcount': count})
    facts = gather_rpc(RpcClient(rpc_server.url, timeout=2))
    assert facts['height'] is None and fragment in facts['core_error']


def test_gather_rpc_max_block_count_accepted(rpc_server):
    rpc_server.answers.update({'getversion': VERSION, 'getblockcount': 2 ** 32, 'getconnectioncount': 1,
                               'getpeers': {'connected': [], 'unconnected': [], 'bad': []}})
    assert gather_rpc(RpcClient(rpc_server.url, timeout=2))['height'] == 2 ** 32


@pytest.mark.parametrize('count', [-5, 'many', 2.5])
def test_gather_rpc_bad_connection_count(rpc_server, count):
    rpc_server.answers.update({'getversion': VERSION, 'getblockcount': 5, 'getconnectioncount': count,
                               'getpeers': {'connected': [], 'unconnected': [], 'bad': []}})
    facts = gather_rpc(RpcClient(rpc_server.url, timeout=2))
    assert facts['connection_count'] is None
    assert len(facts['peer_errors']) == 1 and 'getconnectioncount' in facts['peer_errors'][0]
    assert 'expected a non-negative integer' in facts['peer_errors'][0]


def test_gather_rpc_bad_block_hash_dropped(rpc_server):
    bad = {16: '0xnothex', 0: None}
    rpc_server.answers.update({
        'getversion': VERSION, 'getblockcount': 20, 'getconnectioncount': 1,
        'getpeers': {'connected': [], 'unconnected': [], 'bad': []},
        'getblockhash': lambda params: bad.get(params[0], _hash(params)),
    })
    facts = gather_rpc(RpcClient(rpc_server.url, timeout=2), checkpoints=True)
    assert facts['checkpoints'] is None  # both heights (16, 0) were bad
    assert facts['checkpoints_bad'] == ["bad block hash at height 16: \"0xnothex\"",
                                        'bad block hash at height 0: null']
    del bad[0]
    facts = gather_rpc(RpcClient(rpc_server.url, timeout=2), checkpoints=True)
    assert facts['checkpoints'] == {'0': _hash([0])} and len(facts['checkpoints_bad']) == 1
