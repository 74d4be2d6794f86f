#!/usr/bin/env python3
"""Turns bench/compare.sh's result lines into the "Side by side with Postfix and Dovecot" section
of docs/benchmarks.md: one table of every row (ratio OpenMSS / peer, the row's target, whether the
best runs or the medians decided), then the details of each half.

  report.py RESULTS                 prints the section (Markdown)
  report.py --replace DOC SECTION   puts SECTION into DOC in place of the previous one
                                            (or before the first "## " heading when there is none)
  report.py --need RESULTS ROW CONNECTIONS RUNS BAND
                                    prints the relay servers (labels) that need another run of
                                    ROW (e.g. text-8k) at CONNECTIONS: the row's ratio is within
                                    BAND of its target and a side has fewer than RUNS runs

A row is decided by the medians when both sides have at least `runs` runs (the `close_runs`
parameter of the results, 5 by default), else by the best runs; compare.sh adds runs to the rows
close to their targets, so those are always decided by medians.
"""
import re
import sys

HEADING = "## Side by side with Postfix and Dovecot"


def parse(path):
    info, relay, imap, other = {}, {}, {}, {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        kind, _, rest = line.partition(" ")
        if kind in ("machine", "version"):
            key, _, value = rest.partition("=")
            info[f"{kind}.{key}"] = value
            continue
        fields = dict(re.findall(r"(\w+)=(\S+)", rest))
        if kind == "relay_external":
            key = (fields.get("client", "project"), fields.get("kind", "text"), int(fields["size"]), int(fields["connections"]))
            relay.setdefault(key, {}).setdefault(fields["label"], []).append(fields)
        elif kind == "imap":
            imap[(fields["label"], fields["op"])] = fields
        elif kind in ("params", "maildir", "openmss_fill", "postfix_tls"):
            other[kind] = fields
        elif kind == "mtls":
            other.setdefault("mtls", {})[fields["label"]] = fields["without_client_certificate"].replace("_", " ")
    return info, relay, imap, other


def num(text):
    return float(re.sub(r"[^0-9.]", "", text))


def fmt_int(value):
    return f"{value:,.0f}"


LARGE = 512 * 1024
BACKENDS = [("openmss-sqlite", "SQLite"), ("openmss-postgres", "PostgreSQL")]
IMAP_TARGETS = {"fetch_envelopes_raw": 1.0, "fetch_envelopes": 1.0, "search_rare": 10.0, "search_absent": 10.0, "search_common": 10.0}


def relay_target(kind, size, connections):
    """The target of a relay row (docs/benchmarks.md, "Targets"): large messages are bounded per
    byte (1.5x with an attachment, 1x for plain text), whatever the connections; the rest 2x."""
    if size >= LARGE:
        return 1.5 if kind in ("attachment", "pharmacy") else 1.0
    return 2.0


def imap_target(op):
    return IMAP_TARGETS.get(op, 1.0 if op.startswith("sessions_") else None)


def row_size(text):
    """text-8k -> ("text", 8192), attachment-1m -> ("attachment", 1048576): compare.sh's row names."""
    kind, _, n = text.rpartition("-")
    factor = {"k": 1024, "m": 1024 * 1024}.get(n[-1:], 1)
    return kind, int(n.rstrip("km")) * factor


def size_text(size):
    return f"{size // (1024 * 1024)} MiB" if size >= 1024 * 1024 and size % (1024 * 1024) == 0 else f"{size // 1024} KiB"


def message_text(kind, size):
    if kind == "pharmacy":
        return "text + 0.2–3 MiB PDF/JPEG"
    if kind == "attachment":
        return f"{size_text(size)}, text + PDF/JPEG"
    return f"{size_text(size)} text"


def median(values):
    values = sorted(values)
    n = len(values)
    return 0.0 if n == 0 else values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def close(ratio, target, band):
    return target is not None and target > 0 and abs(ratio / target - 1) <= band


def decide(ours, peer, runs_ours, runs_peer, target, close_runs, band):
    """(ratio, how) from (best, median) of each side, higher is better for both numbers given."""
    best = ours[0] / max(peer[0], 1e-9)
    med = ours[1] / max(peer[1], 1e-9)
    runs = min(runs_ours, runs_peer)
    if close_runs > 0 and runs >= close_runs:
        return med, f"median of {runs}"
    how = f"best of {runs}"
    if close(best, target, band) or close(med, target, band):
        how += f" (close to the target: fewer than {close_runs or 5} runs)"
    return best, how


def rates(runs):
    values = [num(r["rate"]) for r in runs]
    return max(values), median(values), len(values)


def params(other):
    p = other.get("params", {})
    return int(p.get("close_runs", "5")), float(p.get("close_band", "0.15"))


def need(path, row, connections, close_runs, band):
    """The relay servers that need another run of `row` at `connections` (see the module's doc)."""
    _, relay, _, _ = parse(path)
    kind, size = row_size(row)
    servers = relay.get(("project", kind, size, int(connections)), {})
    peer = servers.get("postfix")
    if not peer or close_runs <= 0:
        return []
    wanted = []
    pb, pm, pn = rates(peer)
    for label, _ in BACKENDS:
        if label not in servers:
            continue
        ob, om, on = rates(servers[label])
        target = relay_target(kind, size, int(connections))
        if (close(ob / max(pb, 1e-9), target, band) or close(om / max(pm, 1e-9), target, band)) and min(on, pn) < close_runs:
            if on < close_runs:
                wanted.append(label)
            if pn < close_runs and "postfix" not in wanted:
                wanted.append("postfix")
    return wanted


def verdict(ratio, target):
    return "met" if ratio >= target else "**not met**"


def ms(text):
    return f"{num(text):.1f}"


def section(path):
    info, relay, imap, other = parse(path)
    p = other.get("params", {})
    close_runs, band = params(other)
    out = [HEADING, ""]
    date = info.get("machine.date", "?")
    out.append(
        f"`bash bench/compare.sh` (targets above), run at {date}. The same client code measures both sides, on the same "
        "machine, the servers taking turns; servers run as their own processes and their CPU "
        "is read from /proc (utime+stime of the server process, its live children and the children it has reaped), "
        "so the load generator's CPU is not counted.")
    out.append("")
    out.append(
        f"Machine: {info.get('machine.cores', '?')} cores ({info.get('machine.cpu', '?')}), {info.get('machine.ram', '?')} RAM, "
        f"disk {info.get('machine.disk', '?')}, {info.get('machine.os', '?')}; load average before the run "
        f"{info.get('machine.load_before', '?')} (a shared development machine: other work may have run at the same time).")
    versions = [f"OpenMSS {info.get('version.openmss', '?')}", f"Postfix {info.get('version.postfix', '?')}", f"Dovecot {info.get('version.dovecot', '?')}",
                f".NET SDK {info.get('version.dotnet', '?')}"]
    if "version.postgres" in info:
        versions.append(f"PostgreSQL {info['version.postgres']}")
    out.append("Versions: " + ", ".join(versions) + ".")
    out.append("")

    # --- The one table: every row, its ratio and its target -------------------------------
    rows = []
    project = sorted((k for k in relay if k[0] == "project"), key=lambda k: (k[1] != "text" or k[2] >= LARGE, k[2], k[1], k[3]))
    for key in project:
        _, kind, size, conns = key
        servers = relay[key]
        peer = servers.get("postfix")
        if not peer:
            continue
        pb, pm, pn = rates(peer)
        target = relay_target(kind, size, conns)
        cross = relay.get(("python", kind, size, conns), {})
        for label, backend in BACKENDS:
            if label not in servers:
                continue
            ob, om, on = rates(servers[label])
            ratio, how = decide((ob, om), (pb, pm), on, pn, target, close_runs, band)
            best_o = max(servers[label], key=lambda r: num(r["rate"]))
            best_p = max(peer, key=lambda r: num(r["rate"]))
            other_client = "–"
            if label in cross and "postfix" in cross:
                other_client = f"{num(cross[label][-1]['rate']) / max(num(cross['postfix'][-1]['rate']), 1e-9):.2f}×"

            def cell(r):
                return (f"{fmt_int(num(r['rate']))}/s, {ms(r.get('data_p50', r['p50']))} / {ms(r.get('data_p99', r['p99']))} ms, "
                        f"{r['server_cpu_per_message_delivered']}")

            rows.append(f"| relay, {conns} conn., {message_text(kind, size)}, {backend} | {cell(best_o)} | {cell(best_p)} | "
                        f"**{ratio:.2f}×** | {target:g}× | {verdict(ratio, target)} | {how} | {other_client} |")
    for op, title in (("fetch_envelopes_raw", f"IMAP `FETCH 1:{p.get('fetch', '?')} (FLAGS ENVELOPE)`, raw client"),
                      ("fetch_envelopes", f"IMAP `FETCH 1:{p.get('fetch', '?')} (FLAGS ENVELOPE)`, MailKit"),
                      ("search_rare", "IMAP `SEARCH BODY`, rare word"),
                      ("search_absent", "IMAP `SEARCH BODY`, word in no message"),
                      ("search_common", "IMAP `SEARCH BODY`, word in almost every message")):
        d, o = imap.get(("dovecot", op)), imap.get(("openmss", op))
        if not d or not o:
            continue
        target = imap_target(op)
        # Times: speed = 1 / time, so the ratio is Dovecot's time / OpenMSS's.
        ratio, how = decide((1 / max(num(o["best"]), 1e-9), 1 / max(num(o["median"]), 1e-9)),
                            (1 / max(num(d["best"]), 1e-9), 1 / max(num(d["median"]), 1e-9)),
                            int(o.get("runs", "1")), int(d.get("runs", "1")), target, close_runs, band)

        def timing(r):
            return f"{num(r['best']):.3f} s (median {num(r['median']):.3f} s), CPU {num(r['server_cpu_median']):.2f} s"

        rows.append(f"| {title} | {timing(o)} | {timing(d)} | **{ratio:.2f}×** | {target:g}× | {verdict(ratio, target)} | {how} | – |")
    for op in sorted((op for (label, op) in imap if label == "openmss" and op.startswith("sessions_")), key=lambda op: int(op.split("_")[1])):
        d, o = imap.get(("dovecot", op)), imap.get(("openmss", op))
        if not d or not o:
            continue
        target = imap_target(op)
        ratio, how = decide((num(o["best_rate"]), num(o["median_rate"])), (num(d["best_rate"]), num(d["median_rate"])),
                            int(o["runs"]), int(d["runs"]), target, close_runs, band)

        def session(r):
            return f"{num(r['best_rate']):,.1f}/s, {ms(r['p50'])} / {ms(r['p99'])} ms, {r['server_cpu_per_session_median']}"

        rows.append(f"| IMAP sessions, {o['clients']} concurrent client(s) | {session(o)} | {session(d)} | **{ratio:.2f}×** | "
                    f"{target:g}× | {verdict(ratio, target)} | {how} | – |")
    if rows:
        out.append("### Every row")
        out.append("")
        out.append(
            "Relay cells: accepted (`250`) messages per second (best run), p50 / p99 of the time from the end of `DATA` "
            "to the `250`, server CPU per message with delivery; the peer is Postfix. IMAP cells: time (best, median) "
            "and server CPU per command, or sessions per second, p50 / p99 of a session, server CPU per session; the "
            "peer is Dovecot. Ratio: OpenMSS / peer (speed or rate); "
            f"when both sides have {close_runs} runs or more the medians decide, and rows within {band:.0%} of their "
            f"target are always run until they do. Targets: relay 2×; 1 MiB messages 1.5× with an attachment and 1× "
            f"for plain text (at any number of connections); FETCH 1×; body SEARCH 10× for every word; sessions 1×. "
            "Other client: the same ratio measured with Python's smtplib, one command at a time "
            "(`smtp_load.py`), one run each.")
        out.append("")
        out.append("| row | OpenMSS | peer | ratio | target | verdict | decided by | other client |")
        out.append("|---|---|---|---|---|---|---|---|")
        out.extend(rows)
        out.append("")

    if relay:
        out.append("### Relay: durable mail over mutual TLS")
        out.append("")
        out.append(
            f"`OpenMss.Bench relay-external` (the client of `OpenMss.Bench relay`): N sessions ({p.get('connections', '?').replace(',', ', ')}), "
            "each `EHLO`, `STARTTLS` with a client certificate of the trust space's authority (made by `openmss ca`), `EHLO`, "
            "then messages back to back (`MAIL`/`RCPT`/`DATA` pipelined) to `dr<n>@medecin.mssante.fr`, 8 different messages "
            "per row in turn (`bench/OpenMss.Bench.Messages`: French text in quoted-printable, or a short text with a PDF "
            "or JPEG in base64); "
            f"{p.get('relay_warmup', '?')} s of warm-up ({p.get('first_warmup', '?')} s on a freshly started OpenMSS), then "
            f"{p.get('relay_seconds', '?')} s measured, {p.get('relay_rounds', '1')} run(s) per server and row, servers in turn. "
            "Every row starts fresh OpenMSS servers on empty stores and empties Postfix's Maildirs. "
            "**OpenMSS**: `openmss serve` with the same certificates, answering `250` after the message is durably in the "
            "recipient's mailbox (encrypted at rest, with its audit row). **Postfix**: a private instance requiring TLS 1.2+ "
            "and a client certificate chaining to the same authority (`smtpd_tls_security_level = encrypt`, "
            "`smtpd_tls_req_ccert = yes`), answering `250` once the queue file is fsynced, then delivering to a virtual "
            "Maildir per recipient; its warm-up is delivered before the window, and after the window the bench waits for "
            "every message to be in its Maildir, so \"with delivery\" covers queue and delivery for both servers.")
        out.append("")
        out.append("| row | server | client | accepted per second, every run | server CPU per message | with delivery | server cores busy | client CPU per message | end of DATA → 250, p50 / p99 | MAIL → 250, p50 / p99 |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        names = {"postfix": f"Postfix {info.get('version.postfix', '')}".strip(), "openmss-sqlite": "OpenMSS, SQLite",
                 "openmss-postgres": f"OpenMSS, PostgreSQL {info.get('version.postgres', '')} (CPU: both)".replace("  ", " ")}
        for key in sorted(relay, key=lambda k: (k[2], k[1], k[3], k[0])):
            client, kind, size, conns = key
            for label in ("openmss-sqlite", "openmss-postgres", "postfix"):
                runs = relay[key].get(label)
                if not runs:
                    continue
                best = max(runs, key=lambda r: num(r["rate"]))
                out.append(
                    f"| {conns} conn., {message_text(kind, size)} | {names[label]} | {'smtp_load.py' if client == 'python' else 'project'} | "
                    f"{', '.join(fmt_int(num(r['rate'])) for r in runs)} | {best['server_cpu_per_message']} | "
                    f"{best.get('server_cpu_per_message_delivered', '–')} | {best['server_cores']} | {best.get('client_cpu_per_message', '–')} | "
                    f"{ms(best.get('data_p50', '0'))} / {ms(best.get('data_p99', '0'))} ms | {ms(best['p50'])} / {ms(best['p99'])} ms |")
        out.append("")
        checks = other.get("mtls", {})
        if checks:
            out.append("Same requirement checked on both: a session that completes STARTTLS without a client certificate and tries "
                       "`EHLO`/`MAIL`/`RCPT` gets " + "; ".join(f"{label} → `{outcome}`" for label, outcome in checks.items()) + ".")
        tls = other.get("postfix_tls")
        if tls:
            out.append(f"Postfix logged {tls.get('trusted_sessions', '?')} \"Trusted TLS connection\" sessions "
                       f"({tls.get('protocol', '?').replace('_', ', ', 1)}).")
        if checks or tls:
            out.append("")

    if imap:
        fill = other.get("openmss_fill", {})
        maildir = other.get("maildir", {})
        messages = fmt_int(num(p.get("imap_messages", "0")))
        mb = num(maildir.get("bytes", fill.get("bytes", "0"))) / 1e6
        out.append("### IMAP: FETCH, body SEARCH, concurrent sessions")
        out.append("")
        out.append(
            f"One INBOX of {messages} generated messages ({mb:,.1f} MB, 4–10 KiB each, French text, one in four "
            "multipart with an attachment; `MessageGenerator` in `bench/OpenMss.Bench.Messages`), "
            "identical on both sides. **Dovecot**: a private instance (implicit TLS, Maildir written directly, "
            "`S=`/`W=` sizes in the names, no full-text search plugin, so body SEARCH reads every message; login "
            "processes in high-performance mode); its index is built by the first `SELECT` and the untimed warm-up `FETCH`. "
            "**OpenMSS**: the real `ImapServer` (implicit TLS) over a SQLite store filled with `IMailStore.AppendAsync` (encrypted at rest"
            + (f", {fill.get('seconds', '?')} s for the fill" if fill else "") + "). "
            "Both servers are up at the same time and every timed run goes to Dovecot then to OpenMSS, so that other "
            "work on the machine falls on both alike. "
            f"One client for both, MailKit over TLS: `SELECT INBOX`, one untimed warm-up run of each command, then "
            f"{p.get('fetch_runs', '?')} timed runs of `FETCH 1:{p.get('fetch', '?')} (FLAGS ENVELOPE)` and "
            f"{p.get('search_runs', '?')} of each `UID SEARCH BODY` (more when close to the target). Times are from the "
            "command to the parsed reply (MailKit's parsing included, the same on both sides); the FETCH is also timed "
            "with a raw line client (TLS, tagged command, literals skipped, nothing parsed: `RawImapClient.cs`), which is "
            "the server's own speed. MB/s = bytes in the folder / best time; server CPU = median over the timed runs. "
            f"Sessions: 1 or more clients at once (raw client), each repeating for {p.get('session_seconds', '?')} s "
            "TLS, `LOGIN`, `SELECT INBOX`, `FETCH` of the 1,000 newest messages' `UID FLAGS RFC822.SIZE BODY.PEEK[HEADER]`, "
            "`FETCH` of one of them `BODY.PEEK[]`, `UID SEARCH` of those 1,000 for `BODY \"traitement\"` (a common word), "
            "`LOGOUT` (`SessionLoad.cs`).")
        out.append("")
        out.append("| command | Dovecot best (median) | Dovecot server CPU | OpenMSS best (median) | OpenMSS server CPU | OpenMSS speed vs Dovecot (time; CPU) |")
        out.append("|---|---|---|---|---|---|")
        detail = [("select", "first `SELECT INBOX` (Dovecot builds its index)"),
                  ("fetch_envelopes", f"`FETCH 1:{p.get('fetch', '?')} (FLAGS ENVELOPE)`, MailKit"),
                  ("fetch_envelopes_raw", f"`FETCH 1:{p.get('fetch', '?')} (FLAGS ENVELOPE)`, raw client"),
                  ("search_rare", "`UID SEARCH BODY` rare word"),
                  ("search_absent", "`UID SEARCH BODY` word in no message"),
                  ("search_common", "`UID SEARCH BODY` word in almost every message")]
        for op, title in detail:
            d, o = imap.get(("dovecot", op)), imap.get(("openmss", op))
            if not d and not o:
                continue

            def cell(r):
                if not r:
                    return "–"
                if op == "select":
                    return f"{num(r['seconds']):.3f} s"
                text = f"{num(r['best']):.3f} s ({num(r['median']):.3f} s)"
                if op.startswith("search"):
                    text += f", {fmt_int(num(r['rate']))} MB/s, {r['matches']} found"
                else:
                    text += f", {fmt_int(num(r['rate']))} envelopes/s"
                    if "response_bytes" in r:
                        text += f", {num(r['response_bytes']) / 1e6:.1f} MB"
                return text

            def cpu(r):
                return f"{num(r['server_cpu_median']):.2f} s" if r and "server_cpu_median" in r else "–"

            speed = "–"
            if d and o:
                dt = num(d["seconds"] if op == "select" else d["best"])
                ot = num(o["seconds"] if op == "select" else o["best"])
                if ot > 0:
                    speed = f"{dt / ot:.2f}×"
                    if "server_cpu_median" in d and "server_cpu_median" in o and num(o["server_cpu_median"]) > 0:
                        speed += f"; {num(d['server_cpu_median']) / num(o['server_cpu_median']):.2f}×"
            out.append(f"| {title} | {cell(d)} | {cpu(d)} | {cell(o)} | {cpu(o)} | {speed} |")
        for op in sorted((op for (label, op) in imap if label == "openmss" and op.startswith("sessions_")), key=lambda op: int(op.split("_")[1])):
            d, o = imap.get(("dovecot", op)), imap.get(("openmss", op))

            def scell(r):
                return "–" if not r else (f"{num(r['best_rate']):,.1f} sessions/s ({num(r['median_rate']):,.1f}), "
                                          f"{r['headers']} headers, {fmt_int(num(r['body_bytes']))} body bytes, {r['matches']} found")

            def scpu(r):
                return f"{r['server_cpu_per_session_median']} per session" if r else "–"

            speed = f"{num(o['best_rate']) / max(num(d['best_rate']), 1e-9):.2f}×" if d and o else "–"
            clients = (o or d)["clients"]
            out.append(f"| sessions, {clients} concurrent client(s) | {scell(d)} | {scpu(d)} | {scell(o)} | {scpu(o)} | {speed} |")
        out.append("")
        if ("dovecot", "search_rare") in imap and ("openmss", "search_rare") in imap:
            d, o = imap[("dovecot", "search_rare")], imap[("openmss", "search_rare")]
            if d["matches"] != o["matches"]:
                out.append(f"Warning: the servers found different numbers of messages for the rare word ({d['matches']} vs {o['matches']}).")
                out.append("")
    out.append("Reading these numbers: the servers share the machine with whatever else runs on it (see the load "
               "average above); the best of several runs is the steadier time, the median of five decides the rows "
               "close to their targets, and the server CPU columns, which other work disturbs less, say the same thing "
               "more reliably when the times are close. To reproduce: `bash bench/compare.sh` (about 35 minutes on 2 "
               "cores; `COMPARE_QUICK=1` for a five-minute check that prints without writing this section; "
               "`COMPARE_CONNECTIONS`, `COMPARE_KINDS`, `COMPARE_BACKENDS`, `COMPARE_SKIP_IMAP` choose a subset of rows).")
    return "\n".join(out).rstrip() + "\n"


def replace(doc_path, section_path):
    doc = open(doc_path, encoding="utf-8").read()
    new = open(section_path, encoding="utf-8").read().rstrip() + "\n\n"
    start = doc.find(HEADING + "\n")
    if start >= 0:
        following = re.compile(r"^## ", re.M).search(doc, start + len(HEADING))
        end = following.start() if following else len(doc)
        doc = doc[:start] + new + doc[end:]
    else:
        first = re.compile(r"^## ", re.M).search(doc)
        at = first.start() if first else len(doc)
        doc = doc[:at] + new + doc[at:]
    open(doc_path, "w", encoding="utf-8").write(doc.rstrip() + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--replace":
        replace(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 7 and sys.argv[1] == "--need":
        print(" ".join(need(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6]))))
    elif len(sys.argv) == 2:
        sys.stdout.write(section(sys.argv[1]))
    else:
        sys.exit(__doc__)
