package io.keyferry.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyferry.core.json.Json;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.Topics;
import io.keyferry.verifier.RunStatus;
import io.keyferry.redis.RedisStore;
import org.apache.kafka.clients.admin.Admin;

import java.util.concurrent.TimeUnit;

/**
 * The /health document: run, role, mode, Redis pings in ms (-1: unreachable), Kafka reachable,
 * and the run's topic lag (records the migrator and the verifier have not processed yet). No
 * URLs, no secrets.
 */
final class Health {
    private Health() {
    }

    static String json(KafkaClients clients, String run, String role, String mode, RedisStore source, RedisStore target) {
        ObjectNode n = Json.reportNode();
        n.put("run", run);
        n.put("role", role);
        if (mode != null) {
            n.put("mode", mode);
        }
        long sourcePing = ping(source);
        long targetPing = ping(target);
        if (source != null) {
            n.put("source_ping_ms", sourcePing);
        }
        if (target != null) {
            n.put("target_ping_ms", targetPing);
        }
        boolean kafka = kafkaReachable(clients);
        n.put("kafka_reachable", kafka);
        if (kafka) {
            // Records not processed yet: the migrator's on the keys topic, the verifier's on results.
            try (Admin admin = clients.admin()) {
                ObjectNode lag = n.putObject("lag");
                lag.put("migrator", RunStatus.lag(clients, admin, clients.migratorApplicationId(run), Topics.KEYS));
                lag.put("verifier", RunStatus.lag(clients, admin, clients.verifierGroupId(run), Topics.RESULTS));
            } catch (Exception e) {
                n.remove("lag"); // a health check answers; what it cannot tell it leaves out
            }
        }
        boolean up = kafka && (source == null || sourcePing >= 0) && (target == null || targetPing >= 0);
        n.put("status", up ? "up" : "degraded");
        return n.toString();
    }

    private static long ping(RedisStore store) {
        if (store == null) {
            return -1;
        }
        try {
            return store.pingMillis();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static boolean kafkaReachable(KafkaClients clients) {
        try (Admin admin = clients.admin()) {
            admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
