# -*- coding: utf-8 -*-
# Copyright: neors.ops contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Shared node options: keep in sync with plugins/module_utils/neors_args.py node_argument_spec().
    DOCUMENTATION = r'''
options:
  rpc_url:
    description:
      - URL of the node's JSON-RPC endpoint (neo-rs, NeoGo and neo-cli speak the same Neo N3 API).
      - Must be an C(http://) or C(https://) URL.
      - Must not contain credentials (C(user:password@host)); they would end up in results, messages and
        reports. Use O(rpc_username) and O(rpc_password) instead.
    type: str
    default: http://127.0.0.1:30332/rpc
  rpc_timeout:
    description:
      - Seconds one JSON-RPC request may take as a whole (connect, response headers and body), not
        per socket read, so a server sending a byte at a time cannot hold the check for minutes.
      - The whole-call limit uses C(SIGALRM) in the module's main thread; where that is not available
        only each read and the time between body chunks are bounded.
      - Must be a finite number greater than 0 and at most 3600. Response bodies larger than 8 MiB are
        rejected as a bad response.
    type: float
    default: 10
  rpc_username:
    description:
      - User name for HTTP basic authentication on the RPC endpoint.
    type: str
  rpc_password:
    description:
      - Password for HTTP basic authentication on the RPC endpoint.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificate when O(rpc_url) is C(https).
    type: bool
    default: true
  service_name:
    description:
      - Name of the systemd unit running the node.
      - One literal unit name, it may not start with C(-) or contain glob characters (C(*), C(?), C([)),
        whitespace or C(/).
    type: str
    default: neo-rs
  process_name:
    description:
      - Process name of the node (compared with C(/proc/PID/comm) and the base name of C(argv[0])).
      - When the unit has a main PID that is not this process (for example C(ExecStart) runs a wrapper
        script), the nearest descendant of the main PID with this name is measured. If there is none,
        the main process is measured and the C(process) check is degraded, naming what the unit runs.
      - Without a main PID, the lowest PID with this name is used.
      - A base name, not a path; it may not start with C(-) or contain glob characters or whitespace.
    type: str
    default: neo-node
  data_dir:
    description:
      - Directory holding the node's chain data. Must not be empty.
      - When parts of it cannot be read, C(data_dir_bytes) is partial (or null when nothing could be read)
        and the C(disk) message says why.
    type: path
    default: /opt/neo-rs/data
  rpc_port:
    description:
      - TCP port the node's RPC server listens on.
      - Defaults to the port of O(rpc_url).
    type: int
  p2p_port:
    description:
      - TCP port the node's P2P server listens on.
    type: int
    default: 30334
'''
