#!/usr/bin/env bash
# Starts a real single-node Slurm cluster on localhost for the sweep tests:
# munge, slurmctld and slurmd as root, with state under DIR. Prints nothing on
# success; on failure prints the reason and exits non-zero (tests must fail,
# not skip). Stop it with slurm_down.sh DIR (by PID, never by name).
set -euo pipefail
dir=${1:?usage: slurm_up.sh DIR}
mkdir -p "$dir"/{state,spool,log,run}
dir=$(cd "$dir" && pwd)

for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol; do
  command -v "$tool" >/dev/null 2>&1 || { echo "slurm_up: $tool not found (run .ci/install-deps)"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "slurm_up: must run as root"; exit 1; }

# munge: a key, a socket directory, the daemon as the munge user.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1 || \
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
if ! munge -n >/dev/null 2>&1; then
  # The PID file lives in /run/munge: the munge user cannot reach $dir when it
  # sits under a private directory such as pytest's /tmp/pytest-of-root (0700).
  rm -f /run/munge/talentsim-munged.pid
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/talentsim-munged.pid 2>"$dir/log/munged.err" || {
    echo "slurm_up: munged did not start: $(cat "$dir/log/munged.err")"; exit 1; }
  cp /run/munge/talentsim-munged.pid "$dir/run/munged.pid"
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n >/dev/null 2>&1 || { echo "slurm_up: munge does not answer"; exit 1; }
  echo started > "$dir/run/munged.ours"
fi

cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
cat > "$dir/slurm.conf" <<CONF
ClusterName=talentsim-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=6917
SlurmdPort=6918
ReturnToService=2
MaxArraySize=10000
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" || { echo "slurm_up: slurmctld failed: $(tail -3 "$dir/log/slurmctld.log" 2>/dev/null)"; exit 1; }
slurmd -f "$SLURM_CONF" -N localhost || { echo "slurm_up: slurmd failed: $(tail -3 "$dir/log/slurmd.log" 2>/dev/null)"; exit 1; }
for _ in $(seq 100); do
  state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
  case "$state" in idle*|mix*|alloc*) exit 0 ;; esac
  sleep 0.1
done
echo "slurm_up: the node did not become idle (state '${state:-?}'): $(tail -3 "$dir/log/slurmd.log" 2>/dev/null)"
exit 1
