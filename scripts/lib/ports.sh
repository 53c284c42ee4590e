# Sourced by the scripts that start test stacks.
#
# listen_ports N: prints the first of N consecutive ports that nothing listens
# on, chosen below (or above) the kernel's ephemeral range. A port from that
# range can be taken by an outgoing connection (the load tests open
# thousands) between choosing it and listening on it, or while a service that
# keeps its port is restarted.
listen_ports() {
  python3 - "${1:-1}" <<'PY'
import random, socket, sys
count = int(sys.argv[1])
try:
    low, high = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
except OSError:
    low, high = 32768, 60999
candidates = [p for p in range(10000, 65536 - count)
              if p + count - 1 < low or p > high]
for _ in range(1000):
    first = random.choice(candidates)
    sockets = []
    try:
        for port in range(first, first + count):
            s = socket.socket()
            sockets.append(s)
            s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        for s in sockets:
            s.close()
    print(first)
    sys.exit(0)
sys.exit("no free ports outside the ephemeral range")
PY
}
