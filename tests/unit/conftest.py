# -*- coding: utf-8 -*-
"""Make ``ansible_collections.neors.ops`` importable for plain ``pytest tests/unit``.

Modules import their helpers as ``ansible_collections.neors.ops.plugins.module_utils...``,
so the repository root (which IS the collection root) has to be reachable under that name.

How: if the name does not import already (ansible-test, or a checkout living at
``.../ansible_collections/neors/ops``), build ``<tmp>/ansible_collections/neors/ops`` as a
symlink to the repository root and put ``<tmp>`` first on ``sys.path``.

Why this works next to the ``ansible`` package's bundled collections: ``ansible_collections``
has no ``__init__.py`` anywhere (site-packages or here), so Python treats it as a namespace
package and merges every ``sys.path`` entry that contains it; ``neors`` is then found in the
temp tree. Nothing installs ansible's own collection finder during unit tests (only
``init_plugin_loader()`` would), so plain imports are used. Keep the tree free of
``__init__.py`` files in ``ansible_collections/`` and ``neors/`` or the merge stops working.

Test file basenames must stay unique across tests/unit (pytest "prepend" import mode).
"""

from __future__ import absolute_import, division, print_function

import atexit
import importlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _importable():
    try:
        importlib.import_module('ansible_collections.neors.ops.plugins.module_utils.neors_errors')
        return True
    except ImportError:
        return False


def _ensure_collection_path():
    if _importable():
        return
    parts = REPO_ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3:-1] == ['ansible_collections', 'neors']:
        sys.path.insert(0, os.sep.join(parts[:-3]) or os.sep)
    else:
        tmp = tempfile.mkdtemp(prefix='neors-ops-unit-')
        atexit.register(shutil.rmtree, tmp, True)
        os.makedirs(os.path.join(tmp, 'ansible_collections', 'neors'))
        os.symlink(REPO_ROOT, os.path.join(tmp, 'ansible_collections', 'neors', 'ops'))
        sys.path.insert(0, tmp)
    importlib.invalidate_caches()
    # A failed import above may have cached an incomplete namespace path.
    for name in [n for n in sys.modules if n == 'ansible_collections' or n.startswith('ansible_collections.neors')]:
        del sys.modules[name]
    if not _importable():
        raise RuntimeError('cannot make ansible_collections.neors.ops importable from %s' % REPO_ROOT)


_ensure_collection_path()


# ---------------------------------------------------------------------------
# Scripted JSON-RPC server on 127.0.0.1 (port 0), shared by the rpc and module tests.


class FakeRpcServer:
    """``handler(request_doc) -> (status, body_bytes_or_obj, delay_seconds)``.

    By default answers Neo N3 methods from ``self.answers`` (method -> result), echoing ids,
    and answers batches element by element (``self.batch_mode``: ok, reversed, unsupported, http_400).
    """

    def __init__(self):
        self.requests = []
        self.answers = {}
        self.delays = {}
        self.handler = None
        self.batch_mode = 'ok'  # ok | reversed | unsupported | http_400
        outer = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms stalls

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length)
                try:
                    doc = json.loads(raw.decode('utf-8'))
                except ValueError:
                    doc = None
                outer.requests.append({'doc': doc, 'headers': dict(self.headers), 'path': self.path})
                status, body, delay, ctype = outer.respond(doc)
                if delay:
                    time.sleep(delay)
                if not isinstance(body, bytes):
                    body = json.dumps(body).encode('utf-8')
                try:
                    self.send_response(status)
                    self.send_header('Content-Type', ctype)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = 'http://127.0.0.1:%d/rpc' % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)

    def single(self, req):
        method = req.get('method')
        if method in self.answers:
            result = self.answers[method]
            if callable(result):
                result = result(req.get('params'))
            return {'jsonrpc': '2.0', 'id': req.get('id'), 'result': result}
        return {'jsonrpc': '2.0', 'id': req.get('id'), 'error': {'code': -32601, 'message': 'Method not found'}}

    def respond(self, doc):
        if self.handler is not None:
            out = self.handler(doc)
            if len(out) == 3:
                out = out + ('application/json',)
            return out
        if isinstance(doc, list):
            if self.batch_mode == 'unsupported':
                return 200, {'jsonrpc': '2.0', 'id': None,
                             'error': {'code': -32600, 'message': 'Invalid Request'}}, 0, 'application/json'
            if self.batch_mode == 'http_400':
                return 400, b'batch not supported', 0, 'text/plain'
            answers = [self.single(r) for r in doc]
            if self.batch_mode == 'reversed':
                answers.reverse()
            return 200, answers, 0, 'application/json'
        method = doc.get('method') if isinstance(doc, dict) else None
        return 200, self.single(doc), self.delays.get(method, 0), 'application/json'

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def rpc_server():
    with FakeRpcServer() as server:
        yield server


@pytest.fixture
def closed_port_url():
    """URL of a port that was just free: connecting to it is refused."""
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return 'http://127.0.0.1:%d/rpc' % port
