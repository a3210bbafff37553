#!/usr/bin/env bash
# Stops the Slurm daemons that slurm_up.sh started in DIR, by their PID files.
dir=${1:?usage: slurm_down.sh DIR}
for name in slurmd slurmctld; do
  pidfile="$dir/run/$name.pid"
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
done
if [ -f "$dir/run/munged.ours" ] && [ -f "$dir/run/munged.pid" ]; then
  kill "$(cat "$dir/run/munged.pid")" 2>/dev/null
fi
sleep 0.3
exit 0
