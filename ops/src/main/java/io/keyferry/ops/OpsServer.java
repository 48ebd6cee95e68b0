package io.keyferry.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The HTTP endpoints each role serves with {@code --http-port}: {@code /metrics} (Prometheus
 * text), {@code /health} (JSON from the role: run, mode, pings, Kafka) and {@code /ready} (200
 * once the role is working, 503 before). Plain JDK server: no framework for three GETs.
 */
public final class OpsServer implements AutoCloseable {
    private final HttpServer server;

    private OpsServer(HttpServer server) {
        this.server = server;
    }

    /**
     * @param health a JSON document; it must hold no password (the caller redacts URLs)
     */
    public static OpsServer start(int port, PrometheusMetrics metrics, Supplier<String> health, BooleanSupplier ready)
            throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(port), 0);
        s.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "keyferry-http");
            t.setDaemon(true);
            return t;
        }));
        s.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        s.createContext("/health", ex -> send(ex, 200, "application/json", health.get()));
        s.createContext("/ready", ex -> {
            boolean ok = ready.getAsBoolean();
            send(ex, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready\n");
        });
        s.start();
        return new OpsServer(s);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
