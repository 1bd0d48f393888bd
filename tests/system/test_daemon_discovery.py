"""What grpcurl-style tools and Kubernetes probes see on the daemon: health
for every service, and reflection (v1 and v1alpha) listing and describing
every service the daemon serves."""
import os
import shutil
import subprocess
import sys
import tempfile

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool

import health_pb2

SERVICES = {
    "com.levelupjourney.coderunner.SolutionEvaluationService",
    "com.levelupjourney.coderunner.CodeExecutionService",
    "coderunner.v1.CodeRunner",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
}


@pytest.fixture(scope="module")
def refl():
    out = tempfile.mkdtemp(prefix="cr-refl-")
    for name, rel in (("reflection_v1.proto", "grpc/reflection/v1/reflection.proto"),
                      ("reflection_v1alpha.proto", "grpc/reflection/v1alpha/reflection.proto")):
        shutil.copy(os.path.join("/usr/share/grpc-proto", rel), os.path.join(out, name))
    subprocess.run(["protoc", "-I" + out, "--python_out=" + out, "--grpc_python_out=" + out,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                    "reflection_v1.proto", "reflection_v1alpha.proto"], check=True)
    sys.path.insert(0, out)
    import reflection_v1_pb2
    import reflection_v1_pb2_grpc
    import reflection_v1alpha_pb2
    import reflection_v1alpha_pb2_grpc
    yield {"v1": (reflection_v1_pb2, reflection_v1_pb2_grpc),
           "v1alpha": (reflection_v1alpha_pb2, reflection_v1alpha_pb2_grpc)}
    shutil.rmtree(out)


def ask(daemon, mods, **kw):
    pb, pb_grpc = mods
    stub = pb_grpc.ServerReflectionStub(daemon.channel)
    return list(stub.ServerReflectionInfo(iter([pb.ServerReflectionRequest(**kw)]), timeout=10))[0]


@pytest.mark.parametrize("version", ["v1", "v1alpha"])
def test_reflection_lists_and_describes_every_service(daemon, refl, version):
    mods = refl[version]
    listed = {s.name for s in ask(daemon, mods, list_services="").list_services_response.service}
    assert SERVICES <= listed, listed
    pool = descriptor_pool.DescriptorPool()
    seen = set()

    def add(files):
        """Adds files to the pool, each after its dependencies."""
        fds = [descriptor_pb2.FileDescriptorProto.FromString(raw) for raw in files]
        for _ in range(len(fds) + 1):
            for fd in fds:
                if fd.name not in seen and set(fd.dependency) <= seen:
                    pool.Add(fd)
                    seen.add(fd.name)

    for service in sorted(listed):
        r = ask(daemon, mods, file_containing_symbol=service)
        files = r.file_descriptor_response.file_descriptor_proto
        assert files, (service, r)
        add(files)
        s = pool.FindServiceByName(service)
        for m in s.methods:
            assert m.input_type.full_name and m.output_type.full_name
    # the file clients know the old service by
    r = ask(daemon, mods, file_by_filename="code_runner.proto")
    names = [descriptor_pb2.FileDescriptorProto.FromString(f).name
             for f in r.file_descriptor_response.file_descriptor_proto]
    assert "code_runner.proto" in names


def test_health_of_every_service(daemon):
    for service in [""] + sorted(SERVICES):
        r = daemon.health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert r.status == health_pb2.HealthCheckResponse.SERVING, service
    with pytest.raises(grpc.RpcError) as e:
        daemon.health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
