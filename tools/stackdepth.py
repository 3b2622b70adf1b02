#!/usr/bin/env python3
"""tools/stackdepth.py — worst-case stack depth of core/'s public functions,
from GCC's own per-function frame sizes and call graph.

Input: the objects of one cross build made with `-fstack-usage
-fcallgraph-info=su` (GCC writes <obj>.ci next to each object: every function,
its frame in bytes and whether it is static, and every call it makes), plus
the objects themselves, read with <prefix>readelf to find which functions have
their address taken.

Indirect calls: every call through a pointer in core/ is classified by the
file it is in and the text of its line (INDIRECT below):
  - core/'s own callback tables (the HTTP parser calling the chat's header
    and body handlers, the SSE parser calling the `.out` decoder, the decoder
    calling the chat's record handlers, the chat calling a built-in
    provider): such a call may reach any function of the named files whose
    address is taken (read from the objects' relocations with readelf: a
    conservative over-approximation). A cycle is reported as an error.
  - the application's callbacks (event callback, transport, kv, random,
    request hook, CALLBACK providers, sentence callback): their frames are the
    application's; the figure is core/'s part, to which the deepest callback's
    own use is added.
A call site no rule matches is an error, so a new callback cannot go
unaccounted.

A frame GCC marks `dynamic` (a VLA, alloca) has no bound: reported as an
error.

Usage: stackdepth.py --readelf arm-none-eabi-readelf [--out FILE --target T]
                     [--max N] OBJ...
Prints one line per public function (tc_*), deepest first, with its worst
path; with --out appends `stack_<function>_<T> <bytes>` lines for the entry
points the README quotes and `stack_max_<T> <bytes>`. With --max, exits 1
when any public function needs more than N bytes.
"""
import argparse
import os
import re
import subprocess
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"(.*)\}')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"(?: label: "([^"]+)")?')
FRAME = re.compile(r'\\n(\d+) bytes \(([a-z,]+)\)')
INDIRECT_NODE = "__indirect_call"
# Relocations that are calls, not address-takes.
CALL_RELOCS = {"R_ARM_THM_CALL", "R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19", "R_ARM_THM_JUMP11",
               "R_ARM_THM_JUMP8", "R_ARM_CALL", "R_ARM_JUMP24", "R_RISCV_CALL", "R_RISCV_CALL_PLT",
               "R_RISCV_JAL", "R_RISCV_BRANCH", "R_RISCV_RVC_JUMP", "R_RISCV_RVC_BRANCH"}
# (file, pattern on the call's source line) -> the core/ functions it may
# call ("file.c:name"), or the name of an application callback. First match
# wins.
INDIRECT = [
    # cfg->auth: a built-in provider's table (chat_provider.c: check, can, step, done)
    (None, r"auth->check\(", ["chat_provider.c:backend_check", "chat_provider.c:direct_check"]),
    (None, r"auth->can\(", ["chat_provider.c:backend_can", "chat_provider.c:direct_can"]),
    (None, r"auth->step\(", ["chat_provider.c:provider_step"]),
    (None, r"auth->done\(", ["chat_provider.c:provider_done"]),
    # tc_http_cb_t: the `.out` response (chat_out.c http_cb) and a request's answer (chat_send.c rq_cb)
    ("http_resp.c", r"", ["chat_out.c:on_headers", "chat_out.c:on_body",
                          "chat_send.c:on_rq_headers", "chat_send.c:on_rq_body"]),
    # tc_sse_cb_t: the `.out` decoder (outstream.c sse_cbs)
    ("sse.c", r"", ["outstream.c:sse_data", "outstream.c:sse_dispatch", "outstream.c:sse_discard"]),
    # tc_outstream_cb_t: the chat's `.out` handlers (chat_out.c stream_cb)
    ("outstream.c", r"", ["chat_out.c:on_record", "chat_out.c:on_chunk", "chat_out.c:on_control",
                          "chat_out.c:on_event"]),
    # the application's callbacks (a name instead of a list)
    ("chat.c", r"cfg->on_event", "on_event"),
    ("chat.c", r"kv\.ops->", "kv"),
    ("chat_auth.c", r"start_session|access_token", "provider"),  # CALLBACK providers
    ("chat_conn.c", r"net\.ops->open", "transport_open"),   # where a TLS handshake may start
    ("chat_conn.c", r"net\.ops->recv", "transport_recv"),   # where TLS decrypts
    ("chat_conn.c", r"net\.ops->send", "transport_send"),
    ("chat_conn.c", r"net\.ops->close", "transport_close"),
    ("chat_out.c", r"cfg->random", "random"),
    ("chat_req.c", r"cfg->random", "random"),
    ("chat_send.c", r"cfg->random", "random"),          # a message id, a new part id
    ("chat_req.c", r"request_hook", "request_hook"),
    ("sentence.c", r"on_sentence", "on_sentence"),
]
# Call cycles that are not recursion: followed at most three calls deep (and
# not memoised, their depth depending on the path). tc_json__value calls
# tc_json__member only to read a key (mode TC_JSON__KEY), where member reads
# no value, so the real chains are member > value > member and value > member;
# the bound over-estimates by at most one frame. Nesting is value's own loop
# with an explicit 32-level stack, not recursion.
NOT_RECURSIVE = [{"tc_json__value", "tc_json__member"}]
# The public entry points the README quotes (the event loop and the calls an
# application makes); all tc_* functions are checked against --max.
QUOTED = ["tc_chat_step", "tc_chat_send_text", "tc_chat_restore", "tc_chat_init_ex",
          "tc_outstream_feed"]


def load(objs, readelf):
    frame = {}      # node title -> bytes
    bad = []        # functions with an unbounded frame
    edges = {}      # node title -> set of callee titles
    taken = {}      # source file -> names whose address is taken there
    where = {}      # node title -> its source file (basename)
    for obj in objs:
        ci = re.sub(r"\.o$", ".ci", obj)
        if not os.path.exists(ci):
            sys.exit(f"stackdepth: {ci} missing: build {obj} with -fstack-usage -fcallgraph-info=su "
                     "(objects older than those flags: remove them and build again)")
        with open(ci) as f:
            for line in f:
                m = NODE.match(line)
                if m:
                    title, label = m.group(1), m.group(2)
                    fm = FRAME.search(label)
                    if fm:
                        frame[title] = int(fm.group(1))
                        where[title] = os.path.basename(label.split("\\n")[1].split(":")[0])
                        if "dynamic" in fm.group(2) and "bounded" not in fm.group(2):
                            bad.append(title)
                    continue
                m = EDGE.match(line)
                if m:
                    callee = m.group(2)
                    if callee == INDIRECT_NODE:
                        callee = INDIRECT_NODE + "@" + (m.group(3) or "?")
                    edges.setdefault(m.group(1), set()).add(callee)
        out = subprocess.run([readelf, "-rW", obj], capture_output=True, text=True, check=True).stdout
        src = os.path.basename(re.sub(r"\.o$", ".c", obj))
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 5 and parts[2].startswith("R_") and parts[2] not in CALL_RELOCS:
                taken.setdefault(src, set()).add(parts[4].split("+")[0])
    return frame, edges, bad, taken, where


def resolve(title, frame):
    """A callee as GCC names it -> the defining node (static names carry a
    file prefix; a declaration elsewhere is the global definition)."""
    if title in frame:
        return title
    name = title.split(":")[-1]
    return name if name in frame else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--readelf", required=True)
    ap.add_argument("--out")
    ap.add_argument("--target", default="cortex_m4")
    ap.add_argument("--max", type=int)
    ap.add_argument("objs", nargs="+")
    a = ap.parse_args()
    frame, edges, bad, taken, where = load(a.objs, a.readelf)
    errors = [f"unbounded (dynamic) frame: {t}" for t in bad]
    lines = {}

    def source_line(path, n):
        if path not in lines:
            with open(path, errors="replace") as f:
                lines[path] = f.read().split("\n")
        return lines[path][n - 1] if 0 < n <= len(lines[path]) else ""

    def node_of(spec):
        """"file.c:name" -> the node of that function (static or global)."""
        f, name = spec.split(":")
        hits = [t for t in frame if where.get(t) == f and t.split(":")[-1].split(".")[0] == name]
        if not hits and f in where.values():  # (a file not in the input: nothing to check)
            errors.append(f"INDIRECT names {spec}, which is not a function of core/")
        return hits

    # every function whose address core/ takes must be a target of some rule
    named = {t for _, _, to in INDIRECT if not isinstance(to, str) for sp in to for t in node_of(sp)}
    for t in frame:
        if t.split(":")[-1].split(".")[0] in taken.get(where.get(t), ()) and t not in named:
            errors.append(f"{where[t]}: the address of {t.split(':')[-1]} is taken but no rule in INDIRECT calls it")

    def indirect_targets(site):
        """The core/ functions an indirect call at `site` (path:line:col) may reach."""
        path, line = site.rsplit(":", 2)[0], int(site.rsplit(":", 2)[1])
        text, base = source_line(path, line), os.path.basename(path)
        for f, pat, to in INDIRECT:
            if (f is None or f == base) and re.search(pat, text):
                return to if isinstance(to, str) else [t for sp in to for t in node_of(sp)]
        errors.append(f"indirect call not classified (add a rule to INDIRECT): {base}:{line}: {text.strip()}")
        return []

    # each function's core/ callees, and the application callbacks it calls
    callees, callbacks = {}, {}
    for t in frame:
        out = []
        for c in sorted(edges.get(t, ())):
            if c.startswith(INDIRECT_NODE + "@"):
                to = indirect_targets(c.split("@", 1)[1])
                if isinstance(to, str):
                    callbacks.setdefault(t, set()).add(to)
                else:
                    out += to
            else:
                r = resolve(c, frame)
                if r is not None:  # else a libc or compiler builtin (memcpy...): a leaf, not core's
                    out.append(r)
        callees[t] = out

    def in_cycle(t):
        return next((c for c in NOT_RECURSIVE if t in c), None)

    def longest(leaf):
        """Deepest stack from each function down to a point where leaf(t) is
        true (None when no such point is reachable): a walker with its own
        memo, giving (bytes, path)."""
        memo, onpath = {}, []

        def walk(t):
            if t in memo:
                return memo[t]
            cyc = in_cycle(t)
            if cyc and sum(x in cyc for x in onpath) >= 3:
                return None  # deeper than the cycle ever goes (over-estimates by at most one frame)
            if t in onpath and not cyc:
                errors.append("recursion: " + " -> ".join(onpath[onpath.index(t):] + [t]))
                return None
            onpath.append(t)
            best = (0, []) if leaf(t) else None
            for c in callees[t]:
                d = walk(c)
                if d is not None and (best is None or (d[0], len(d[1])) > (best[0], len(best[1]))):
                    best = d
            onpath.pop()
            d = None if best is None else (frame[t] + best[0], [t] + best[1])
            if not cyc:
                memo[t] = d
            return d
        return walk

    depth = longest(lambda t: True)
    public = sorted((t for t in frame if t.startswith("tc_")), key=lambda t: (-depth(t)[0], t))
    for t in public:
        d, path = depth(t)
        print(f"{d:6d}  {t}: {' > '.join(p.split(':')[-1] for p in path)}")
    worst = max(depth(t)[0] for t in public)
    # Where tc_chat_step calls each application callback: the frames of
    # core/ below the callback's own.
    kinds = sorted({k for v in callbacks.values() for k in v})
    below = {}
    for k in kinds:
        d = longest(lambda t, k=k: k in callbacks.get(t, ()))("tc_chat_step") if "tc_chat_step" in frame else None
        if d is not None:
            below[k] = d[0]
            print(f"{d[0]:6d}  callback {k} under tc_chat_step: {' > '.join(p.split(':')[-1] for p in d[1])}")
    if a.out:
        # this target's stack_* lines replace those of an earlier run (a
        # second `make stack` after `make size` appended them again)
        new = [f"stack_{q}_{a.target} {depth(q)[0]}" for q in QUOTED if q in frame]
        new.append(f"stack_max_{a.target} {worst}")
        new += [f"stack_under_{k}_{a.target} {v}" for k, v in below.items()]
        with open(a.out) as f:
            old = [l for l in f.read().split("\n") if l]
        mine = re.compile(r"stack_\S+_" + re.escape(a.target) + r" ")
        kept = [l for l in old if not mine.match(l)]
        with open(a.out, "w") as f:
            f.write("\n".join(kept + new) + "\n")
    for e in sorted(set(errors)):
        print("stackdepth: " + e, file=sys.stderr)
    if errors:
        return 1
    if a.max is not None and worst > a.max:
        print(f"stackdepth: {public[0]} needs {worst} bytes of stack, over the budget {a.max}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
