#!/usr/bin/env python3
"""Drives tchat's interactive mode on a real pseudo-terminal, as a person would.

usage: pty_session.py SCRIPT.json -- TCHAT ARGS...
SCRIPT is a list of steps: {"expect": "text", "timeout": s} waits until the
output so far contains text (counted from the previous expect), {"send": "line\\n"}
types, {"signal": 2} sends a signal. Prints {"ok":bool,"exit":code,"out":transcript,
"failed_step":i} as JSON on stdout.
"""
import json, os, pty, select, signal, sys, time

steps = json.load(open(sys.argv[1]))
argv = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)

out = b""
mark = 0
result = {"ok": True, "failed_step": None}

def pump(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try:
            out += os.read(fd, 65536)
        except OSError:
            return False
    return True

for i, step in enumerate(steps):
    if "send" in step:
        os.write(fd, step["send"].encode())
    elif "signal" in step:
        os.kill(pid, step["signal"])
    elif "expect" in step:
        want = step["expect"].encode()
        end = time.time() + step.get("timeout", 15)
        while want not in out[mark:] and time.time() < end:
            if not pump(0.1):
                break
        if want not in out[mark:]:
            result.update(ok=False, failed_step=i)
            break
        mark = out.index(want, mark) + len(want)

end = time.time() + 10
done = 0
while time.time() < end:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    pump(0.1)
if not done:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
while pump(0):
    if not select.select([fd], [], [], 0)[0]:
        break
result["exit"] = os.waitstatus_to_exitcode(status)
result["out"] = out.decode(errors="replace")
print(json.dumps(result))
