# The Redis of compose.yaml, built from Debian 12's redis-server on the same BASE_IMAGE as
# Vestibule's image, so the stack builds where no image registry is reachable (and the Redis
# is the version the test suite runs against). Data in /data: the append-only file and RDB
# snapshots; compose.yaml turns appendonly on and puts /data in a named volume.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server > /dev/null \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o redis -g redis -m 0750 /data
WORKDIR /data
VOLUME ["/data"]
# The package's system user; its uid is whatever adduser gave it in this build, and the volume
# takes /data's owner from the image when it is first used.
USER redis
EXPOSE 6379
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD redis-cli ping | grep -qx PONG
# Listen on the container's network (compose's private network; the port is not published),
# no protected mode since it is not reachable from outside that network.
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data", "--appendonly", "yes"]
