#!/usr/bin/env python3
"""Where a trace's CPU went: reads a speedscope file (dotnet-trace convert --format Speedscope) of a
dotnet-sampled-thread-time trace, drops the samples of threads that were waiting (leaf frame a wait,
a sleep, a socket read), and prints the busiest frames by inclusive and exclusive share of the rest.
  cpu-stacks.py FILE.speedscope.json [N=40] [--from S --to S] [--focus SUBSTRING]
"""
import json, sys, collections
args = sys.argv[1:]
path = args[0]
n = int(args[1]) if len(args) > 1 and args[1].isdigit() else 40
def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default
t_from, t_to, focus = float(opt("--from", "-1e18")), float(opt("--to", "1e18")), opt("--focus")
doc = json.load(open(path))
frames = [f["name"] for f in doc["shared"]["frames"]]
WAIT = ("WaitForSignal", "WaitOneNoCheck", "Monitor.Wait", "ManualResetEventSlim.Wait", "Sys.Read", "WaitHandle.WaitOne",
        "RunFinalizers", "LowLevelLifoSemaphore.Wait", "Thread.Sleep", "Interop+Sys.Poll", "WaitNative", "SleepEx", "Sys.WaitForSocketEvents",
        "epoll", "?!?", "PollGCWorker", "ReceiveAsync", "Thread.SleepInternal")
incl, excl, total = collections.Counter(), collections.Counter(), 0
def attribute(names, w):
    global total
    # dotnet-trace's speedscope marks each sample's leaf CPU_TIME (running managed code) or
    # UNMANAGED_CODE_TIME (waiting in the OS, or native code): only the first is counted.
    if not names or names[-1] != "CPU_TIME":
        return
    names = [x for x in names[:-1] if not x.startswith(("Process", "Thread", "Threads", "(Non-Activities)"))]
    # a thread parked in the pool's semaphore or the finalizer's wait is sampled as managed code: not work
    if not names or any(x in names[-1] for x in WAIT):
        return
    if focus and not any(focus in x for x in names):
        return
    total += w
    excl[names[-1]] += w
    for name in set(names):
        incl[name] += w
for prof in doc["profiles"]:
    if prof.get("type") == "sampled":
        for stack, w in zip(prof["samples"], prof["weights"]):
            attribute([frames[i] for i in stack], w)
        continue
    # evented: frames open and close; the time between two events belongs to the open stack
    stack, last = [], None
    for e in prof["events"]:
        at = e["at"]
        if last is not None and stack:
            lo, hi = max(last, t_from), min(at, t_to)
            if hi > lo:
                attribute([frames[i] for i in stack], hi - lo)
        last = at
        if e["type"] == "O":
            stack.append(e["frame"])
        else:
            while stack and stack.pop() != e["frame"]:
                pass
print(f"busy thread time: {total / 1000:.1f} s")
print("## inclusive")
for name, w in incl.most_common(n):
    print(f"{100 * w / total:5.1f}%  {name[:150]}")
print("## exclusive")
for name, w in excl.most_common(n):
    print(f"{100 * w / total:5.1f}%  {name[:150]}")
