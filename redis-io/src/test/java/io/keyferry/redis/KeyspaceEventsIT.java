package io.keyferry.redis;

import io.keyferry.core.config.ConfigException;
import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.model.RedisKey;
import io.keyferry.local.RedisProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source's key-space notifications: refused without the setting they need (unless told to set
 * it), every change of every kind heard with its key byte for byte, and a server restart heard as
 * a new subscription, with the setting the restart lost set again.
 */
class KeyspaceEventsIT {
    private RedisProcess server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> app;

    @BeforeEach
    void start() {
        server = RedisProcess.start();
        client = RedisClient.create(server.uri());
        app = client.connect();
    }

    @AfterEach
    void stop() {
        app.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        server.close();
    }

    private static final class Heard implements KeyspaceEvents.Listener {
        final AtomicInteger subscriptions = new AtomicInteger();
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        volatile RuntimeException failure;

        @Override
        public void subscribed() {
            subscriptions.incrementAndGet();
        }

        @Override
        public void changed(RedisKey key, String event) {
            events.add(event + " " + key);
        }

        @Override
        public void failed(RuntimeException e) {
            failure = e;
        }

        List<String> next(int n) throws InterruptedException {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String e = events.poll(10, TimeUnit.SECONDS);
                assertNotNull(e, "event " + (i + 1) + " of " + n + " after " + out);
                out.add(e);
            }
            return out;
        }
    }

    private RedisEndpoint source() {
        return RedisEndpoint.parse("--source", server.uri(), false);
    }

    @Test
    void aServerWithoutKeySpaceNotificationsIsRefusedNamingTheSettingAndLeftAsItWas() {
        ConfigException e = assertThrows(ConfigException.class, () -> KeyspaceEvents.subscribe(source(), false, new Heard()));
        assertEquals("--source: the server's notify-keyspace-events is '', which lacks 'Kg$lshztxe': following its changes "
                + "needs 'Kg$lshztxe' (CONFIG SET notify-keyspace-events Kg$lshztxe), or give --set-notify-config", e.getMessage());
        assertEquals("", app.sync().configGet("notify-keyspace-events").get("notify-keyspace-events"));
    }

    @Test
    void everyKindOfChangeIsHeardWithItsKeyAndARestartIsANewSubscriptionWithTheSettingSetAgain() throws Exception {
        app.sync().configSet("notify-keyspace-events", "Ex");
        Heard heard = new Heard();
        try (KeyspaceEvents events = KeyspaceEvents.subscribe(source(), true, heard)) {
            assertEquals(1, heard.subscriptions.get());
            String setting = app.sync().configGet("notify-keyspace-events").get("notify-keyspace-events");
            assertTrue(setting.contains("E") && new io.keyferry.core.follow.NotifyFlags(setting).missing().isEmpty(),
                    "the setting keeps E and gains what following needs: " + setting);

            app.sync().set("job:1", "a");
            app.sync().append("job:1", "b");
            app.sync().hset("job:2", "f", "v");
            app.sync().rpush("jobs:list", "x");
            app.sync().sadd("jobs:set", "m");
            app.sync().zadd("jobs:z", 1.0, "m");
            app.sync().xadd("jobs:stream", java.util.Map.of("f", "v"));
            app.sync().rename("job:1", "job:one");
            app.sync().del("job:2");
            app.sync().set("job:short", "v", io.lettuce.core.SetArgs.Builder.px(50));
            assertEquals(List.of("set job:1", "append job:1", "hset job:2", "rpush jobs:list", "sadd jobs:set",
                    "zadd jobs:z", "xadd jobs:stream", "rename_from job:1", "rename_to job:one", "del job:2",
                    "set job:short", "expire job:short"), heard.next(12));
            assertEquals(List.of("expired job:short"), heard.next(1), "an expiry is a change too");

            server.restart();
            // Lettuce may reconnect more than once while the server goes down and comes back; a
            // write is heard again once the setting the restart lost is back and the subscription
            // stands (the server starts with none: without it being set again nothing is heard).
            String after = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                while (after == null && System.nanoTime() < deadline) {
                    c.sync().set("job:after", "v");
                    after = heard.events.poll(200, TimeUnit.MILLISECONDS);
                }
            }
            assertEquals("set job:after", after, "subscriptions " + heard.subscriptions.get() + ", failure " + heard.failure);
            assertTrue(heard.subscriptions.get() >= 2, "the restart is heard: what changed meanwhile is not known");
            assertEquals(null, heard.failure);
        }
    }
}
