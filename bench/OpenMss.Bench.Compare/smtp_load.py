#!/usr/bin/env python3
"""A second relay load client, not the project's: Python's smtplib over STARTTLS with a client
certificate (mutual TLS), one command at a time (no PIPELINING, RFC 2920), N sessions in threads,
each sending messages back to back for a warm-up then a measured window. bench/compare.sh runs it
beside `OpenMss.Bench relay-external` as a cross-check of the ratio to Postfix.

  smtp_load.py --target 127.0.0.1:2525 --cert c.pem --key c.key --anchor ca.pem --messages DIR
               [--label NAME] [--kind text] [--connections 16] [--seconds 10] [--warmup 3]
               [--server-pid PID[,PID]] [--from a@b] [--rcpt-domain medecin.mssante.fr]

DIR holds the messages to send in turn (`OpenMss.Bench messages --out DIR`: CRLF line ends, no line
starting with a dot, so they go as is after DATA). Prints one `relay_external client=python ...`
line in the format of `OpenMss.Bench relay-external` (bench/OpenMss.Bench.Compare/report.py reads
both). The server's CPU is utime+stime (with reaped children) of the given processes and their live
descendants, from /proc, as the project's client reads it.
"""
import argparse
import os
import smtplib
import ssl
import threading
import time


def tree_cpu_seconds(roots):
    """CPU seconds of the processes in `roots` and of all their live descendants (Linux /proc)."""
    if not roots:
        return 0.0
    stats = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                text = f.read()
        except OSError:
            continue  # ended while we read, or not ours to read
        fields = text[text.rindex(")") + 2:].split(" ")
        stats[int(name)] = (int(fields[1]), sum(int(v) for v in fields[11:15]))
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid, (_, cpu) in stats.items():
        p, depth = pid, 0
        while p > 1 and depth < 64:
            if p in roots:
                total += cpu
                break
            p = stats.get(p, (0, 0))[0]
            depth += 1
    return total / ticks


class Session(threading.Thread):
    def __init__(self, index, args, context, messages, state):
        super().__init__(daemon=True)
        self.index, self.args, self.messages, self.state = index, args, messages, state
        host, port = args.target.rsplit(":", 1)
        self.smtp = smtplib.SMTP(host, int(port), local_hostname="bench." + args.rcpt_domain, timeout=120)
        self.smtp.ehlo()
        self.smtp.starttls(context=context)
        self.smtp.ehlo()
        self.rcpt = f"dr{index}@{args.rcpt_domain}"
        self.latencies, self.data_latencies, self.error = [], [], None

    def expect(self, code, reply):
        if reply[0] != code:
            raise smtplib.SMTPResponseException(reply[0], reply[1])

    def run(self):
        n = self.index
        try:
            while not self.state["stop"]:
                message = self.messages[n % len(self.messages)]
                n += 1
                start = time.perf_counter()
                self.expect(250, self.smtp.mail(self.args.sender))
                self.expect(250, self.smtp.rcpt(self.rcpt))
                self.smtp.putcmd("data")
                self.expect(354, self.smtp.getreply())
                self.smtp.send(message + b".\r\n")
                data_end = time.perf_counter()
                self.expect(250, self.smtp.getreply())
                end = time.perf_counter()
                if self.state["measuring"]:
                    with self.state["lock"]:
                        self.state["count"] += 1
                    self.latencies.append(end - start)
                    self.data_latencies.append(end - data_end)
        except Exception as error:  # reported by the main thread, which ends the run
            self.error = error
        finally:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the server may already have closed the session


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--anchor", required=True)
    parser.add_argument("--messages", required=True)
    parser.add_argument("--label", default="server")
    parser.add_argument("--kind", default="text")
    parser.add_argument("--size", default="0")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--server-pid", default="")
    parser.add_argument("--from", dest="sender", default="claire.martin@pharmacien.mssante.fr")
    parser.add_argument("--rcpt-domain", default="medecin.mssante.fr")
    args = parser.parse_args()
    roots = {int(p) for p in args.server_pid.split(",") if p}

    names = sorted((f for f in os.listdir(args.messages) if f.endswith(".eml")), key=lambda f: int(f.split(".")[0]))
    messages = []
    for name in names:
        with open(os.path.join(args.messages, name), "rb") as f:
            messages.append(f.read())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(args.anchor)
    context.load_cert_chain(args.cert, args.key)
    # The chain is checked against the trust space's authority; the certificate names the mail
    # domain, not the loopback address the session connects to.
    context.check_hostname = False

    state = {"stop": False, "measuring": False, "count": 0, "lock": threading.Lock()}
    sessions = [Session(i, args, context, messages, state) for i in range(args.connections)]
    for s in sessions:
        s.start()

    def wait(seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            failed = next((s.error for s in sessions if s.error), None)
            if failed:
                raise SystemExit(f"smtp_load: a session failed: {failed!r}")
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    wait(args.warmup)
    cpu0, client0 = tree_cpu_seconds(roots), time.process_time()
    start = time.monotonic()
    state["measuring"] = True
    wait(args.seconds)
    state["measuring"] = False
    elapsed = time.monotonic() - start
    server_cpu, client_cpu = tree_cpu_seconds(roots) - cpu0, time.process_time() - client0
    count = state["count"]
    state["stop"] = True
    for s in sessions:
        s.join(timeout=120)
    latencies = [v for s in sessions for v in s.latencies]
    data = [v for s in sessions for v in s.data_latencies]
    mean = sum(len(m) for m in messages) / max(1, len(messages))
    print(f"relay_external client=python label={args.label} target={args.target} kind={args.kind} connections={args.connections} "
          f"size={args.size} mean_size={mean:.0f} seconds={elapsed:.1f} messages={count} rate={count / elapsed:.0f}/s "
          f"server_cpu_per_message={server_cpu * 1000 / max(1, count):.2f}ms server_cores={server_cpu / elapsed:.2f} "
          f"client_cpu_per_message={client_cpu * 1000 / max(1, count):.2f}ms "
          f"p50={percentile(latencies, 0.5):.1f}ms p99={percentile(latencies, 0.99):.1f}ms "
          f"data_p50={percentile(data, 0.5):.1f}ms data_p99={percentile(data, 0.99):.1f}ms", flush=True)


if __name__ == "__main__":
    main()
