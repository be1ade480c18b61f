# shellcheck shell=sh
# devinit.sh HOSTNAME [--bind SRC DST]... -- CMD [ARG...]
# Runs inside a device's network namespace, in a private mount namespace and its own UTS
# namespace (lab/up starts it under `unshare -m -u --propagation private`): names the host,
# bind-mounts the device's overlay files (passwd, shadow) over the host's paths -- visible
# to this device's processes only, the host's files are never touched -- and becomes CMD.
set -eu
hostname "$1"
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --bind) mount --bind "$2" "$3"; shift 3 ;;
    --) shift; break ;;
    *) echo "devinit: unexpected argument '$1'" >&2; exit 2 ;;
  esac
done
exec "$@"
