#!/usr/bin/env python3
"""cluster_client.py - pushes events to several alerthub nodes at once, as
clients behind a load balancer would (tests/e2e/p_cluster.sh).

    cluster_client.py EVENTS ACKED PATH_AND_QUERY NODE_URL... [--threads N]

EVENTS: one JSON object per line, {"key", "seq", "body"}; the events of one
key are sent in order by one thread, the keys spread over the threads. Each
event goes to a random node; a refusal (no answer, a 5xx, a time-out) is
retried on another node until it is answered 200 (or 60 s pass: the event
is then reported as lost by the client, not by the server). ACKED gets a
line "key seq" for every 200, as it comes. Exit status 0 when every event
got its 200.
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request


REFUSED = [0]  # attempts a node did not answer 200 (the killed node, a configuration not there yet)


def send(nodes, path, body):
    """Tries the nodes in a random order, round after round (a pause only
    after a round that no node answered), until one answers 200."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for url in random.sample(nodes, len(nodes)):
            req = urllib.request.Request(url + path, data=body.encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=10) as res:
                    if res.status == 200:
                        return True
            except (urllib.error.URLError, http.client.HTTPException, OSError):
                # No answer, a refusal, a 4xx or a 5xx:
                # the next node.
                REFUSED[0] += 1
        time.sleep(0.05)
    return False


def main():
    args = sys.argv[1:]
    threads = 8
    if "--threads" in args:
        i = args.index("--threads")
        threads = int(args[i + 1])
        del args[i:i + 2]
    events_file, acked_file, path, nodes = args[0], args[1], args[2], args[3:]
    by_key = {}
    with open(events_file) as f:
        for line in f:
            e = json.loads(line)
            by_key.setdefault(e["key"], []).append(e)
    keys = sorted(by_key)
    lock = threading.Lock()
    failed = []
    out = open(acked_file, "a", buffering=1)

    def worker(n):
        for key in keys[n::threads]:
            for e in by_key[key]:
                if send(nodes, path, e["body"]):
                    with lock:
                        out.write("%s %d\n" % (key, e["seq"]))
                else:
                    with lock:
                        failed.append((key, e["seq"]))

    ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.close()
    print("client: %d events, %d attempts refused and retried elsewhere"
          % (sum(len(v) for v in by_key.values()), REFUSED[0]), file=sys.stderr)
    if failed:
        print("not acknowledged within 60 s: %d events" % len(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
