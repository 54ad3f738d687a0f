# Portico in a container, made from the distribution archive that the build packages (distribution/, with
# bin/portico, lib/ and conf/). Not built by CI; see README.md, "Running in production":
#
#   scripts/mvn -B -DskipTests package
#   docker build -t portico .
#   docker run --rm --stop-timeout 45 -p 7070:7070 -p 7443:7443 \
#       -v /etc/portico/portico.properties:/opt/portico/conf/portico.properties:ro \
#       -v /etc/portico/tls:/etc/portico/tls:ro \
#       portico
#
# The configuration is the mounted conf/portico.properties, and any key can be overridden with -e PORTICO_CFG_<KEY>
# (PORTICO_CFG_TLS_CERTIFICATE=/etc/portico/tls/fullchain.pem). The listeners bind every interface of the container;
# publish only the ports that should be reachable. docker stop sends SIGTERM: Portico tells every client
# (system-shutdown, or see-other-uri with http.shutdownRedirect) and closes its upstream streams before it exits.
# The drain takes up to admin.drainGrace (default 30s); docker stop kills after 10 s unless told otherwise, hence
# --stop-timeout 45 above.
FROM eclipse-temurin:21-jre

ARG VERSION=0.1.0-SNAPSHOT
# a local tar.gz given to ADD is unpacked
ADD distribution/target/portico-${VERSION}.tar.gz /opt/
RUN mv /opt/portico-${VERSION} /opt/portico \
    && useradd --system --home-dir /opt/portico --shell /usr/sbin/nologin portico

USER portico
WORKDIR /opt/portico
ENV PORTICO_CFG_HTTP_HOST=0.0.0.0 \
    PORTICO_CFG_TLS_HOST=0.0.0.0
EXPOSE 7070 7443
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/portico/bin/portico"]
