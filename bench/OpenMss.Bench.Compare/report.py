#!/usr/bin/env python3
"""Turns bench/compare.sh's result lines into the "Side by side with Postfix and Dovecot" section
of docs/benchmarks.md.

  report.py RESULTS                 prints the section (Markdown)
  report.py --replace DOC SECTION   puts SECTION into DOC in place of the previous one
                                            (or before the first "## " heading when there is none)
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
            relay.setdefault(fields["label"], []).append(fields)
        elif kind == "imap":
            imap[(fields["label"], fields["op"])] = fields
        elif kind in ("params", "maildir", "openmss_fill", "postfix_tls"):
            other[kind] = fields
        elif kind == "mtls":
            other.setdefault("mtls", {})[fields["label"]] = fields["without_client_certificate"].replace("_", " ")
    # Several rounds per server: the best one is reported, with every round's rate.
    for label, rounds in list(relay.items()):
        best = dict(max(rounds, key=lambda r: num(r["rate"])))
        best["rounds"] = ", ".join(fmt_int(num(r["rate"])) for r in rounds)
        relay[label] = best
    return info, relay, imap, other


def num(text):
    return float(re.sub(r"[^0-9.]", "", text))


def less_cpu(ratio):
    """'2.1× less' when OpenMSS uses less CPU than the other server, '1.5× more' when it uses more."""
    return f"{ratio:.2f}× less" if ratio >= 1 else f"{1 / max(ratio, 1e-9):.2f}× more"


def fmt_int(value):
    return f"{value:,.0f}"


def section(path):
    info, relay, imap, other = parse(path)
    p = other.get("params", {})
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
    summary = []
    if "postfix" in relay and "openmss-sqlite" in relay:
        ratio = num(relay["openmss-sqlite"]["rate"]) / max(num(relay["postfix"]["rate"]), 1e-9)
        summary.append(f"durable relay {ratio:.2f}× Postfix's rate on SQLite (target 2×: {'met' if ratio >= 2 else '**not met**'})")
    # Body SEARCH is judged on its slowest case (the word that every message holds, when measured).
    searches = [op for op in ("search_rare", "search_absent", "search_common") if ("dovecot", op) in imap and ("openmss", op) in imap]
    slowest = min(searches, key=lambda op: num(imap[("dovecot", op)]["best"]) / max(num(imap[("openmss", op)]["best"]), 1e-9)) if searches else "search_rare"
    for op, name, target in (("fetch_envelopes_raw", "FETCH of envelopes", 1.0), (slowest, "body SEARCH (slowest of the words measured)", 10.0)):
        d, o = imap.get(("dovecot", op)), imap.get(("openmss", op))
        if d and o:
            ratio = num(d["best"]) / max(num(o["best"]), 1e-9)
            cpu = num(d["server_cpu_median"]) / max(num(o["server_cpu_median"]), 1e-9)
            summary.append(f"{name} {ratio:.2f}× Dovecot's speed (target {target:g}×: {'met' if ratio >= target else '**not met**'}; "
                           f"{less_cpu(cpu)} server CPU)")
    if summary:
        out.append("**Summary**: " + "; ".join(summary) + ".")
        out.append("")

    if relay:
        out.append("### Relay: durable mail over mutual TLS")
        out.append("")
        out.append(
            f"`OpenMss.Bench relay-external` (the client of `OpenMss.Bench relay`): {p.get('connections', '?')} sessions, each "
            f"`EHLO`, `STARTTLS` with a client certificate of the trust space's authority (made by `openmss ca`), `EHLO`, then "
            f"{fmt_int(num(p.get('size', '0')))}-byte messages back to back (`MAIL`/`RCPT`/`DATA` pipelined) to `dr<n>@medecin.mssante.fr`; "
            f"{p.get('relay_warmup', '?')} s of warm-up, then {p.get('relay_seconds', '?')} s measured; all servers are up, "
            f"idle but the one measured, and {p.get('relay_rounds', '1')} round(s) go to each in turn (the best round is shown). "
            "**OpenMSS**: `openmss serve` with the same certificates, answering `250` after the message is durably in the "
            "recipient's mailbox (encrypted at rest, with its audit row). **Postfix**: a private instance requiring TLS 1.2+ "
            "and a client certificate chaining to the same authority (`smtpd_tls_security_level = encrypt`, "
            "`smtpd_tls_req_ccert = yes`), answering `250` once the queue file is fsynced, then delivering to a virtual "
            "Maildir per recipient; its warm-up is delivered before the window, and after the window the bench waits for "
            "every message to be in its Maildir, so \"with delivery\" covers queue and delivery for both servers.")
        out.append("")
        out.append("| server | accepted (250) per second, best round | every round | server CPU per message | delivered per second (window + drain) | CPU per message with delivery | server cores busy | p50 | p99 |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        names = [("postfix", f"Postfix {info.get('version.postfix', '')}"), ("openmss-sqlite", "OpenMSS, SQLite"),
                 ("openmss-postgres", f"OpenMSS, PostgreSQL {info.get('version.postgres', '')} (CPU: OpenMSS + PostgreSQL)")]
        for label, name in names:
            r = relay.get(label)
            if not r:
                continue
            out.append(
                f"| {name.strip()} | **{fmt_int(num(r['rate']))}** | {r['rounds']} | {r['server_cpu_per_message']} | {fmt_int(num(r['delivered_rate']))} | "
                f"{r['server_cpu_per_message_delivered']} | {r['server_cores']} | {r['p50']} | {r['p99']} |")
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
        if "postfix" in relay:
            base = num(relay["postfix"]["rate"])
            base_cpu = num(relay["postfix"]["server_cpu_per_message_delivered"])
            for label, name in names[1:]:
                r = relay.get(label)
                if not r or base == 0:
                    continue
                ratio = num(r["rate"]) / base
                cpu_ratio = base_cpu / max(num(r["server_cpu_per_message_delivered"]), 1e-9)
                verdict = "met" if ratio >= 2 else "**not met**"
                out.append(f"- {name.split(' (')[0]}: {ratio:.2f}× Postfix's rate (target 2×: {verdict}); "
                           f"{less_cpu(cpu_ratio)} CPU per delivered message.")
            out.append("")

    if imap:
        fill = other.get("openmss_fill", {})
        maildir = other.get("maildir", {})
        messages = fmt_int(num(p.get("imap_messages", "0")))
        mb = num(maildir.get("bytes", fill.get("bytes", "0"))) / 1e6
        out.append("### IMAP: FETCH and body SEARCH")
        out.append("")
        out.append(
            f"One INBOX of {messages} generated messages ({mb:,.1f} MB, 4–10 KiB each, French text, one in four "
            "multipart with an attachment; `bench/OpenMss.Bench.Compare/MessageGenerator.cs`, the IMAP bench's generator), "
            "identical on both sides. **Dovecot**: a private instance (implicit TLS, Maildir written directly, "
            "`S=`/`W=` sizes in the names, no full-text search plugin, so body SEARCH reads every message); its index "
            "is built by the first `SELECT` and the untimed warm-up `FETCH`. **OpenMSS**: the real `ImapServer` "
            "(implicit TLS) over a SQLite store filled with `IMailStore.AppendAsync` (encrypted at rest"
            + (f", {fill.get('seconds', '?')} s for the fill" if fill else "") + "). "
            "Both servers are up at the same time and every timed run goes to Dovecot then to OpenMSS, so that other "
            "work on the machine falls on both alike. "
            f"One client for both, MailKit over TLS: `SELECT INBOX`, one untimed warm-up run of each command, then "
            f"{p.get('fetch_runs', '?')} timed runs of `FETCH 1:{p.get('fetch', '?')} (FLAGS ENVELOPE)` and "
            f"{p.get('search_runs', '?')} of each `UID SEARCH BODY`. Times are from the command to the parsed reply "
            "(MailKit's parsing included, the same on both sides); the FETCH is also timed with a raw line client "
            "(TLS, tagged command, literals skipped, nothing parsed: `RawImapClient.cs`, the IMAP bench's), which is "
            "the server's own speed. MB/s = bytes in the folder / best time; server CPU = median over the timed runs.")
        out.append("")
        out.append("| command | Dovecot best (median) | Dovecot server CPU | OpenMSS best (median) | OpenMSS server CPU | OpenMSS speed vs Dovecot (time; CPU) | target (time) |")
        out.append("|---|---|---|---|---|---|---|")
        rows = [("select", "first `SELECT INBOX` (Dovecot builds its index)", None),
                ("fetch_envelopes", f"`FETCH 1:{p.get('fetch', '?')} (FLAGS ENVELOPE)`, MailKit", 1.0),
                ("fetch_envelopes_raw", f"`FETCH 1:{p.get('fetch', '?')} (FLAGS ENVELOPE)`, raw client", 1.0),
                ("search_rare", "`UID SEARCH BODY` rare word", 10.0),
                ("search_absent", "`UID SEARCH BODY` word in no message", 10.0),
                ("search_common", "`UID SEARCH BODY` word in almost every message", 10.0)]
        for op, title, target in rows:
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

            speed, verdict = "–", "–"
            if d and o:
                dt = num(d["seconds"] if op == "select" else d["best"])
                ot = num(o["seconds"] if op == "select" else o["best"])
                if ot > 0:
                    speed = f"{dt / ot:.2f}×"
                    if "server_cpu_median" in d and "server_cpu_median" in o and num(o["server_cpu_median"]) > 0:
                        speed += f"; {num(d['server_cpu_median']) / num(o['server_cpu_median']):.2f}×"
                    if target is not None:
                        verdict = f"≥ {target:g}×: " + ("met" if dt / ot >= target else "**not met**")
            out.append(f"| {title} | {cell(d)} | {cpu(d)} | {cell(o)} | {cpu(o)} | {speed} | {verdict} |")
        out.append("")
        if ("dovecot", "search_rare") in imap and ("openmss", "search_rare") in imap:
            d, o = imap[("dovecot", "search_rare")], imap[("openmss", "search_rare")]
            if d["matches"] != o["matches"]:
                out.append(f"Warning: the servers found different numbers of messages for the rare word ({d['matches']} vs {o['matches']}).")
                out.append("")
    out.append("Reading these numbers: the servers share the machine with whatever else runs on it (see the load "
               "average above); the best of several runs is the steadier time, and the server CPU columns, which "
               "other work disturbs less, say the same thing more reliably when the times are close. To reproduce: "
               "`bash bench/compare.sh` (about 12 minutes; `COMPARE_QUICK=1` for a two-minute check that prints "
               "without writing this section).")
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
    elif len(sys.argv) == 2:
        sys.stdout.write(section(sys.argv[1]))
    else:
        sys.exit(__doc__)
