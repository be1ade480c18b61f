#!/bin/sh
# Installs the Debian 12 packages sekisho needs to build, test, demo and benchmark.
# Idempotent: packages already present are skipped by apt. Run as root.
set -eu

PKGS="
  build-essential cmake ninja-build pkg-config git
  clang llvm libclang-rt-14-dev clang-format clang-tidy
  libpcap-dev libssl-dev nettle-dev zlib1g-dev nlohmann-json3-dev
  nftables libnftables-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libexpat1-dev libssh-dev libyaml-cpp-dev
  chromium fonts-noto-cjk
  socat inetutils-telnetd dropbear-bin lighttpd lighttpd-mod-openssl busybox
  mosquitto mosquitto-clients vsftpd snmpd snmp libcoap3-bin miniupnpd-nftables openssl util-linux
  nmap hydra masscan curl
  ieee-data
  iproute2 iputils-ping tcpdump python3
  libndpi-bin
  time
"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing:$missing (run as root to install)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
