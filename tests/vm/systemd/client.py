#!/usr/bin/python3
"""The guest's gRPC client: EvaluateSolution with one python stdio test.
Usage: client.py PORT CODE-FILE [DEADLINE]; prints the response as JSON."""
import json
import sys

sys.path.insert(0, "/payload/stubs")
import grpc  # noqa: E402
import code_runner_pb2 as pb  # noqa: E402
import code_runner_pb2_grpc as pb_grpc  # noqa: E402

port, path = sys.argv[1], sys.argv[2]
deadline = float(sys.argv[3]) if len(sys.argv) > 3 else 120
with open(path) as f:
    code = f.read()
req = pb.ExecutionRequest(
    challenge_id="9f0d0b5b-0fb6-40a6-a2eb-14f2850f54aa", code_version_id="d6a09a11-7d4c-4b4e-9e29-2d1bb2f0a5c1",
    student_id="c032e274-1b0e-4d8c-8f0b-6a2b8c9d0e1f", code=code, language="python",
    tests=[pb.TestCase(code_version_test_id="123ad9ef-0000-4000-8000-41ba034a32e1", input="1 2",
                       expected_output="3")])
with grpc.insecure_channel("127.0.0.1:" + port) as ch:
    try:
        r = pb_grpc.SolutionEvaluationServiceStub(ch).EvaluateSolution(req, timeout=deadline)
        print(json.dumps({"success": r.success, "error_type": r.error_type, "message": r.message,
                          "error_message": r.error_message}))
    except grpc.RpcError as e:
        print(json.dumps({"grpc_error": e.code().name, "details": e.details()}))
