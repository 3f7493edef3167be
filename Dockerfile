# The opal4j server image: the distribution archive unpacked on a Temurin 21 JRE, run as a non-root
# user. Build the archive first, then the image, from the repository root:
#   ./mvnw -B -pl opal4j-dist -am package -DskipTests
#   docker build -t opal4j:0.2.0 .
# It is a drop-in for permitio/opal-server: same port, same environment variables (see README).
# The ENV lines below are also the environment opal4j-dist's DistributionArchiveIT runs the
# unpacked archive with, so keep them plain `ENV NAME=value` lines.
FROM eclipse-temurin:21-jre

ARG OPAL4J_VERSION=0.2.0
# ADD unpacks a local tar.gz
ADD opal4j-dist/target/opal4j-${OPAL4J_VERSION}.tar.gz /opt/
RUN ln -s /opt/opal4j-${OPAL4J_VERSION} /opt/opal4j \
    && groupadd --system --gid 10001 opal \
    && useradd --system --uid 10001 --gid opal --home-dir /opt/opal4j --shell /usr/sbin/nologin opal

ENV UVICORN_PORT=7002
# the plugin folder on the class path follows OPAL_BROADCAST_URI's scheme (bin/opal-server)
ENV OPAL4J_JAVA_OPTS="-XX:+UseSerialGC -Xss512k -XX:MaxRAMPercentage=75"

USER 10001:10001
WORKDIR /opt/opal4j
EXPOSE 7002
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/opt/opal4j/bin/healthcheck"]
ENTRYPOINT ["/opt/opal4j/bin/opal-server"]
