package io.keyferry.cli;

import io.keyferry.testsupport.TestKafka;
import io.keyferry.testsupport.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * keyferry against redis-servers that speak TLS only to it (certificates made here by openssl) and
 * let it in only as an ACL user limited to the migrated key patterns, its password in a file.
 * The plain port each server keeps is for the test's own set-up and assertions.
 */
class TlsAclIT {
    private static final String PASSWORD = "Tls-Acl-s3cret";
    private static final AtomicInteger RUNS = new AtomicInteger();

    @TempDir
    static Path tmp;
    private static TestKafka kafka;
    private static TestRedis source;
    private static TestRedis target;
    private static int sourceTls;
    private static int targetTls;
    private static Path ca;
    private static Path otherCa;
    private static Path passwordFile;

    @BeforeAll
    static void start() throws Exception {
        Path certs = Files.createDirectories(tmp.resolve("certs"));
        ca = certificateAuthority(certs, "ca");
        otherCa = certificateAuthority(certs, "other-ca");
        Files.writeString(certs.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        openssl(certs, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
                "/CN=127.0.0.1");
        openssl(certs, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
        passwordFile = Files.writeString(tmp.resolve("redis-password"), PASSWORD + "\n");

        kafka = TestKafka.start();
        sourceTls = freePort();
        source = TestRedis.start(tlsArgs(certs, sourceTls));
        targetTls = freePort();
        target = TestRedis.start(tlsArgs(certs, targetTls));
        for (TestRedis redis : List.of(source, target)) {
            // the user may touch only the keys of the migration, and nothing else
            redis.strings().aclSetuser("migrator", io.lettuce.core.AclSetuserArgs.Builder.on().addPassword(PASSWORD)
                    .keyPattern("job:*").keyPattern("step:*").allCommands());
        }
    }

    @AfterAll
    static void stop() {
        source.close();
        target.close();
        kafka.close();
    }

    private static String[] tlsArgs(Path certs, int tlsPort) {
        return new String[] {"--tls-port", Integer.toString(tlsPort), "--tls-cert-file", certs.resolve("server.pem").toString(),
                "--tls-key-file", certs.resolve("server.key").toString(), "--tls-ca-cert-file", ca.toString(),
                "--tls-auth-clients", "no"};
    }

    private static Path certificateAuthority(Path dir, String name) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".pem",
                "-days", "2", "-subj", "/CN=keyferry " + name);
        return dir.resolve(name + ".pem");
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl took too long");
        assertEquals(0, p.exitValue(), () -> "openssl " + String.join(" ", args) + " failed: " + log(dir));
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("openssl.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String run() {
        return "tls-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
    }

    private static String kafkaArgs() {
        return " --bootstrap-servers " + kafka.bootstrapServers() + " --state-dir " + tmp.resolve("state");
    }

    @Test
    void aMigrationRunsOverTlsAsAnAclUserWhosePasswordIsInAFileAndNeverShowsIt() throws Exception {
        source.strings().flushall();
        target.strings().flushall();
        for (int i = 0; i < 20; i++) {
            source.strings().hset("job:" + i, "status", "done-" + i);
        }
        source.strings().set("billing:1", "not the migrator's");
        Path report = tmp.resolve("tls-report.csv");

        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor ops --match job:* --rename 'job:{id} -> step:{id}'"
                + " --source rediss://migrator@127.0.0.1:" + sourceTls + " --source-ca-file " + ca
                + " --source-password-file " + passwordFile
                + " --target rediss://migrator@localhost:" + targetTls + " --target-ca-file " + ca
                + " --target-password-file " + passwordFile
                + " --report " + report + kafkaArgs());

        assertEquals(0, o.exitCode(), o.toString());
        assertEquals(20, o.count("copied"));
        assertEquals(20, o.count("verdict_match"));
        assertEquals(20L, target.strings().dbsize());
        assertEquals("done-7", target.strings().hget("step:7", "status"));
        String everything = o.out() + o.err() + Files.readString(report);
        assertFalse(everything.contains(PASSWORD), o.toString());
    }

    @Test
    void theAclUserCannotReachKeysOutsideItsPatterns() {
        Cli.Outcome o = Cli.run("run --run " + run() + " --execute --actor ops --key billing:1"
                + " --source rediss://migrator@127.0.0.1:" + sourceTls + " --source-ca-file " + ca
                + " --source-password-file " + passwordFile
                + " --target rediss://migrator@127.0.0.1:" + targetTls + " --target-insecure"
                + " --target-password-file " + passwordFile + kafkaArgs());

        assertEquals(2, o.exitCode(), o.toString());
        assertEquals(1, o.count("errors"));
        assertTrue(o.err().contains("--target-insecure: the certificate of 127.0.0.1:" + targetTls + " is not verified"),
                o.toString());
        assertFalse((o.out() + o.err()).contains(PASSWORD), o.toString());
    }

    @Test
    void aCaThatDidNotSignTheServersCertificateFailsInOneLineNamingTheOptions() {
        Cli.Outcome o = Cli.run("scan --run " + run() + " --match job:*"
                + " --source rediss://migrator@127.0.0.1:" + sourceTls + " --source-ca-file " + otherCa
                + " --source-password-file " + passwordFile + kafkaArgs());

        assertEquals(1, o.exitCode(), o.toString());
        String err = o.err().strip();
        assertEquals(1, err.lines().count(), o.toString());
        // a lone name before '@' could be a secret to anyone reading text, so it is masked too
        assertTrue(err.startsWith("keyferry: --source: cannot connect to rediss://***@127.0.0.1:" + sourceTls), err);
        assertTrue(err.endsWith("check --source-ca-file"), err);
        assertFalse(err.contains(PASSWORD), err);
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheEndpointWithoutShowingIt() throws Exception {
        Path wrong = Files.writeString(tmp.resolve("wrong-password"), "not-" + PASSWORD);
        Cli.Outcome o = Cli.run("scan --run " + run() + " --match job:*"
                + " --source rediss://migrator@127.0.0.1:" + sourceTls + " --source-ca-file " + ca
                + " --source-password-file " + wrong + kafkaArgs());

        assertEquals(1, o.exitCode(), o.toString());
        assertTrue(o.err().startsWith("keyferry: --source: cannot connect"), o.toString());
        assertFalse(o.err().contains(PASSWORD), o.toString());
    }
}
