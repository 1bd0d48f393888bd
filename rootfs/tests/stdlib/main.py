import sys, math, json, collections, itertools, heapq, bisect, functools, re, decimal, fractions, random, statistics, datetime, string
n = int(sys.stdin.readline())
xs = list(map(int, sys.stdin.readline().split()))
assert len(xs) == n and json.loads(json.dumps(xs)) == xs
print(f"sum={sum(xs)} big={math.factorial(100)} ok")
