#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for tests/cluster/ (CI) and for trying
# profiles/slurm/ locally. Debian packages, no systemd: munged, slurmctld and slurmd are
# started as plain daemons. Idempotent: installs only what is missing, rewrites the
# config only when it changed (restarting the daemons this script started), starts only
# what is not running, and waits until the node is idle. Needs root.
#
#   .ci/slurm-setup.sh          # set up (or check) the cluster
#   .ci/slurm-setup.sh --stop   # stop the daemons it started
#
# Files: /etc/slurm/slurm.conf, logs /var/log/slurm/{slurmctld,slurmd}.log,
# state /var/spool/slurmctld and /var/spool/slurmd, pids /run/slurm{ctld,d}.pid.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-setup: must run as root" >&2
  exit 1
fi

CONF=/etc/slurm/slurm.conf
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_PID=/run/munge/munged.pid
NODE="$(hostname -s)"
NODE="${NODE:-localhost}"

log() { echo "slurm-setup: $*"; }

pid_alive() { # pidfile → true if the process in it is alive
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

stop_pidfile() { # pidfile name → stop that one process and wait for it
  local pidfile=$1 name=$2 pid
  pid_alive "$pidfile" || return 0
  pid=$(cat "$pidfile")
  log "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

if [ "${1:-}" = "--stop" ]; then
  stop_pidfile "$SLURMD_PID" slurmd
  stop_pidfile "$CTLD_PID" slurmctld
  stop_pidfile "$MUNGE_PID" munged
  exit 0
fi

# 1. Packages ------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi

# 2. Munge key and daemon ------------------------------------------------------------
install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating the munge key"
  if [ -x /usr/sbin/mungekey ]; then
    /usr/sbin/mungekey --create --keyfile=/etc/munge/munge.key --force
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  fi
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
if ! pid_alive "$MUNGE_PID"; then
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged --pid-file="$MUNGE_PID"
fi
for _ in $(seq 1 50); do munge -n </dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.2; done
munge -n </dev/null | unmunge >/dev/null || { echo "slurm-setup: munge does not work" >&2; exit 1; }

# 3. slurm.conf ------------------------------------------------------------------------
# Topology as slurmd sees it; memory a little below the real total so slurmd never
# finds less than configured (which would drain the node).
topology="$(slurmd -C | head -1 | grep -o 'CPUs=.*ThreadsPerCore=[0-9]*')"
mem_total_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))
real_mem_mb=$(( mem_total_mb * 9 / 10 ))

install -d -m 0755 /etc/slurm /var/log/slurm
install -d -m 0755 /var/spool/slurmctld /var/spool/slurmd

new_conf="$(cat <<EOF
# Written by .ci/slurm-setup.sh: a one-node test cluster (no systemd, no accounting).
ClusterName=ci
SlurmctldHost=${NODE}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Finished jobs stay visible to squeue for 10 min: the Snakemake SLURM plugin reads job
# states with squeue here (no accounting, so no sacct) and needs MinJobAge well above
# 3x its status-check interval.
MinJobAge=600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=${CTLD_PID}
SlurmdPidFile=${SLURMD_PID}
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
Waittime=0
NodeName=${NODE} NodeAddr=127.0.0.1 NodeHostname=${NODE} ${topology} RealMemory=${real_mem_mb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
)"

if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$new_conf" ]; then
  log "writing $CONF (node ${NODE}: ${topology}, RealMemory=${real_mem_mb})"
  printf '%s\n' "$new_conf" > "$CONF"
  chmod 0644 "$CONF"
  # A changed config needs fresh daemons (node definitions are read at start).
  stop_pidfile "$SLURMD_PID" slurmd
  stop_pidfile "$CTLD_PID" slurmctld
fi

# 4. Daemons ---------------------------------------------------------------------------
if ! pid_alive "$CTLD_PID"; then
  log "starting slurmctld"
  /usr/sbin/slurmctld
fi
for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.2; done
scontrol ping | grep -q 'is UP' || {
  echo "slurm-setup: slurmctld did not come up; last log lines:" >&2
  tail -n 30 /var/log/slurm/slurmctld.log >&2 || true
  exit 1
}

if ! pid_alive "$SLURMD_PID"; then
  log "starting slurmd -N ${NODE}"
  /usr/sbin/slurmd -N "$NODE"
fi

# 5. Wait for the node to be idle (resume it if it came up down/drained) ----------------
state=""
for i in $(seq 1 120); do
  state="$(sinfo -h -N -n "$NODE" -o '%t' 2>/dev/null | head -1)"
  case "$state" in
    idle | mix | alloc) break ;;
    down* | drain* | drng* | fail*)
      if [ $((i % 5)) -eq 1 ]; then
        log "node state '$state', resuming"
        scontrol update nodename="$NODE" state=resume 2>/dev/null || true
      fi
      ;;
  esac
  sleep 0.5
done
case "$state" in
  idle | mix | alloc) ;;
  *)
    echo "slurm-setup: node ${NODE} is '${state}', not idle; last log lines:" >&2
    sinfo -N -l >&2 || true
    tail -n 20 /var/log/slurm/slurmctld.log >&2 || true
    tail -n 20 /var/log/slurm/slurmd.log >&2 || true
    exit 1
    ;;
esac
log "ready: node ${NODE} is ${state}"
sinfo
