#!/bin/bash
# bench/scan_bench.sh: sekisho scan against its peers, in namespaces this script makes.
#   1. lab:   `sekisho scan --per-device 16` over every weak and strong device of the device
#             lab (lab/up) vs `nmap -sS -sV` + `nmap -sU -sV` on the same ports followed by
#             hydra with the same credential list on every login service nmap found; wall
#             time of each part, the ratio (target: sekisho >= 5x faster) and the findings
#             side by side (target: every peer finding also found by sekisho)
#   2. sweep: 4,096 addresses (10.232.0.0/20) of which 50 answer on 23 and 80, the rest
#             silent (dropped); sekisho vs nmap -sS vs masscan at the same rate; wall time and
#             recall (target: sekisho finds all 100 open ports, no false one)
#   3. scale: one sekisho process on 65,536 mostly silent addresses, for docs/SCAN_SCALE.md
# Prints the Markdown tables (also in $OUT/scan_results.md) whatever the outcome.
#
# Environment: SEKISHO (binary, default build/release/sekisho), RUNS (default 3; each side,
# alternating), SWEEP_RUNS (default RUNS), RATE (sweep rate, default 10000),
# SCAN_BENCH_PARTS (default "lab sweep scale"), SEKISHO_LAB_PREFIX (default skb, so the
# bench can run beside a test lab on the default skl), NMAP_TIMEOUT (600) and
# HYDRA_TIMEOUT (120): seconds before a peer command is killed (counted at the timeout).
# Traffic: only inside namespaces: the lab's ($SEKISHO_LAB_PREFIX-*) and the sweep's
# (skbsw-scan, skbsw-tgt), none of which has a default route; all are removed on exit,
# also on failure or interruption. Needs root, nmap, hydra, masscan, curl, nft, ping and
# the lab's packages (lab/README.md).
# Exit codes: 0 targets met, 1 a target missed, 3 setup or tool failure.
set -euo pipefail
cd "$(dirname "$0")/.."
SEKISHO=${SEKISHO:-build/release/sekisho}
RUNS=${RUNS:-3}
SWEEP_RUNS=${SWEEP_RUNS:-$RUNS}
RATE=${RATE:-10000}
PARTS=${SCAN_BENCH_PARTS:-lab sweep scale}
NMAP_TIMEOUT=${NMAP_TIMEOUT:-600}
HYDRA_TIMEOUT=${HYDRA_TIMEOUT:-120}
export SEKISHO_LAB_PREFIX=${SEKISHO_LAB_PREFIX:-skb}
OUT=${SCAN_BENCH_OUT:-bench/out/scan}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
SW=skbsw # the sweep's namespaces: $SW-scan, $SW-tgt (not "$SEKISHO_LAB_PREFIX-": lab/down would take them)
SWEEP_NET=10.232.0.0/20
SCALE_NET=10.232.0.0/16
LINK_SCAN=10.233.0.1
LINK_TGT=10.233.0.2

die() { echo "scan_bench: $*" >&2; exit 3; }
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
[ -x "$SEKISHO" ] || die "$SEKISHO missing (make release, or set SEKISHO)"
missing=()
for c in ip nft nmap hydra masscan curl ping timeout /usr/bin/time "$PY"; do
  command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
[ ${#missing[@]} = 0 ] || die "missing: ${missing[*]} (apt-get install nmap hydra masscan curl nftables iputils-ping time)"

SEKISHO=$(readlink -f "$SEKISHO")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/lab.json "$OUT"/sweep.json "$OUT"/scale.json "$OUT"/scan_results.md
TMP=$(mktemp -d /tmp/sekisho-scan-bench.XXXXXX) # 0700: hydra's combo files, the only place passwords go
LAB_UP=0
PYPID=

# The measuring script runs in the background so that a signal reaches the trap at once
# (bash runs a trap only after a foreground child ends).
bench_py() {
  "$PY" bench/scan_bench.py "$@" &
  PYPID=$!
  local rc=0
  wait $PYPID || rc=$?
  PYPID=
  return $rc
}

sweep_down() {
  local ns pid
  for ns in "$SW-scan" "$SW-tgt"; do
    ip netns list 2>/dev/null | awk '{print $1}' | grep -cx "$ns" >/dev/null || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
  done
  sleep 0.2
  for ns in "$SW-scan" "$SW-tgt"; do
    ip netns list 2>/dev/null | awk '{print $1}' | grep -cx "$ns" >/dev/null || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || echo "scan_bench: could not delete namespace $ns" >&2
  done
}

# shellcheck disable=SC2317 # reached through the trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$PYPID" ]; then kill -TERM "$PYPID" 2>/dev/null || true; fi
  sweep_down
  if [ "$LAB_UP" = 1 ]; then lab/down >/dev/null 2>&1 || echo "scan_bench: lab/down failed" >&2; fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The sweep network: a veth pair between a scanner namespace and a target namespace. The
# scanner routes 10.232.0.0/16 to the target; there 50 addresses of the /20 are local and a
# listener answers on 23 and 80 (backlog 4096); nftables drops every other address of the
# /16 before routing, so it stays silent: no RST, no ICMP.
sweep_up() {
  sweep_down # leftovers of a killed run: these names belong to this script alone
  ip netns add "$SW-scan"
  ip netns add "$SW-tgt"
  local ns
  for ns in "$SW-scan" "$SW-tgt"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.core.somaxconn=4096
    ip -n "$ns" link set lo up
  done
  ip -n "$SW-scan" link add "$SW-s" type veth peer name "$SW-t" netns "$SW-tgt"
  ip -n "$SW-scan" addr add "$LINK_SCAN/30" dev "$SW-s"
  ip -n "$SW-tgt" addr add "$LINK_TGT/30" dev "$SW-t"
  ip -n "$SW-scan" link set "$SW-s" up
  ip -n "$SW-tgt" link set "$SW-t" up
  ip -n "$SW-scan" route add "$SCALE_NET" via "$LINK_TGT"
  # 50 answering addresses, spread over the /20 by a fixed seed (never .0 or .255).
  "$PY" -c '
import random
r = random.Random(20261126)
cand = [i for i in range(4096) if i % 256 not in (0, 255)]
for i in sorted(r.sample(cand, 50)):
    print("10.232.%d.%d" % (i // 256, i % 256))' >"$OUT/sweep-answer.txt"
  local a
  while read -r a; do ip -n "$SW-tgt" route add local "$a/32" dev lo; done <"$OUT/sweep-answer.txt"
  ip netns exec "$SW-tgt" nft -f - <<EOF
table ip sekisho_sweep {
  set answer { type ipv4_addr; elements = { $(paste -sd, "$OUT/sweep-answer.txt") } }
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    ip daddr $SCALE_NET ip daddr != @answer drop
  }
}
EOF
  ip netns exec "$SW-tgt" setsid "$PY" bench/scan_sweep_listener.py 23 80 >"$OUT/sweep-listener.log" 2>&1 </dev/null &
  local _
  for _ in $(seq 50); do grep -q ready "$OUT/sweep-listener.log" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$OUT/sweep-listener.log" || die "the sweep listener did not start: $(cat "$OUT/sweep-listener.log")"
  # masscan 1.3.2 only notices the end of --wait when a packet arrives (masscan#144): keep
  # the link from being silent, for every tool alike.
  ip netns exec "$SW-tgt" setsid ping -q -i 0.2 "$LINK_SCAN" >/dev/null 2>&1 </dev/null &
  # Fences: the sweep targets leave through the veth, and nothing has a default route.
  ip -n "$SW-scan" route get 10.232.0.1 | grep -c "dev $SW-s" >/dev/null || die "sweep route is not via $SW-s"
  if ip -n "$SW-scan" route show default | grep -c . >/dev/null; then die "$SW-scan has a default route"; fi
  if ip -n "$SW-tgt" route show default | grep -c . >/dev/null; then die "$SW-tgt has a default route"; fi
  # Ground truth check: an answering address answers, a silent one does not.
  local first
  first=$(head -1 "$OUT/sweep-answer.txt")
  ip netns exec "$SW-scan" curl -s -m 2 -o /dev/null "http://$first/" || die "sweep: $first:80 does not answer"
  if ip netns exec "$SW-scan" curl -s -m 1 -o /dev/null http://10.232.15.1/; then die "sweep: a silent address answered"; fi
}

RC=0
if want lab; then
  echo "scan_bench: lab/up (prefix $SEKISHO_LAB_PREFIX)" >&2
  LAB_UP=1
  if ! lab/up >"$OUT/lab-up.log" 2>&1; then
    LAB_UP=0 # lab/up tears down what it made; a lab that was already up is not ours to take down
    tail -5 "$OUT/lab-up.log" >&2
    die "lab/up failed (see $OUT/lab-up.log)"
  fi
  ip -n "$SEKISHO_LAB_PREFIX-scan" route show default | grep -c . >/dev/null && die "the lab's scanner has a default route"
  bench_py lab --ns "$SEKISHO_LAB_PREFIX-scan" --sekisho "$SEKISHO" --out "$OUT" \
    --tmp "$TMP" --runs "$RUNS" --nmap-timeout "$NMAP_TIMEOUT" --hydra-timeout "$HYDRA_TIMEOUT" || RC=3
  lab/down >/dev/null 2>&1 || echo "scan_bench: lab/down failed" >&2
  LAB_UP=0
fi
if want sweep || want scale; then
  echo "scan_bench: sweep namespaces $SW-scan, $SW-tgt" >&2
  sweep_up
  MAC=$(ip -n "$SW-tgt" link show "$SW-t" | awk '/ether/ {print $2}')
  if want sweep; then
    bench_py sweep --ns "$SW-scan" --iface "$SW-s" --router-mac "$MAC" \
      --answer "$OUT/sweep-answer.txt" --targets "$SWEEP_NET" --sekisho "$SEKISHO" --out "$OUT" \
      --rate "$RATE" --runs "$SWEEP_RUNS" --timeout "$NMAP_TIMEOUT" || RC=3
  fi
  if want scale; then
    bench_py scale --ns "$SW-scan" --sekisho "$SEKISHO" --out "$OUT" \
      --targets "$SCALE_NET" || RC=3
  fi
  sweep_down
fi
REPORT_RC=0
"$PY" bench/scan_bench.py report --out "$OUT" --markdown "$OUT/scan_results.md" --expect "$PARTS" || REPORT_RC=$?
[ $RC = 0 ] || exit $RC
exit $REPORT_RC
