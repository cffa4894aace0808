# syntax=docker/dockerfile:1
# kubemesos image: built exactly like the README builds it (same hack/install-deps.sh, same CMake
# commands), then copied onto a slim Debian with only the shared libraries the binary links.
#
#   docker build -t ghcr.io/kubemesos/kubemesos:0.1.0 .
#   docker push ghcr.io/kubemesos/kubemesos:0.1.0
#
# Both stages are Debian 12 (bookworm) so the runtime libraries are the ones the build linked.

FROM debian:bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
# The dependency layer only changes when the package list does.
COPY hack/install-deps.sh hack/install-deps.sh
RUN hack/install-deps.sh
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKUBEMESOS_TESTS=OFF -DKUBEMESOS_BENCH=OFF \
 && cmake --build build --target kubemesos \
 && strip build/kubemesos \
 && build/kubemesos help >/dev/null

FROM debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Exactly the libraries `ldd build/kubemesos` names (libbrotli1 and zlib1g come as
# dependencies of libcpprest2.10); ca-certificates for TLS to an external etcd.
# DL3008 (pin apt versions): the versions are fixed by the bookworm base image and its
# security updates; exact pins would break the build at every Debian point release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libcivetweb1 libcpprest2.10 libprometheus-cpp-core1.0 libjemalloc2 libprotobuf32 libssl3 \
      libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 kubemesos \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin kubemesos
COPY --from=build /src/build/kubemesos /usr/local/bin/kubemesos
# Fail the build if a shared library is missing, rather than at the first start.
RUN ! ldd /usr/local/bin/kubemesos | grep 'not found' && kubemesos help >/dev/null
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/kubemesos"]
CMD ["run"]

LABEL org.opencontainers.image.title="kubemesos" \
      org.opencontainers.image.description="Mesos DRF offer allocation as a Kubernetes scheduler" \
      org.opencontainers.image.source="https://github.com/kubemesos/kubemesos" \
      org.opencontainers.image.version="0.1.0"
