#!/usr/bin/env bash
# Installs every host package meros uses, on Debian and Ubuntu. Idempotent: packages already installed are
# left alone, and nothing is done when nothing is missing.
#   sudo ./dist-conf.sh            install what is missing (needs root)
#   ./dist-conf.sh --check         list missing packages; exit 0 if none, 1 otherwise (no root needed)
#   sudo ./dist-conf.sh --quiet    install without chatter (used by scripts/start and scripts/test)
#   ./dist-conf.sh --list          print the packages meros runs with, one a line (the .deb depends on them)
set -euo pipefail

quiet=0 check=0 list=0
for a in "$@"; do
  case "$a" in
    --quiet|-q) quiet=1 ;;
    --check) check=1 ;;
    --list) list=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "dist-conf.sh: unknown option $a (try --help)" >&2; exit 2 ;;
  esac
done
say() { [[ $quiet == 1 ]] || echo "dist-conf: $*"; }

if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  echo "dist-conf.sh: this installer supports Debian and Ubuntu (apt-get); install the packages listed in it by hand" >&2
  exit 3
fi

packages=(
  qemu-system-x86 qemu-utils            # qemu-system-x86_64, qemu-img
  qemu-system-arm                       # qemu-system-aarch64: arch aarch64 VMs
  qemu-user-static binfmt-support arch-test   # aarch64 roots: maintainer scripts and hooks under qemu-aarch64 (binfmt_misc)
  gcc-aarch64-linux-gnu                 # kernel-build --arch aarch64 (cross compiler)
  qemu-system-common                    # virtiofsd (/usr/lib/qemu/virtiofsd): shared folders (mounts:)
  mmdebstrap debootstrap                # guest root filesystems
  e2fsprogs                             # mke2fs -d, debugfs
  iproute2 nftables                     # bridges, taps, bridge policies
  dnsmasq-base                          # DNS forwarder on each bridge (the binary only: no system daemon)
  openssh-client                        # ssh-keygen, ssh
  uidmap                                # newuidmap/newgidmap: image builds without root (user namespace)
  waypipe                               # GUI apps from guests (run --gui)
  libguestfs-tools linux-image-amd64   # build --use (virt-customize; its appliance boots a host kernel)
  build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils   # kernel build
  graphviz                              # meros graph (dot)
)
# Building meros and running its tests (not needed by an installed meros package).
develop=(
  openssh-server weston                 # tests: a loopback sshd (SSH/SFTP/PTY/bench), a headless Wayland compositor (run --gui)
  hyperfine tmux zsh                    # benchmarks, interactive tests (tmux drives the bash/zsh completion tests)
  python3                               # tests: DNS-over-TCP probe in a namespace, a process whose first thread exits before its others
  maven default-jdk-headless            # building and running meros itself
)

# The kernel source package is versioned (linux-source-6.1 on bookworm): take the one the distribution's
# linux-source metapackage points at, else the newest versioned one the archive offers.
kernel_source() {
  local dep
  dep="$(apt-cache depends linux-source 2>/dev/null | awk '/Depends: linux-source-[0-9]/ {print $2; exit}')"
  if [[ -z "$dep" ]]; then
    dep="$(apt-cache pkgnames linux-source- 2>/dev/null | grep -E '^linux-source-[0-9]+(\.[0-9]+)*$' | sort -V | tail -n1 || true)"
  fi
  echo "${dep:-linux-source}"
}

missing() {
  local p
  for p in "$@"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]]; then echo "$p"; fi
  done
}

ks="$(kernel_source)"
if [[ $list == 1 ]]; then
  printf '%s\n' "${packages[@]}" "$ks"
  exit 0
fi
# An installed linux-source-X.Y satisfies the kernel source need even if a newer one appeared in the archive.
if dpkg-query -W -f='${Package} ${db:Status-Status}\n' 'linux-source-*' 2>/dev/null | grep -q ' installed$'; then ks=""; fi
mapfile -t todo < <(missing "${packages[@]}" "${develop[@]}" ${ks:+"$ks"})

if [[ ${#todo[@]} -eq 0 ]]; then
  say "all host packages are installed"
  exit 0
fi
if [[ $check == 1 ]]; then
  echo "missing: ${todo[*]}"
  echo "install with: sudo $(readlink -f "$0")"
  exit 1
fi
if [[ $EUID -ne 0 ]]; then
  echo "dist-conf.sh: must run as root to install: ${todo[*]}" >&2
  echo "run: sudo $(readlink -f "$0")" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "installing: ${todo[*]}"
if [[ $quiet == 1 ]]; then
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${todo[@]}" >/dev/null
else
  apt-get update
  apt-get install -y --no-install-recommends "${todo[@]}"
fi
left=()
mapfile -t left < <(missing "${todo[@]}")
if [[ ${#left[@]} -gt 0 ]]; then
  echo "dist-conf.sh: still missing after apt-get install: ${left[*]}" >&2
  exit 1
fi
say "done"
