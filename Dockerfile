# Vestibule's container image: built with the project's own setup script, run as a non-root
# user on a slim Debian 12 base with only the libraries the binary loads.
#   podman build --format docker -t vestibule .   (or docker build -t vestibule .)
#   podman run -p 9443:9443 -v vestibule-data:/data vestibule
# Every setting is a VESTIBULE_* variable (see README, "The container image"); -e overrides it.
# BASE_IMAGE lets the image build from a local Debian 12 image where no registry is reachable
# (scripts/test-container.sh imports a debootstrap root as one).
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG BUILD_JOBS=2
ENV DEBIAN_FRONTEND=noninteractive
# The toolchain and every -dev package, before the sources: this layer is reused until
# setup.sh itself changes.
COPY scripts/setup.sh /src/scripts/setup.sh
RUN /src/scripts/setup.sh && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt /src/
COPY packaging/deb /src/packaging/deb
COPY src /src/src
# The server alone: no tests, no benchmarks.
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DVESTIBULE_BUILD_TESTS=OFF \
 && cmake --build /build --target vestibule --parallel "${BUILD_JOBS}" \
 && install -D -m 0755 -s /build/src/vestibule /out/vestibule
# The packages holding the libraries it loads, for the runtime stage.
COPY packaging/container/runtime-packages.sh /usr/local/bin/
RUN runtime-packages.sh /out/vestibule > /out/runtime-packages && cat /out/runtime-packages

FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/runtime-packages /tmp/runtime-packages
# The libraries, john-data for the default --common-passwords list, CA roots for outgoing
# TLS (smtps://, STARTTLS) and curl for the HEALTHCHECK; no apt lists left behind.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends $(cat /tmp/runtime-packages) \
      john-data ca-certificates curl > /dev/null \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && groupadd --gid 10001 vestibule \
 && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin \
      vestibule \
 && install -d -o 10001 -g 10001 -m 0750 /data
COPY --from=build /out/vestibule /usr/local/bin/vestibule
COPY packaging/container/healthcheck.sh /usr/local/lib/vestibule/healthcheck

# Plain HTTP on every interface of the container: publish the port to a TLS-terminating proxy,
# or mount a certificate and key and set VESTIBULE_TLS_CERT and VESTIBULE_TLS_KEY (README).
# Relative paths (none by default) resolve in the volume.
ENV VESTIBULE_LISTEN=0.0.0.0:9443 \
    VESTIBULE_ALLOW_INSECURE_HTTP=true \
    VESTIBULE_STORE=sqlite:/data/vestibule.db \
    VESTIBULE_MAIL_URL=file:/data/mail \
    VESTIBULE_COMMON_PASSWORDS=/usr/share/john/password.lst
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 9443
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/lib/vestibule/healthcheck"]
# SIGTERM (podman/docker stop) drains in-flight requests for --shutdown-timeout (10 s by
# default), as long as stop waits by default before SIGKILL: stop with -t 15 to leave room.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/vestibule"]
CMD ["serve"]
