# keyferry image: the one runnable jar on a JRE. Build: docker build -t keyferry .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
COPY --from=build /src/cli/target/keyferry.jar /app/keyferry.jar
# Metrics, health and readiness (--http-port) for Prometheus and the orchestrator.
EXPOSE 9400
# The parallel collector, as bin/keyferry: see docs/performance.md.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+UseParallelGC", "-jar", "/app/keyferry.jar"]
