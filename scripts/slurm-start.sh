#!/usr/bin/env bash
# slurm-start.sh -- configure and start a REAL single-host Slurm 22.05 (Debian 12 packages)
# without systemd: munge, MariaDB + slurmdbd (accounting), slurmctld, slurmd(s).
# Idempotent: a re-run only starts what is down and restarts daemons only when the
# generated config changed. If a site Slurm already answers, it starts nothing.
#
# Knobs (environment):
#   SLURM_NODES=1        slurmd processes on this host: 1 -> node "localhost" (port 6818);
#                        N>1 -> n001..nNNN on ports 17001.. (%n in pid/spool/log paths)
#   SLURM_CPUS=8         CPUs per node (may exceed nproc: SlurmdParameters=config_overrides)
#   SLURM_MEM_MB=8000    RealMemory per node
#   SLURM_FAKE_GPUS=4    gres gpu:fake:N per node, backed by char devices (0 = no GRES)
#   SLURM_DBD=1          MariaDB + slurmdbd so that sacct works (0 = no accounting)
#   SLURM_RESET=0        1 -> (re)start slurmctld with -c: forget every job
#   SLURM_TEST_USERS="alice bob"   unprivileged users to create
#   SLURM_FORCE=0        1 -> replace an /etc/slurm/slurm.conf we did not write (kept as .bak-*)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SLURM_NODES=${SLURM_NODES:-1}
SLURM_CPUS=${SLURM_CPUS:-8}
SLURM_MEM_MB=${SLURM_MEM_MB:-8000}
SLURM_FAKE_GPUS=${SLURM_FAKE_GPUS:-4}
SLURM_DBD=${SLURM_DBD:-1}
SLURM_RESET=${SLURM_RESET:-0}
SLURM_TEST_USERS=${SLURM_TEST_USERS:-alice bob}
SLURM_FORCE=${SLURM_FORCE:-0}
for v in SLURM_NODES SLURM_CPUS SLURM_MEM_MB SLURM_FAKE_GPUS SLURM_DBD SLURM_RESET SLURM_FORCE; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die --status 2 "$v must be a non-negative integer (got '${!v}')"
done
[[ $SLURM_NODES -ge 1 && $SLURM_NODES -le 999 ]] || die --status 2 "SLURM_NODES must be 1..999"

require_debian
require_root "it installs packages, creates users and starts system daemons"
t0=$EPOCHREALTIME
ETC=/etc/slurm
CONF=$ETC/slurm.conf
STARTED=/run/slurm/jupyterlab-hpc.started # daemons we started (slurm-stop.sh stops only those)

is_ours() {
  local first
  [[ -r $1 ]] && IFS= read -r first <"$1" && [[ $first == "$HPC_MARKER" ]]
}

# ------------------------------------------------------------ 0. a site Slurm wins
# Probe only when the config in effect isn't ours: against a dead controller squeue blocks
# for MessageTimeout-1 s, which the normal re-run must not pay.
effective=${SLURM_CONF:-$CONF}
if command -v squeue >/dev/null && ! is_ours "$effective"; then
  if timeout 30 squeue -h >/dev/null 2>&1; then
    echo "using the site's Slurm ($(sinfo --version 2>/dev/null), config ${SLURM_CONF:-$CONF} not ours): starting nothing"
    exit 0
  fi
fi
if [[ -n ${SLURM_CONF-} && $SLURM_CONF != "$CONF" ]]; then
  log "warning: SLURM_CONF=$SLURM_CONF is set; this script manages $CONF (unset SLURM_CONF to use it)"
fi
unset SLURM_CONF # from here on every command talks to our cluster
if [[ -e $CONF ]] && ! is_ours "$CONF"; then
  [[ $SLURM_FORCE == 1 ]] ||
    die "$CONF exists, was not written by this script and no controller answers; not touching it (SLURM_FORCE=1 replaces it, keeping a .bak copy)"
  cp -a "$CONF" "$CONF.bak-$(date +%Y%m%d%H%M%S)"
fi

# ------------------------------------------------------------ 1. packages, users, dirs
PKGS=(slurm-wlm munge)
[[ $SLURM_DBD == 1 ]] && PKGS+=(slurmdbd mariadb-server)
apt_install "${PKGS[@]}"

for u in $SLURM_TEST_USERS; do
  id "$u" >/dev/null 2>&1 || { log "creating user $u"; useradd -m -s /bin/bash "$u"; }
done
# Debian's packages create neither /run/munge nor /run/slurm
install -d -o munge -g munge -m 0755 /run/munge
install -d -o slurm -g slurm -m 0755 /run/slurm /var/log/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd
[[ -s /etc/munge/munge.key ]] || runuser -u munge -- mungekey --create >/dev/null

GPU_DIR=/var/lib/slurm/fakegpu
for ((i = 0; i < SLURM_FAKE_GPUS; i++)); do
  # char devices with /dev/null's numbers: slurmd rejects regular files in gres.conf File=
  if [[ ! -c $GPU_DIR/nvidia$i ]]; then
    install -d -m 0755 "$GPU_DIR"
    rm -f "$GPU_DIR/nvidia$i"
    mknod -m 0666 "$GPU_DIR/nvidia$i" c 1 3
  fi
done

# ------------------------------------------------------------ 2. config
if [[ $SLURM_NODES -eq 1 ]]; then
  NODELIST=localhost PORTSPEC=Port=6818 NODES=(localhost)
else
  NODELIST="n[001-$(printf '%03d' "$SLURM_NODES")]" PORTSPEC="Port=[17001-$((17000 + SLURM_NODES))]"
  mapfile -t NODES < <(seq -f 'n%03g' 1 "$SLURM_NODES")
fi
GRES_TYPES="" GRES_NODE=""
if [[ $SLURM_FAKE_GPUS -gt 0 ]]; then
  GRES_TYPES=GresTypes=gpu GRES_NODE=Gres=gpu:fake:$SLURM_FAKE_GPUS
fi
if [[ $SLURM_DBD == 1 ]]; then
  ACCT="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/linux"
  # gres/gpu in TRES strings (sacct AllocTRES, squeue tres-alloc); fatal without slurmdbd
  [[ -n $GRES_TYPES ]] && ACCT+=$'\nAccountingStorageTRES=gres/gpu'
else
  ACCT="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/slurm.conf" <<EOF
$HPC_MARKER
# Single host, no systemd, no cgroups. Regenerated on every run: edit the script, not this file.
ClusterName=testcluster
SlurmctldHost=localhost
SlurmUser=slurm
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd/%n
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd-%n.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
# default batch_sched_delay=3: a released/requeued job would wait ~2.5 s for the next pass
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
$ACCT
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.txt
$GRES_TYPES
MessageTimeout=10
MaxJobCount=100000
MaxArraySize=100001
MinJobAge=300
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$NODELIST NodeHostname=localhost NodeAddr=127.0.0.1 $PORTSPEC CPUs=$SLURM_CPUS RealMemory=$SLURM_MEM_MB $GRES_NODE State=UNKNOWN
PartitionName=debug Nodes=$NODELIST Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$NODELIST MaxTime=INFINITE State=UP
EOF
{
  echo "$HPC_MARKER"
  echo "AutoDetect=off"
  if [[ $SLURM_FAKE_GPUS -gt 0 ]]; then
    echo "NodeName=$NODELIST Name=gpu Type=fake File=$GPU_DIR/nvidia[0-$((SLURM_FAKE_GPUS - 1))]"
  fi
} >"$tmp/gres.conf"

# install_if_changed SRC DEST MODE OWNER: returns 0 if DEST was (re)written
install_if_changed() {
  cmp -s "$1" "$2" && return 1
  log "writing $2"
  install -m "$3" -o "$4" -g "$4" "$1" "$2"
}
SLURM_CHANGED=0
install_if_changed "$tmp/slurm.conf" "$CONF" 0644 root && SLURM_CHANGED=1
install_if_changed "$tmp/gres.conf" "$ETC/gres.conf" 0644 root && SLURM_CHANGED=1

record_started() { grep -qx "$1" "$STARTED" 2>/dev/null || echo "$1" >>"$STARTED"; }

# ------------------------------------------------------------ 3. munge
if ! pid_alive /run/munge/munged.pid munged; then
  log "starting munged"
  # munged refuses a log file under a dir owned by anyone but root/munge ("Logfile is
  # insecure: invalid ownership of /var/log/slurm"): it keeps Debian's /var/log/munge, and a
  # symlink makes it easy to find next to the others
  ln -sfn ../munge/munged.log /var/log/slurm/munged.log
  runuser -u munge -- /usr/sbin/munged --log-file=/var/log/munge/munged.log --pid-file=/run/munge/munged.pid
  record_started munged
fi
for ((i = 0; i < 50; i++)); do
  munge -n </dev/null | unmunge >/dev/null 2>&1 && break
  sleep 0.1
done
munge -n </dev/null | unmunge >/dev/null 2>&1 || die "munge does not work (see /var/log/slurm/munged.log)"

# ------------------------------------------------------------ 4. MariaDB + slurmdbd
if [[ $SLURM_DBD == 1 ]]; then
  install -d -o mysql -g mysql -m 0755 /run/mysqld
  if ! mariadb-admin ping >/dev/null 2>&1; then
    log "starting mariadbd"
    # mariadbd does not daemonize: setsid detaches it from our session/process group
    setsid -f /usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 \
      --pid-file=/run/mysqld/mysqld.pid --socket=/run/mysqld/mysqld.sock \
      --innodb-lock-wait-timeout=900 </dev/null >>/var/log/slurm/mariadb.log 2>&1
    record_started mariadbd
    for ((i = 0; i < 300; i++)); do
      mariadb-admin ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    mariadb-admin ping >/dev/null 2>&1 || die "mariadbd did not come up (see /var/log/slurm/mariadb.log)"
  fi
  # keep the DB password from the existing slurmdbd.conf; a random one on first run
  pw=$(sed -n 's/^StoragePass=//p' "$ETC/slurmdbd.conf" 2>/dev/null || true)
  [[ -n $pw ]] || pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  cat >"$tmp/slurmdbd.conf" <<EOF
$HPC_MARKER
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=slurm
DebugLevel=info
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurm/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=$pw
StorageLoc=slurm_acct_db
EOF
  # the grant is cheap and idempotent: (re)apply it so a wiped DB or new password still works
  # SQL on stdin, not argv: the password would show in ps
  mariadb <<SQL
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'slurm'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
SQL
  # slurmdbd refuses a config readable by others (it holds the password)
  if install_if_changed "$tmp/slurmdbd.conf" "$ETC/slurmdbd.conf" 0600 slurm; then
    stop_daemons slurmdbd:/run/slurm/slurmdbd.pid
  fi
  if ! pid_alive /run/slurm/slurmdbd.pid slurmdbd; then
    log "starting slurmdbd"
    slurmdbd
    record_started slurmdbd
  fi
  # slurmctld must find slurmdbd listening, or it starts without accounting for a while
  for ((i = 0; i < 300; i++)); do
    (exec 3<>/dev/tcp/127.0.0.1/6819) 2>/dev/null && break
    sleep 0.1
  done
  (exec 3<>/dev/tcp/127.0.0.1/6819) 2>/dev/null || die "slurmdbd does not listen on 6819 (see /var/log/slurm/slurmdbd.log)"
fi

# ------------------------------------------------------------ 5. slurmctld, slurmd

if [[ $SLURM_CHANGED == 1 || $SLURM_RESET == 1 ]]; then
  # node definitions may have changed: restart every slurm daemon (all slurmd, even of
  # nodes that no longer exist)
  specs=(slurmctld:/run/slurm/slurmctld.pid)
  for f in /run/slurm/slurmd-*.pid; do specs+=("slurmd:$f"); done
  stop_daemons "${specs[@]}"
fi
if ! pid_alive /run/slurm/slurmctld.pid slurmctld; then
  if [[ $SLURM_RESET == 1 ]]; then
    log "starting slurmctld -c (all jobs forgotten)"
    slurmctld -c -i
  else
    log "starting slurmctld"
    slurmctld -i
  fi
  record_started slurmctld
fi
for ((i = 0; i < 300; i++)); do
  ctld_up && break
  sleep 0.1
done
ctld_up || die "slurmctld did not come up (see /var/log/slurm/slurmctld.log)"

for n in "${NODES[@]}"; do
  if ! pid_alive "/run/slurm/slurmd-$n.pid" slurmd; then
    install -d -m 0755 "/var/lib/slurm/slurmd/$n"
    slurmd -N "$n"
    record_started "slurmd-$n"
  fi
done

# ------------------------------------------------------------ 6. accounting
acct=off
if [[ $SLURM_DBD == 1 ]]; then
  # slurmctld registers the cluster with slurmdbd a moment after it starts (no sacctmgr needed)
  err=""
  for ((i = 0; i < 300; i++)); do
    if err=$(sacct -n -X -S now 2>&1 >/dev/null); then
      acct=on
      break
    fi
    sleep 0.1
  done
  [[ $acct == on ]] ||
    die "sacct still fails after 30 s ($err); see /var/log/slurm/slurmdbd.log and slurmctld.log"
  # sacct exits 0 even when the cluster is missing from the accounting (e.g. after
  # "sacctmgr delete cluster"), and new jobs are then recorded without name or partition.
  # A slurmctld restart re-registers it. (Direct query: 10 ms; sacctmgr takes 180 ms.)
  registered() {
    [[ -n $(mariadb -N -e "SELECT name FROM slurm_acct_db.cluster_table WHERE name='testcluster' AND deleted=0" 2>/dev/null) ]]
  }
  if ! registered; then
    log "cluster testcluster is not registered in the accounting: restarting slurmctld"
    stop_daemons slurmctld:/run/slurm/slurmctld.pid
    slurmctld -i
    for ((i = 0; i < 300; i++)); do
      registered && ctld_up && break
      sleep 0.1
    done
    registered || die "slurmctld did not register testcluster with slurmdbd (see /var/log/slurm/slurmdbd.log)"
  fi
fi

# ------------------------------------------------------------ 7. wait until the nodes are usable
# every node idle/mixed/allocated/completing, none with a flag suffix (*: not responding, ...)
bad=1
for ((i = 1; i <= 300; i++)); do
  bad=$(sinfo -h -N -o '%N %T' 2>/dev/null | sort -u | grep -cvE ' (idle|mixed|allocated|completing)$' || true)
  [[ $bad == 0 ]] && break
  # nodes left DOWN/DRAINED by an earlier run: resume them once in a while
  if ((i % 20 == 0)); then
    scontrol update nodename="$NODELIST" state=resume >/dev/null 2>&1 || true
  fi
  sleep 0.1
done
[[ $bad == 0 ]] || { sinfo -N >&2; die "nodes not ready after 30 s (see /var/log/slurm/slurmd-*.log)"; }

echo "slurm ready: $(sinfo --version), cluster testcluster, ${#NODES[@]} node(s) x $SLURM_CPUS CPUs/${SLURM_MEM_MB} MB/$SLURM_FAKE_GPUS fake GPUs, partitions $(sinfo -h -o '%P' | paste -sd, -), accounting $acct, users ${SLURM_TEST_USERS// /,} ($(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN{printf "%.1f", e-s}') s)"
