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
    type: str
    default: http://127.0.0.1:30332/rpc
  rpc_timeout:
    description:
      - Seconds to wait for each JSON-RPC request (connect and read).
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
    type: str
    default: neo-rs
  process_name:
    description:
      - Process name of the node, used when the unit has no main PID
        (compared with C(/proc/PID/comm) and the base name of C(argv[0])).
    type: str
    default: neo-node
  data_dir:
    description:
      - Directory holding the node's chain data.
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
