#!/usr/bin/env python3
"""Where a task's time goes, per phase, for berth-containerd-bench's
sequential runs: berth (daemon -> berth-shim start -> shim daemon ->
berth-runtime create/start/delete) and containerd (ctr -> containerd-shim-
runc-v2 -> runc), from kernel tracepoints, which cost the traced processes
next to nothing (strace's ptrace stops distort spawn-heavy code badly).

  perf record -o tp.data -a -e sched:sched_process_fork,sched:sched_process_exec,\\
sched:sched_process_exit,syscalls:sys_enter_bind,syscalls:sys_enter_connect,\\
syscalls:sys_enter_pivot_root -- build/bench/berth-containerd-bench -n 50 -c 1
  perf script -i tp.data -F comm,pid,tid,time,event,trace > tp.txt
  bench/containerd_phases.py tp.txt

Times are between the events named: an exec event fires once the new image
is loaded, an exit event when the process is gone.
"""
import re
import statistics
import sys

LINE = re.compile(r'^\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)$')


def load(path):
    execs, exits, parent, calls = {}, {}, {}, {}
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        _, pid, _, t, name, rest = m.groups()
        pid, t = int(pid), float(t) * 1000
        if name == 'sched:sched_process_fork':
            parent[int(re.search(r'child_pid=(\d+)', rest).group(1))] = (pid, t)
        elif name == 'sched:sched_process_exec':
            execs.setdefault(pid, []).append((t, re.search(r'filename=(\S+)', rest).group(1)))
        elif name == 'sched:sched_process_exit':
            if 'group_dead=true' in rest:
                exits[pid] = t
        else:
            calls.setdefault((pid, name.split(':')[1]), []).append(t)
    return execs, exits, parent, calls


def report(title, rows):
    if not rows:
        print(f'{title}: no complete tasks found')
        return
    print(f'{title}: {len(rows)} tasks, median / p90 ms')
    for key in rows[0]:
        v = sorted(r[key] for r in rows)
        p90 = v[min(len(v) - 1, int(0.9 * (len(v) - 1) + 0.5))]
        print(f'  {key:66s} {statistics.median(v):7.2f} / {p90:7.2f}')


def berth(execs, exits, parent, calls):
    daemons = [p for p, e in execs.items() if e[0][1].endswith('/berth-containerd')]
    if not daemons:
        return []

    def children(p, suffix):
        return sorted((parent[c][1], c) for c in execs
                      if c in parent and parent[c][0] == p and execs[c][0][1].endswith(suffix))

    rows = []
    for daemon in daemons:
        connects = calls.get((daemon, 'sys_enter_connect'), [])
        for fork_t, start in children(daemon, '/berth-shim'):
            shims = children(start, '/berth-shim')
            if not shims:
                continue
            shim = shims[0][1]
            rt = children(shim, '/berth-runtime')
            if len(rt) < 3 or start not in exits or shim not in exits:
                continue
            create, run, delete = rt[0][1], rt[1][1], rt[2][1]
            inits = [c for c in execs if c in parent and parent[c][0] == create]
            binds = calls.get((shim, 'sys_enter_bind'))
            if not inits or not binds or len(execs[create]) < 2:
                continue
            init = inits[0]
            pivot = calls.get((init, 'sys_enter_pivot_root'))
            true = [t for t, f in execs[init] if f == '/bin/true']
            conn = min([t for t in connects if t >= exits[start]], default=None)
            if not pivot or not true or conn is None or init not in exits:
                continue
            r = {}
            r['berth-shim start: spawned -> exec'] = execs[start][0][0] - fork_t
            r['berth-shim start: exec -> forks the shim daemon'] = parent[shim][1] - execs[start][0][0]
            r['shim daemon: exec -> bind (gRPC server up)'] = binds[0] - execs[shim][0][0]
            r['shim daemon: bind -> start exits (ready)'] = exits[start] - binds[0]
            r['daemon: start exited -> connects to the shim'] = conn - exits[start]
            r['connect -> runtime create exec (shim Create, rootfs mount)'] = execs[create][0][0] - conn
            r['berth-runtime create'] = exits[create] - execs[create][0][0]
            r['  exec -> memfd re-exec'] = execs[create][1][0] - execs[create][0][0]
            r['  re-exec -> forks the container init'] = parent[init][1] - execs[create][1][0]
            r['  init forked -> pivot_root (namespaces, cgroups, mounts)'] = pivot[0] - parent[init][1]
            r['  pivot_root -> create exits'] = exits[create] - pivot[0]
            r['create exited -> runtime start exec (replies, Tasks.Start)'] = execs[run][0][0] - exits[create]
            r['berth-runtime start'] = exits[run] - execs[run][0][0]
            r['container: exec true -> exit'] = exits[init] - true[0]
            r['container exited -> runtime delete exec (Wait, Tasks.Delete)'] = execs[delete][0][0] - exits[init]
            r['berth-runtime delete'] = exits[delete] - execs[delete][0][0]
            r['runtime delete exited -> shim exits (Delete reply, Shutdown)'] = exits[shim] - exits[delete]
            r['total: shim spawned -> shim exited'] = exits[shim] - fork_t
            rows.append(r)
    return rows


def containerd(execs, exits, parent, calls):
    ctrs = sorted((e[0][0], p) for p, e in execs.items() if e[0][1] == '/usr/bin/ctr' and p in exits)
    rows = []
    for t0, ctr in ctrs:
        t1 = exits[ctr]

        def within(f):
            return sorted((e[0][0], p) for p, e in execs.items() if t0 <= e[0][0] <= t1 and e[0][1] == f)

        shims, runcs = within('/usr/bin/containerd-shim-runc-v2'), within('/usr/sbin/runc')
        true = [(t, p) for p, e in execs.items() for t, f in e if f == '/bin/true' and t0 <= t <= t1]
        if len(shims) < 2 or len(runcs) < 3 or not true or shims[0][1] not in exits:
            continue
        if any(p not in exits for _, p in runcs) or true[0][1] not in exits:
            continue
        start_exit = exits[shims[0][1]]
        r = {}
        r['ctr exec -> shim start exec (ctr, container + snapshot create)'] = shims[0][0] - t0
        r['shim start exec -> shim daemon exec'] = shims[1][0] - shims[0][0]
        r['shim daemon exec -> shim start exits (ready)'] = start_exit - shims[1][0]
        r['shim start exited -> runc create exec'] = runcs[0][0] - start_exit
        r['runc create'] = exits[runcs[0][1]] - runcs[0][0]
        r['runc create exited -> runc start exec'] = runcs[1][0] - exits[runcs[0][1]]
        r['runc start'] = exits[runcs[1][1]] - runcs[1][0]
        r['container: exec true -> exit'] = exits[true[0][1]] - true[0][0]
        r['container exited -> runc delete exec'] = runcs[-1][0] - exits[true[0][1]]
        r['runc delete'] = exits[runcs[-1][1]] - runcs[-1][0]
        r['runc delete exited -> ctr exits (task, container, snapshot delete)'] = t1 - exits[runcs[-1][1]]
        r['total: ctr exec -> ctr exit'] = t1 - t0
        rows.append(r)
    return rows


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    events = load(sys.argv[1])
    report('berth-containerd', berth(*events))
    report('containerd (ctr run --rm)', containerd(*events))


if __name__ == '__main__':
    main()
