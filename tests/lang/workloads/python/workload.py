# Threads (with a big stack for deep recursion, as solutions do), a scratch
# file in /tmp, clocks, randomness, sorting, containers, regexes, json, a big
# allocation, stdin to the end, some output (see workload.c), and a
# multiprocessing pool and queue (worker processes, pipes, semaphores in /dev/shm),
# an asyncio event loop (its self-pipe is a socketpair, its selector epoll), and
# a socket pair left open, whose finalizer writes repr() into a ResourceWarning.
# The main module guard is multiprocessing's rule for its spawn and forkserver
# start methods: Python 3.14 starts workers through a forkserver by default,
# which imports this module again and, unguarded, would start a pool itself
# (RuntimeError in the forkserver, "Connection reset by peer" here).
import asyncio, collections, heapq, json, math, multiprocessing, os, random, re, socket, sys, tempfile, threading, time


def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)


def square(x):
    return x * x


async def tick():
    await asyncio.sleep(0.001)
    return 1


def main():
    sys.setrecursionlimit(100000)
    threading.stack_size(64 * 1024 * 1024)
    out = []
    t = threading.Thread(target=lambda: out.append(deep(20000)))
    t.start()
    t.join()
    with tempfile.NamedTemporaryFile("w+", dir="/tmp") as f:
        f.write("%d\n" % out[0])
        f.flush()
        f.seek(0)
        assert int(f.read()) == out[0]
    time.monotonic()
    time.sleep(0.001)
    random.seed(os.urandom(8))
    xs = sorted(random.random() for _ in range(100000))
    heapq.heapify(xs)
    c = collections.Counter(re.findall(r"\w+", "a b a c " * 100))
    json.loads(json.dumps(c))
    big = bytearray(64 << 20)
    del big
    with multiprocessing.Pool(2) as pool:
        assert sum(pool.map(square, range(100))) == 328350
    q = multiprocessing.Queue()
    with multiprocessing.Lock():
        q.put(7)
    assert q.get() == 7
    assert multiprocessing.Value("i", 3).value == 3
    assert asyncio.run(tick()) == 1
    left_open = socket.socketpair()
    assert repr(left_open[0]).startswith("<socket.socket")
    lines = sys.stdin.read().count("\n")
    for i in range(300):
        print("line %d %.3f" % (i, math.sqrt(i)))
    print("stdin lines %d" % lines)
    print("workload ok")


if __name__ == "__main__":
    main()
