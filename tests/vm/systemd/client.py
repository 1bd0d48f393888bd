#!/usr/bin/python3
"""The guest's gRPC client, the native API (coderunner.v1 Execute), so the
limits are the test's: a python program from CODE-FILE, stdin "1 2".
Usage: client.py PORT CODE-FILE [MEMORY-MIB]; prints the result as JSON."""
import json
import sys

sys.path.insert(0, "/payload/stubs")
import grpc  # noqa: E402
from coderunner.v1 import coderunner_pb2 as v1  # noqa: E402
from coderunner.v1 import coderunner_pb2_grpc as v1_grpc  # noqa: E402

port, path = sys.argv[1], sys.argv[2]
memory = int(sys.argv[3]) << 20 if len(sys.argv) > 3 else 256 << 20
with open(path, "rb") as f:
    code = f.read()
# TCG is slow: time limits with room, the memory limit as asked
limits = v1.Limits(cpu_time_ms=30000, wall_time_ms=60000, memory_bytes=memory)
req = v1.ExecuteRequest(runtime="python", files=[v1.File(path="main.py", content=code)], stdin=b"1 2\n",
                        limits=limits)
with grpc.insecure_channel("127.0.0.1:" + port) as ch:
    try:
        r = v1_grpc.CodeRunnerStub(ch).Execute(req, timeout=120)
        print(json.dumps({"verdict": v1.Verdict.Name(r.verdict), "stdout": r.run.stdout.decode(errors="replace"),
                          "message": r.run.message}))
    except grpc.RpcError as e:
        print(json.dumps({"grpc_error": e.code().name, "details": e.details()}))
