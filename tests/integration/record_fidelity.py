# record_fidelity.py — replays a heapreel trace and compares it with CPython's own view.
# usage: python3.11 record_fidelity.py TRACE EVENTS_EXT STDOUT_FILE [EXPECT_FILE]
import sqlite3
import sys


def load(trace, ext):
    con = sqlite3.connect(trace)
    con.enable_load_extension(True)
    con.load_extension(ext)
    lines = dict(con.execute("select id, line from locations"))
    global FRAMES
    FRAMES = {fid: (fn, th) for fid, fn, th in con.execute(
        "select f.id, s.text, f.thread from frames f join locations l on l.id = f.location"
        " join strings s on s.id = l.function")}
    rows = con.execute(
        "select seq, step, kind, frame, location, object, holder, slot_kind, slot_arg, slot,"
        " refcount, size, address, flags, label, parent, phase from events order by seq")
    return lines, rows


def replay(lines, rows):
    objs, slots, marks = {}, {}, {}
    parent, cur, step_line, in_gc = {}, None, {}, False
    live = set()
    frees = {}
    for (seq, step, kind, frame, loc, obj, holder, skind, sarg, stext,
         rc, size, addr, flags, label, par, phase) in rows:
        if kind == "step":
            cur = frame
            step_line[step] = lines.get(loc)
        elif kind == "call":
            parent[frame] = par
            live.add(frame)
        elif kind == "return":
            live.discard(frame)
        elif kind in ("alloc", "track"):
            # A new object holds one reference; a tracked one's count is unknown
            # until its first incref or decref (FORMAT.md).
            objs[obj] = {"addr": addr, "size": size, "rc": 1 if kind == "alloc" else None}
        elif kind == "resize":
            if obj in objs:
                objs[obj]["size"] = size
        elif kind in ("incref", "decref"):
            if obj in objs:
                objs[obj]["rc"] = rc
        elif kind == "free":
            frees[obj] = (step, bool(flags and flags & 1))
        elif kind == "bind":
            slots[(holder, skind, stext)] = (obj, sarg)
        elif kind == "unbind":
            slots.pop((holder, skind, stext), None)
        elif kind == "mark":
            marks[label] = {"frame": cur, "step": step, "slots": dict(slots), "live": set(live),
                            "rc": {k: v["rc"] for k, v in objs.items()},
                            "size": {k: v["size"] for k, v in objs.items()},
                            "objs": objs}
    return objs, marks, frees, step_line, parent


def lookup(m, name):
    for sk in ("local", "cell"):
        v = m["slots"].get((m["frame"], sk, "%s '%s'" % (sk, name)))
        if v:
            return v[0]
    for (h, sk, st), v in m["slots"].items():
        if sk == "global" and st == "global '%s'" % name:
            return v[0]
    return None


def resolve(m, path):
    # NAME, then .attr (attr slots) and [i] (item slots): "f.__defaults__[0]".
    import re
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    oid = lookup(m, parts[0])
    for p in parts[1:]:
        if oid is None:
            return None
        key = ("item", "item[%s]" % p[1:-1]) if p.startswith("[") else ("attr", "attr '%s'" % p)
        v = m["slots"].get((oid, key[0], key[1]))
        oid = v[0] if v else None
    return oid


def members(m, holder, kinds):
    return [(sk, st, v) for (h, sk, st), v in m["slots"].items() if h == holder and sk in kinds]


def main():
    trace, ext, out = sys.argv[1:4]
    lines, rows = load(trace, ext)
    objs, marks, frees, step_line, parent = replay(lines, rows)
    addr = {o["addr"]: i for i, o in objs.items()}
    fails = passes = 0

    def known(*oids):
        return all(o in objs for o in oids)

    def unknown(what, oids):
        # Every object a slot refers to must have an alloc or track event.
        report(False, what + " (objects with no alloc or track event: %s)"
               % sorted(o for o in oids if o not in objs))

    def report(ok, what):
        nonlocal fails, passes
        print(("PASS " if ok else "FAIL ") + what)
        if ok:
            passes += 1
        else:
            fails += 1

    ids_at = {}
    for line in open(out):
        if not line.startswith("CHK "):
            continue
        _, label, what, *args = line.split()
        m = marks.get(label)
        if m is None:
            report(False, "%s: no mark in the trace" % label)
            continue
        desc = "%s %s %s" % (label, what, " ".join(args)[:60])
        if what in ("rc", "addr", "size"):
            oid = lookup(m, args[0])
            if oid is not None and not known(oid):
                unknown(desc, [oid])
                continue
            o = m["objs"].get(oid)
            got = None if o is None else {"rc": m["rc"].get(oid), "addr": o["addr"],
                                          "size": m["size"].get(oid)}[what]
            report(got == int(args[1]), desc + " (trace: %s)" % got)
        elif what == "items":
            oid = resolve(m, args[0])
            items = sorted((int(st[st.index("[") + 1:st.index("]")]), v[0])
                           for sk, st, v in members(m, oid, ("item",)))
            if not known(*[i for _, i in items]):
                unknown(desc, [i for _, i in items])
                continue
            got = [m["objs"][i]["addr"] for _, i in items]
            report(got == [int(a) for a in args[1:]], desc + " (trace: %s)" % got)
        elif what == "attrs":
            oid = resolve(m, args[0])
            vals = [v[0] for sk, st, v in members(m, oid, ("attr",))]
            if not known(*vals):
                unknown(desc, vals)
                continue
            got = sorted("%s=%d" % (st.split("'")[1], m["objs"][v[0]]["addr"])
                         for sk, st, v in members(m, oid, ("attr",)))
            report(got == args[1:], desc + " (trace: %s)" % got)
        elif what == "closure":
            # a function's closure[i] slots hold its cells
            oid = resolve(m, args[0])
            cl = sorted((int(st[st.index("[") + 1:st.index("]")]), v[0])
                        for sk, st, v in members(m, oid, ("closure",)))
            if not known(*[i for _, i in cl]):
                unknown(desc, [i for _, i in cl])
                continue
            got = [m["objs"][i]["addr"] for _, i in cl]
            report(got == [int(a) for a in args[1:]], desc + " (trace: %s)" % got)
        elif what == "cell":
            # the contents of a function's closure[i] cell
            oid = resolve(m, args[0])
            c = m["slots"].get((oid, "closure", "closure[%s]" % args[1]))
            v = m["slots"].get((c[0], "contents", "cell")) if c else None
            got = m["objs"][v[0]]["addr"] if v and v[0] in m["objs"] else None
            report(got == int(args[2]), desc + " (trace: %s)" % got)
        elif what == "cellrc":
            # the reference count of a function's closure[i] cell
            oid = resolve(m, args[0])
            c = m["slots"].get((oid, "closure", "closure[%s]" % args[1]))
            got = m["rc"].get(c[0]) if c else None
            report(got == int(args[2]), desc + " (trace: %s)" % got)
        elif what == "genlocals":
            # the slots of FUNC's one frame (a suspended generator's included)
            fids = [f for f, (fn, th) in FRAMES.items() if fn == args[0]]
            got = None
            if len(fids) == 1:
                sl = [(st.split("'")[1], v[0]) for (h, sk, st), v in m["slots"].items()
                      if h == fids[0] and sk in ("local", "cell")]
                if not known(*[o for _, o in sl]):
                    unknown(desc, [o for _, o in sl])
                    continue
                got = sorted("%s=%d" % (n, m["objs"][o]["addr"]) for n, o in sl)
            report(got == args[1:], desc + " (trace: %s, frames %s)" % (got, fids))
        elif what == "frames":
            got = sum(1 for fn, th in FRAMES.values() if fn == args[0])
            report(got == int(args[1]), desc + " (trace: %d frames)" % got)
        elif what == "depth":
            # frames of FUNC on the stack (called, not returned) at the mark
            got = sum(1 for f in m["live"] if FRAMES.get(f, (None,))[0] == args[0])
            report(got == int(args[1]), desc + " (trace: %d)" % got)
        elif what == "dead":
            # dead NAME BY gc|nogc CPYTHON: CPython (a weakref) says NAME's object
            # of this mark is dead (1) or alive (0) at mark BY; the trace agrees,
            # and a death happened inside a gc run exactly when "gc"
            name, by, how, cp = args
            oid = lookup(m, name)
            fr = frees.get(oid)
            dead = (fr is not None and by in marks and fr[0] <= marks[by]["step"])
            ok = dead == (cp == "1") and (not dead or fr[1] == (how == "gc"))
            report(ok, desc + " (trace: freed %s)" % (fr,))
        elif what == "thread":
            got = FRAMES.get(m["frame"], (None, None))[1]
            report(got == int(args[0]), desc + " (trace: %s)" % got)
        elif what == "dict":
            oid = lookup(m, args[0])
            both = [x for sk, st, v in members(m, oid, ("value",)) for x in v]
            if not known(*both):
                unknown(desc, both)
                continue
            got = sorted("%d=%d" % (m["objs"][v[1]]["addr"], m["objs"][v[0]]["addr"])
                         for sk, st, v in members(m, oid, ("value",)))
            report(got == args[1:], desc + " (trace: %s)" % got)
        elif what == "locals":
            got = sorted(st.split("'")[1] for (h, sk, st) in m["slots"]
                         if h == m["frame"] and sk in ("local", "cell"))
            report(got == args, desc + " (trace: %s)" % got)
        elif what == "globals":
            got = sorted(st.split("'")[1] for (h, sk, st) in m["slots"]
                         if sk == "global" and not st.split("'")[1].startswith("__"))
            report(got == args, desc + " (trace: %s)" % got)
        elif what == "tmpid":
            ids_at[(label, "tmpid")] = int(args[0])
        elif what == "collected":
            report(int(args[0]) >= 2, desc)
    if len(sys.argv) > 4:
        for line in open(sys.argv[4]):
            f = line.split()
            if not f:
                continue
            if f[0] == "freed":
                _, at, name, by, how = f
                oid = lookup(marks[at], name)
                fr = frees.get(oid)
                ok = (fr is not None and marks[at]["step"] <= fr[0] <= marks[by]["step"]
                      and fr[1] == (how == "gc"))
                report(ok, "freed %s of %s before %s (%s) (trace: %s)" % (name, at, by, how, fr))
            elif f[0] == "freedat":
                # freedat MARK NAME LINE: NAME's object at MARK is freed by refcount
                # at a step of line LINE
                _, at, name, line = f
                fr = frees.get(lookup(marks[at], name))
                ok = fr is not None and not fr[1] and step_line.get(fr[0]) == int(line)
                report(ok, "freed %s of %s at line %s (trace: %s, line %s)"
                       % (name, at, line, fr, fr and step_line.get(fr[0])))
            elif f[0] == "freedid":
                _, at, key, by = f
                a = ids_at.get((at, key))
                oid = [i for i, o in objs.items() if o["addr"] == a]
                fr = [frees.get(i) for i in oid]
                ok = any(x and marks[at]["step"] <= x[0] <= marks[by]["step"] for x in fr)
                report(ok, "freed local object %s of %s before %s (trace: %s)" % (key, at, by, fr))
    print("%d passed, %d failed" % (passes, fails))
    return 1 if fails else 0


sys.exit(main())
