package io.keyferry.producer;

import io.keyferry.core.config.ScanConfig;
import io.keyferry.core.json.Json;
import io.keyferry.core.metrics.Metrics;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.ScanProgress;
import io.keyferry.core.rate.RateLimiter;
import io.keyferry.kafka.KafkaClients;
import io.keyferry.kafka.ProgressTopic;
import io.keyferry.kafka.Sends;
import io.keyferry.kafka.Topics;
import io.keyferry.redis.RedisStore;
import io.keyferry.redis.ScanPage;
import io.keyferry.redis.SlotHolders;
import io.keyferry.redis.SlotRanges;
import io.keyferry.core.rules.Glob;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * The producer role: walks the source (SCAN passes, or an explicit key list) and publishes one key
 * reference per key on {@code <prefix>.keys}. After each page is acknowledged by Kafka it writes a
 * checkpoint, so a scanner killed at any moment resumes from its last page: references may repeat,
 * none are missed.
 */
public final class Scanner {
    private static final Logger LOG = LoggerFactory.getLogger(Scanner.class);
    /**
     * Key references per keys-topic record: the migrator handles a record's keys together, with
     * one round trip to each Redis for all of them, so pages make it fast; small enough that a
     * replica paced by --rps finishes one and polls again (to rebalance, to commit) soon.
     */
    static final int PAGE_KEYS = 100;

    private final ScanConfig config;
    private final RedisStore source;
    private final KafkaClients clients;
    private final ProgressTopic progress;
    private final String scannerId;

    private final Metrics metrics;
    private Map<Integer, Long> keysFrom = Map.of();
    private int alignedTo;

    public Scanner(ScanConfig config, RedisStore source, KafkaClients clients, Metrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.source = source;
        this.clients = clients;
        this.progress = new ProgressTopic(clients);
        this.scannerId = config.scannerId() != null ? config.scannerId() : defaultId(config);
    }

    /**
     * The same selection gets the same id, so a restarted scanner finds its own checkpoint, and
     * two scanners with different selections (e.g. one per workspace) do not share one.
     */
    public static String defaultId(ScanConfig c) {
        StringBuilder sel = new StringBuilder();
        c.matches().forEach(m -> sel.append("m:").append(m).append('\n'));
        c.types().stream().map(KeyType::wire).sorted().forEach(t -> sel.append("t:").append(t).append('\n'));
        c.keys().forEach(k -> sel.append("k:").append(HexFormat.of().formatHex(k.unsafeBytes())).append('\n'));
        sel.append("max:").append(c.maxKeys());
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sel.toString().getBytes(StandardCharsets.UTF_8));
            return (c.workspace() == null ? "all" : c.workspace()) + "-" + HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String id() {
        return scannerId;
    }

    /**
     * Publishes each reference on the partition a record keyed by its key goes to, as a
     * {@link Follower}'s are: a page holds keys of one partition only. Then one migrator task sees
     * every reference of a key, snapshot and changes, in the order they were published, and no two
     * copies of one key race. Pages get smaller (a SCAN batch is split {@code partitions} ways).
     */
    public Scanner alignedTo(int partitions) {
        this.alignedTo = partitions;
        return this;
    }

    /** The partition Kafka's default partitioner picks for a record keyed by {@code key}. */
    public static int partitionOf(RedisKey key, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key.unsafeBytes()))
                % partitions;
    }

    /** Scans to the end (or until {@code stop} says so) and returns the last progress written. */
    public ScanProgress run(BooleanSupplier stop) {
        ScanProgress state = progress.scanners(config.run()).get(scannerId);
        if (state != null && state.done()) {
            LOG.info("scan {} of run {} already complete: {} key references", scannerId, config.run(), state.published());
            return state;
        }
        Map<String, String> cursors = new LinkedHashMap<>(state == null ? Map.of() : state.cursors());
        Map<Integer, Long> lastOffsets = new HashMap<>(state == null ? Map.of() : state.lastOffsets());
        // A scanner's references lie above where the keys topic ended when it first started: the
        // report's check that every published key has a verdict reads them from there.
        keysFrom = state == null ? progress.keysEnd() : state.keysFrom();
        long published = state == null ? 0 : state.published();
        if (state != null) {
            LOG.info("resuming scan {} of run {} after {} key references", scannerId, config.run(), published);
        }
        RateLimiter limiter = new RateLimiter(config.rps());
        String keysTopic = clients.topic(Topics.KEYS);
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("keyferry-scan-" + config.run() + "-" + scannerId)) {
            Publisher out = new Publisher(producer, keysTopic, limiter, cursors, lastOffsets, published);
            state = out.checkpoint(false);
            List<String> nodes = nodes();
            boolean cluster = !nodes.isEmpty() && !nodes.get(0).isEmpty();
            for (String node : nodes) {
                for (String pass : passes()) {
                    String at = node.isEmpty() ? pass : pass + "@" + node;
                    String cursor = cursors.getOrDefault(at, "");
                    BitSet covered = cluster ? covered(cursors, pass) : null;
                    // the slots this walk may publish: on a cluster, those the node serves without
                    // moving them, from the walk's start to now, and no earlier walk covered
                    BitSet walk = null;
                    if (cluster && !"0".equals(cursor)) {
                        walk = source.steadySlots(node);
                        walk.andNot(covered);
                        if (walk.isEmpty()) {
                            continue; // every slot of it was walked on another node (a failover's old master)
                        }
                    }
                    Map<Integer, Set<RedisKey>> walked = new HashMap<>();
                    remembered = 0;
                    while (!"0".equals(cursor)) { // "0": this walk is done (maybe before a restart)
                        if (stop.getAsBoolean()) {
                            return state;
                        }
                        ScanPage page = page(pass, node, cursor.isEmpty() ? "0" : cursor);
                        List<RedisKey> keys = page.keys();
                        if (cluster) {
                            keys = steadyKeys(pass, node, keys, walk, walked);
                        }
                        cursor = page.cursor();
                        cursors.put(at, cursor);
                        if ("0".equals(cursor) && cluster) {
                            covered.or(walk); // every key of these slots was on the node for the whole walk
                            cursors.put(pass + COVERED, SlotRanges.of(covered));
                        }
                        if (out.send(keys)) {
                            return out.finish();
                        }
                        state = out.checkpoint(false);
                        LOG.debug("scan {} page done: {} keys, cursor {}", scannerId, keys.size(), cursor);
                    }
                }
            }
            if (cluster) {
                for (String pass : passes()) {
                    if (walkSlotsLeft(pass, cursors, out, stop)) {
                        return out.finish();
                    }
                    if (stop.getAsBoolean()) {
                        return out.last;
                    }
                }
            }
            return out.finish();
        }
    }

    /** The entry of {@link ScanProgress#cursors()} that holds a pass's covered slots, as ranges. */
    static final String COVERED = "#covered";
    private static final int SLOTS = 16_384;

    /**
     * Slots whose keys a walk cannot vouch for, by pass: those that stopped being served steadily
     * by the node being walked, and the keys of theirs it had published (so the slot's own walk
     * does not publish them again).
     */
    private final Map<String, Map<Integer, Set<RedisKey>>> unsteady = new HashMap<>();

    /**
     * A page of a cluster node's walk, keeping the keys of slots the node has served without moving
     * them since its walk began (asked after the page: a slot that moved during it is no longer in
     * {@code walk}). A slot that stops being so is left to {@link #walkSlotsLeft}, with the keys of it
     * this walk has published. A key SCAN returns twice in one walk is published once.
     */
    private List<RedisKey> steadyKeys(String pass, String node, List<RedisKey> keys, BitSet walk,
                                      Map<Integer, Set<RedisKey>> walked) {
        BitSet steady = source.steadySlots(node);
        BitSet lost = (BitSet) walk.clone();
        lost.andNot(steady);
        if (!lost.isEmpty()) {
            LOG.info("scan {}: {} slots of {} moved or are moving during its walk; their keys will be read slot by slot",
                    scannerId, lost.cardinality(), node.substring(0, node.indexOf('/')));
            Map<Integer, Set<RedisKey>> left = unsteady.computeIfAbsent(pass, p -> new HashMap<>());
            lost.stream().forEach(slot -> left.put(slot, walked.getOrDefault(slot, new HashSet<>())));
            walk.andNot(lost);
        }
        List<RedisKey> out = new ArrayList<>(keys.size());
        for (RedisKey k : keys) {
            int slot = SlotHolders.slotOf(k);
            if (!walk.get(slot)) {
                continue;
            }
            Set<RedisKey> mine = walked.computeIfAbsent(slot, x -> new HashSet<>());
            if (remembered < WALK_MEMORY) {
                if (mine.add(k)) {
                    remembered++;
                    out.add(k);
                }
            } else if (!mine.contains(k)) {
                out.add(k); // past the bound: published without being remembered (see WALK_MEMORY)
            }
        }
        return out;
    }

    /**
     * The most keys a cluster node's walk remembers (about 100 bytes each), so that a slot moved
     * during the walk is not published twice. Past it, the keys of such a slot that the walk
     * published come again from the slot's own walk: duplicates (an {@code already_match} of the
     * run's own copy), never a key missed.
     */
    static final int WALK_MEMORY = 500_000;
    private int remembered;

    /**
     * After every node's walk: the slots no walk covered (moved during the scan, or served by a
     * node that was not walked), read slot by slot from the masters holding their keys (CLUSTER
     * GETKEYSINSLOT; during a move, the old master first, then the new one, which a key only moves
     * to), skipping the keys already published. A slot is covered once the masters holding it were
     * the same before and after its keys were read; else it is read again.
     *
     * @return true when {@code --max-keys} was reached
     */
    private boolean walkSlotsLeft(String pass, Map<String, String> cursors, Publisher out, BooleanSupplier stop) {
        BitSet covered = covered(cursors, pass);
        Map<Integer, Set<RedisKey>> seen = unsteady.computeIfAbsent(pass, p -> new HashMap<>());
        String match = passMatch(pass);
        Glob glob = match == null ? null : Glob.of(match);
        KeyType type = passType(pass);
        while (covered.cardinality() < SLOTS) {
            List<SlotHolders> before = source.slotHolders();
            BitSet left = new BitSet(SLOTS);
            left.set(0, SLOTS);
            left.andNot(covered);
            LOG.info("scan {}: reading {} slots that moved during the scan, slot by slot", scannerId, left.cardinality());
            for (int slot = left.nextSetBit(0); slot >= 0; slot = left.nextSetBit(slot + 1)) {
                if (stop.getAsBoolean()) {
                    return false;
                }
                SlotHolders holders = before.get(slot);
                if (holders == null) {
                    continue; // served by no master: no keys to read
                }
                Set<RedisKey> published = seen.computeIfAbsent(slot, x -> new HashSet<>());
                List<RedisKey> keys = new ArrayList<>();
                for (String id : holders.inReadOrder()) {
                    for (RedisKey k : source.keysInSlot(id, slot)) {
                        if ((glob == null || glob.matches(k.unsafeBytes())) && !published.contains(k)
                                && (type == null || type.wire().equals(source.type(k)))) {
                            published.add(k);
                            keys.add(k);
                        }
                    }
                }
                if (out.send(keys)) {
                    return true;
                }
            }
            List<SlotHolders> after = source.slotHolders();
            for (int slot = left.nextSetBit(0); slot >= 0; slot = left.nextSetBit(slot + 1)) {
                if (java.util.Objects.equals(before.get(slot), after.get(slot))) {
                    covered.set(slot);
                    seen.remove(slot);
                }
            }
            cursors.put(pass + COVERED, SlotRanges.of(covered));
            out.checkpoint(false);
        }
        return false;
    }

    /** A pass's covered slots, as the checkpoint had them (kept in {@code cursors}, which the checkpoint writes). */
    private BitSet covered(Map<String, String> cursors, String pass) {
        return coveredByPass.computeIfAbsent(pass, p -> SlotRanges.parse(cursors.getOrDefault(p + COVERED, "")));
    }

    private final Map<String, BitSet> coveredByPass = new HashMap<>();

    /** Publishes pages of references and writes checkpoints: what a walk of a node and of a slot share. */
    private final class Publisher {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String keysTopic;
        private final RateLimiter limiter;
        private final Map<String, String> cursors;
        private final Map<Integer, Long> lastOffsets;
        private long published;
        private ScanProgress last;

        Publisher(KafkaProducer<byte[], byte[]> producer, String keysTopic, RateLimiter limiter, Map<String, String> cursors,
                  Map<Integer, Long> lastOffsets, long published) {
            this.producer = producer;
            this.keysTopic = keysTopic;
            this.limiter = limiter;
            this.cursors = cursors;
            this.lastOffsets = lastOffsets;
            this.published = published;
        }

        /** Publishes {@code keys} and waits for Kafka's acknowledgement; true when {@code --max-keys} is reached. */
        boolean send(List<RedisKey> keys) {
            boolean limitHit = false;
            if (config.maxKeys() > 0 && published + keys.size() >= config.maxKeys()) {
                keys = keys.subList(0, (int) Math.max(0, config.maxKeys() - published));
                limitHit = true;
            }
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            if (alignedTo > 0) {
                sendAligned(producer, keysTopic, keys, published, limiter, sends);
            } else {
                for (int from = 0; from < keys.size(); from += PAGE_KEYS) {
                    List<RedisKey> onePage = keys.subList(from, Math.min(from + PAGE_KEYS, keys.size()));
                    onePage.forEach(k -> limiter.acquire());
                    sends.add(producer.send(new ProducerRecord<>(keysTopic, onePage.get(0).bytes(),
                            Json.encodePage(config.run(), config.workspace(), scannerId, published + from, onePage))));
                }
            }
            producer.flush();
            for (Future<RecordMetadata> f : sends) {
                RecordMetadata md = Sends.await(f);
                lastOffsets.merge(md.partition(), md.offset(), Math::max);
            }
            published += keys.size();
            metrics.scanned(config.workspace(), keys.size());
            return limitHit;
        }

        ScanProgress checkpoint(boolean done) {
            last = Scanner.this.checkpoint(producer, cursors, published, done, lastOffsets);
            return last;
        }

        ScanProgress finish() {
            return Scanner.this.finish(producer, cursors, published, lastOffsets);
        }
    }

    /** A batch's keys by partition ({@link #alignedTo}), in pages of at most {@link #PAGE_KEYS}. */
    private void sendAligned(KafkaProducer<byte[], byte[]> producer, String keysTopic, List<RedisKey> keys, long published,
                             RateLimiter limiter, List<Future<RecordMetadata>> sends) {
        Map<Integer, List<RedisKey>> byPartition = new java.util.TreeMap<>();
        for (RedisKey k : keys) {
            byPartition.computeIfAbsent(partitionOf(k, alignedTo), p -> new ArrayList<>()).add(k);
        }
        long seq = published;
        for (Map.Entry<Integer, List<RedisKey>> e : byPartition.entrySet()) {
            List<RedisKey> all = e.getValue();
            for (int from = 0; from < all.size(); from += PAGE_KEYS) {
                List<RedisKey> onePage = all.subList(from, Math.min(from + PAGE_KEYS, all.size()));
                onePage.forEach(k -> limiter.acquire());
                sends.add(producer.send(new ProducerRecord<>(keysTopic, e.getKey(), onePage.get(0).bytes(),
                        Json.encodePage(config.run(), config.workspace(), scannerId, seq, onePage))));
                seq += onePage.size();
            }
        }
    }

    private ScanProgress finish(KafkaProducer<byte[], byte[]> producer, Map<String, String> cursors, long published,
                                Map<Integer, Long> lastOffsets) {
        ScanProgress end = checkpoint(producer, cursors, published, true, lastOffsets);
        LOG.info("scan {} of run {} complete: {} key references", scannerId, config.run(), published);
        return end;
    }

    private ScanProgress checkpoint(KafkaProducer<byte[], byte[]> producer, Map<String, String> cursors, long published,
                                    boolean done, Map<Integer, Long> lastOffsets) {
        ScanProgress p = new ScanProgress(config.run(), scannerId, config.workspace(), cursors, published, done,
                lastOffsets, System.currentTimeMillis(), keysFrom);
        progress.write(producer, p);
        return p;
    }

    /** The servers to walk: every master of a cluster; one for a standalone server or a key list. */
    private List<String> nodes() {
        return config.keys().isEmpty() ? source.scanNodes() : List.of("");
    }

    /** One pass per (match, type) pair, or a single pass over the explicit key list. */
    private List<String> passes() {
        if (!config.keys().isEmpty()) {
            return List.of("keys");
        }
        List<String> matches = config.matches().isEmpty() ? java.util.Collections.singletonList(null) : config.matches();
        List<KeyType> types = config.types().isEmpty() ? java.util.Collections.singletonList(null)
                : config.types().stream().sorted().toList();
        List<String> passes = new ArrayList<>();
        for (int m = 0; m < matches.size(); m++) {
            for (int t = 0; t < types.size(); t++) {
                passes.add("m" + m + "t" + t);
            }
        }
        return passes;
    }

    private String passMatch(String pass) {
        int m = Integer.parseInt(pass.substring(1, pass.indexOf('t')));
        return config.matches().isEmpty() ? null : config.matches().get(m);
    }

    private KeyType passType(String pass) {
        int t = Integer.parseInt(pass.substring(pass.indexOf('t') + 1));
        return config.types().isEmpty() ? null : config.types().stream().sorted().toList().get(t);
    }

    private ScanPage page(String pass, String node, String cursor) {
        if (pass.equals("keys")) {
            int from = Integer.parseInt(cursor);
            int to = Math.min(config.keys().size(), from + config.batch());
            return new ScanPage(config.keys().subList(from, to), to >= config.keys().size() ? "0" : Integer.toString(to));
        }
        String match = passMatch(pass);
        KeyType type = passType(pass);
        // A source that restarts or drops connections for a while: the same cursor again, for
        // about half a minute, before the scan gives up; other failures at once.
        try {
            return SCAN_RETRY.call(() -> source.scan(node, cursor, match, type, config.batch()), (attempt, e, ms) ->
                    LOG.warn("cannot scan the source yet ({}); retry {} of {} in {} ms",
                            io.keyferry.core.config.RedisEndpoint.redact(String.valueOf(e.getMessage())), attempt,
                            SCAN_ATTEMPTS - 1, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.keyferry.redis.RedisUnavailableException("interrupted while waiting to scan the source again", e);
        }
    }

    private static final int SCAN_ATTEMPTS = 10;
    private static final io.keyferry.core.rate.Retry SCAN_RETRY = io.keyferry.core.rate.Retry.upTo(SCAN_ATTEMPTS)
            .onlyIf(io.keyferry.redis.Transient::is);
}
