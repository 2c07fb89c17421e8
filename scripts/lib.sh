# shellcheck shell=bash
# Shared setup for the project's commands: sourced, not run.
# Everything stateful lives under NEORS_LAB_HOME (outside the git tree): the venv, the private
# Docker daemon, the NeoGo binary, the fleet's keys and the inventory.
set -euo pipefail

NEORS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NEORS_ROOT
export NEORS_LAB_HOME="${NEORS_LAB_HOME:-/var/tmp/neors-lab}"
# Ansible and molecule write caches under HOME; keep them in the lab home, not the user's.
export ANSIBLE_HOME="${ANSIBLE_HOME:-$NEORS_LAB_HOME/ansible-home}"
export ANSIBLE_CONFIG="$NEORS_ROOT/ansible.cfg"
export NEORS_DOCKER_HOST="unix://$NEORS_LAB_HOME/docker.sock"

log() { printf '\033[1m[neors]\033[0m %s\n' "$*" >&2; }

# Host packages the project needs; installed only when missing (apt is slow to no-op).
ensure_host_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
  command -v git >/dev/null || missing+=(git)
  # ansible-test sanity skips its shellcheck test without it.
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  if ((${#missing[@]})); then
    log "installing host packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# One venv per content of requirements-dev.txt, shared by every clone on this machine.
ensure_venv() {
  local req_hash
  req_hash="$(sha256sum "$NEORS_ROOT/requirements-dev.txt" | cut -c1-12)"
  NEORS_VENV="$NEORS_LAB_HOME/venv-$req_hash"
  if [[ ! -x "$NEORS_VENV/.complete" ]]; then
    log "creating Python venv $NEORS_VENV"
    rm -rf "$NEORS_VENV"
    python3 -m venv "$NEORS_VENV"
    "$NEORS_VENV/bin/pip" install -q --disable-pip-version-check -r "$NEORS_ROOT/requirements-dev.txt"
    printf '#!/bin/sh\n' >"$NEORS_VENV/.complete" && chmod +x "$NEORS_VENV/.complete"
  fi
  export NEORS_VENV
  export PATH="$NEORS_VENV/bin:$PATH"
}

# Ansible finds this collection as neors.ops through a link that ansible.cfg names.
ensure_collection_link() {
  mkdir -p "$NEORS_ROOT/.collections/ansible_collections/neors"
  ln -sfn ../../.. "$NEORS_ROOT/.collections/ansible_collections/neors/ops"
}

bootstrap() {
  mkdir -p "$NEORS_LAB_HOME"
  ensure_host_packages
  ensure_venv
  ensure_collection_link
}
