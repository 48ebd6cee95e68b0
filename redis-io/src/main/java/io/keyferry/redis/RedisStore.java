package io.keyferry.redis;

import io.keyferry.core.config.RedisEndpoint;
import io.keyferry.core.hash.KeyValue;
import io.keyferry.core.model.KeyType;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.lettuce.core.RedisCommandExecutionException;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One Redis endpoint as the roles see it: atomic snapshots of a key, atomic create-if-absent,
 * replace and delete, big keys copied in windows, SCAN pages and a ping. This class only connects
 * and hands each call to the class that does it: {@link RedisConnections} (clients, connections,
 * page pipes), {@link Reads}, {@link Writes}, {@link Chunks} (big keys), {@link Scanning} and
 * {@link RequiredCommands}; they send the Lua scripts through {@link Scripts} and decode the
 * replies with {@link Replies}.
 *
 * <p>The methods ending in {@code Async} queue their commands on this thread's page connection:
 * nothing is sent before {@link #flush()}, so a caller queues a whole page of keys, flushes, then
 * waits — one round trip instead of one per key. Each future fails on its own (a key's error is
 * that key's, not the page's); a caller that waits before flushing waits until the command
 * timeout.
 */
public final class RedisStore implements AutoCloseable {
    private final RedisEndpoint endpoint;
    private final RedisConnections connections;
    private final Chunks chunks;
    private final Reads reads;
    private final Writes writes;
    private final Scanning scanning;

    private RedisStore(RedisEndpoint endpoint, RedisConnections connections, Chunking chunking) {
        this.endpoint = endpoint;
        this.connections = connections;
        Scripts scripts = new Scripts(connections);
        // for the absolute expiries the create, restore and move-into-place scripts set
        ServerClock clock = new ServerClock(connections.sync()::time, System::currentTimeMillis);
        this.chunks = new Chunks(connections.sync(), connections.async(), chunking, scripts, clock);
        this.reads = new Reads(connections, scripts, chunking, chunks);
        this.writes = new Writes(connections, scripts, clock, chunking, reads);
        this.scanning = new Scanning(connections);
    }

    /** Connects and checks the server answers; the error names the option and never the password. */
    public static RedisStore connect(RedisEndpoint endpoint) {
        return connect(endpoint, Chunking.DEFAULT);
    }

    /** As {@link #connect(RedisEndpoint)}, with other limits for what counts as a big key. */
    public static RedisStore connect(RedisEndpoint endpoint, Chunking chunking) {
        return new RedisStore(endpoint, RedisConnections.connect(endpoint), chunking);
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    public long pingMillis() {
        long t0 = System.nanoTime();
        connections.sync().ping();
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** How many keys the server holds (DBSIZE; on a cluster, its masters' together). */
    public long dbsize() {
        return connections.sync().dbsize();
    }

    /**
     * The commands a copy mode needs that this server does not offer (disabled with
     * rename-command, or too old), lower case and sorted; empty when all are there.
     * A server that refuses COMMAND itself cannot be checked and also gives an empty set:
     * keyferry does not need COMMAND, so that alone must not stop a run.
     */
    public Set<String> missingCommands(boolean dumpMode) {
        return RequiredCommands.missing(connections.sync(), endpoint.option(), dumpMode);
    }

    // ---- reads --------------------------------------------------------------------------

    /**
     * Type, TTL and whole value of {@code key}, read in one atomic step; for a big key (see
     * {@link Chunking}) only its type and TTL, and {@link Snapshot#big()}.
     */
    public Snapshot read(RedisKey key) {
        return reads.read(key);
    }

    /**
     * DUMP mode's read: type, TTL, DUMP payload and the struct value, all from one atomic script,
     * so the payload that is restored is exactly the value that is hashed.
     *
     * @return for a missing key an absent snapshot and a null payload
     */
    public DumpSnapshot readDump(RedisKey key) {
        return reads.readDump(key);
    }

    /**
     * {@link #read(RedisKey)} of each key, queued until {@link #flush()}, in as few script calls
     * as the server allows: up to {@value Scripts#BATCH} keys per call on a standalone server (the
     * per-call work of client and server is then paid once per batch, not per key), one per key on
     * a cluster, whose keys live in different slots. A failed call fails each of its keys.
     *
     * @param keys null where nothing is to be read
     * @return one future per key, in order; null where the key is null
     */
    public List<CompletableFuture<Snapshot>> readAllAsync(List<RedisKey> keys) {
        return reads.readAllAsync(keys);
    }

    /**
     * {@link #readDump(RedisKey)} of each key, batched as {@link #readAllAsync(List)}. The server
     * sends each key's payload without its value, which is read from the payload here
     * ({@link DumpPayload}); a key whose payload this cannot read is read again whole, on its own.
     */
    public List<CompletableFuture<DumpSnapshot>> readDumpAllAsync(List<RedisKey> keys) {
        return reads.readDumpAllAsync(keys);
    }

    /** Size and canonical hash of {@code key} as it is now, a big key read in windows. */
    public Side side(RedisKey key) {
        return reads.side(key, reads.read(key));
    }

    /** The side of a snapshot of {@code key}: a big key's is read now, in windows. */
    public Side side(RedisKey key, Snapshot snapshot) {
        return reads.side(key, snapshot);
    }

    /**
     * As {@link #side(RedisKey, Snapshot)}, reusing the size and hash of {@code like} (whose side
     * is {@code likeSide}) when the snapshot holds exactly its bytes — what a read-back or a
     * verifier's second look usually finds, and hashing is the costly part of both.
     */
    public Side side(RedisKey key, Snapshot snapshot, Snapshot like, Side likeSide) {
        return reads.side(key, snapshot, like, likeSide);
    }

    /**
     * What --derive reads a name from: the snapshot's value, or of a hash too big to read whole,
     * just the fields {@code fields} (a big string has nothing to offer: JSON that size is not parsed).
     */
    public KeyValue valueToName(RedisKey key, Snapshot snapshot, List<byte[]> fields) {
        return reads.valueToName(key, snapshot, fields);
    }

    // ---- writes -------------------------------------------------------------------------

    /**
     * Creates {@code key} with {@code value} and TTL only if it does not exist, atomically.
     *
     * @return false when the key already existed (it is left untouched)
     */
    public boolean createIfAbsent(RedisKey key, KeyValue value, long ttlMs) {
        return writes.createIfAbsent(key, value, ttlMs);
    }

    /**
     * Replaces {@code key} with {@code value} and TTL only if it still holds exactly the value
     * whose DUMP payload is {@code expected}, atomically: readers see the old value or the new one,
     * never a mix and never a missing key.
     *
     * @return false when the key changed (or vanished) since {@code expected} was read
     */
    public boolean replace(RedisKey key, KeyValue value, long ttlMs, byte[] expected) {
        return writes.replace(key, value, ttlMs, expected);
    }

    /**
     * Restores {@code key} from a DUMP payload only if it is absent, atomically: an application's
     * key is never overwritten.
     *
     * @param ttlMs remaining TTL; {@code <= 0} restores a persistent key (as {@link #createIfAbsent})
     * @return false when the key already existed; it is left untouched
     * @throws RedisCommandExecutionException for any other refusal, e.g. a payload from another
     *                                        Redis version ("DUMP payload version or checksum are wrong")
     */
    public boolean restoreIfAbsent(RedisKey key, byte[] payload, long ttlMs) {
        return writes.restoreIfAbsent(key, payload, ttlMs);
    }

    /**
     * Replaces {@code key} with a DUMP payload only if it still holds exactly the value whose
     * DUMP payload is {@code expected}, atomically: readers see the old value or the new one.
     *
     * @return false when the key changed (or vanished) since {@code expected} was read
     */
    public boolean restoreReplacing(RedisKey key, byte[] payload, long ttlMs, byte[] expected) {
        return writes.restoreReplacing(key, payload, ttlMs, expected);
    }

    /**
     * Deletes {@code key} only if it still holds exactly the value whose DUMP payload is
     * {@code expected}, atomically.
     *
     * @return false when it changed (or is gone) since {@code expected} was read
     */
    public boolean deleteIf(RedisKey key, byte[] expected) {
        return writes.deleteIf(key, expected);
    }

    /**
     * {@link #replace} of one key of a page ({@code expected} null: only if absent), queued until
     * {@link #flush()}: a page's writes go in one round trip.
     */
    public CompletableFuture<Boolean> replaceAsync(RedisKey key, KeyValue value, long ttlMs, byte[] expected) {
        return writes.replaceAsync(key, value, ttlMs, expected);
    }

    /** {@link #restoreReplacing} of one key of a page ({@code expected} null: only if absent), queued until {@link #flush()}. */
    public CompletableFuture<Boolean> restoreReplacingAsync(RedisKey key, byte[] payload, long ttlMs, byte[] expected) {
        return writes.restoreReplacingAsync(key, payload, ttlMs, expected);
    }

    /** {@link #deleteIf} of one key of a page, queued until {@link #flush()}. */
    public CompletableFuture<Boolean> deleteIfAsync(RedisKey key, byte[] expected) {
        return writes.deleteIfAsync(key, expected);
    }

    /**
     * {@link #createIfAbsent} of each key, queued until {@link #flush()}, in as few script calls
     * as the server allows (as {@link #readAllAsync(List)}); each key's create is atomic and its
     * failure its own. A key created by a batched call comes with its TTL, read in the same step
     * (see {@link Written}).
     *
     * @return one future per key, in order
     */
    public List<CompletableFuture<Written>> createAllIfAbsentAsync(List<RedisKey> keys, List<KeyValue> values, List<Long> ttlMs) {
        return writes.createAllIfAbsentAsync(keys, values, ttlMs);
    }

    /**
     * {@link #restoreIfAbsent} of each key, batched as {@link #createAllIfAbsentAsync}, each with
     * its read-back taken in the same call where the server allows (see {@link Written}).
     *
     * @return one future per key, in order
     */
    public List<CompletableFuture<Written>> restoreAllIfAbsentAsync(List<RedisKey> keys, List<byte[]> payloads, List<Long> ttlMs) {
        return writes.restoreAllIfAbsentAsync(keys, payloads, ttlMs);
    }

    /** Sends what the {@code Async} methods have queued on this thread. */
    public void flush() {
        connections.flush();
    }

    // ---- big keys -----------------------------------------------------------------------

    /**
     * Copies a big key of this store to {@code target}, in windows, under a temporary name that is
     * moved into place atomically, and only if {@code targetKey} is then still as expected.
     *
     * @param expected null: the target must be absent; else the DUMP payload it must still hold (a replace)
     * @return false when the target was not as expected (it is left untouched, nothing stays behind)
     */
    public boolean copyBig(RedisKey key, Snapshot src, RedisStore target, RedisKey targetKey, byte[] expected) {
        return chunks.copy(key, src, target.chunks, targetKey, expected);
    }

    /**
     * Rollback of a big key: if it still has the content {@code written}, replace it by the DUMP
     * payload {@code previous} (TTL {@code ttlMs}), or delete it when there is none. Unlike the
     * whole-value path this is not one atomic compare-and-act — a big key's content cannot be
     * compared inside one script — so a write between the check and the act is lost.
     *
     * @return false when the key no longer holds {@code written}; it is left alone
     */
    public boolean undoBig(RedisKey key, Side written, byte[] previous, long ttlMs) {
        return writes.undoBig(key, written, previous, ttlMs);
    }

    // ---- SCAN ---------------------------------------------------------------------------

    /**
     * The servers a SCAN must walk, as names for {@link #scan(String, String, String, KeyType, int)}:
     * {@code ""} for a standalone server; on a cluster one per master that serves slots, named by
     * its node id and the slots it serves, read afresh. A master that replaced a failed one, or
     * whose slots changed, gets a new name: a cursor of another node (or of other slots) means
     * nothing to it, so its walk starts over (publishing only slots no walk has covered: see
     * {@link #steadySlots}).
     */
    public List<String> scanNodes() {
        return scanning.scanNodes();
    }

    /** One SCAN page of a standalone server. {@code match} and {@code type} may be null. */
    public ScanPage scan(String cursor, String match, KeyType type, int count) {
        return scanning.scan("", cursor, match, type, count);
    }

    /** One SCAN page of one server of {@link #scanNodes()}. {@code match} and {@code type} may be null. */
    public ScanPage scan(String node, String cursor, String match, KeyType type, int count) {
        return scanning.scan(node, cursor, match, type, count);
    }

    /**
     * Only on a cluster: the slots whose keys the node {@code node} (a {@link #scanNodes()} name)
     * holds now and does not have MIGRATING or IMPORTING, as it says itself. A walk of the node
     * sees every key of those slots only while they stay so (see {@code Scanner}).
     */
    public java.util.BitSet steadySlots(String node) {
        return scanning.slotView(node).steady();
    }

    /**
     * Only on a cluster: per slot (16384), the masters holding its keys now; null for a slot no
     * master serves. Equal entries of two calls mean the slot did not move in between.
     */
    public List<SlotHolders> slotHolders() {
        return java.util.Arrays.asList(scanning.slotHolders());
    }

    /** Only on a cluster: the keys of {@code slot} on the master {@code nodeId} now (CLUSTER GETKEYSINSLOT). */
    public List<RedisKey> keysInSlot(String nodeId, int slot) {
        return scanning.keysInSlot(nodeId, slot);
    }

    /** The key's type now, {@code none} when it is absent (on a cluster asked of its slot's master, following ASK/MOVED). */
    public String type(RedisKey key) {
        return scanning.type(key);
    }

    /**
     * Every key matching {@code match} (and {@code type}; both may be null) on every server, each
     * once: SCAN may return a key twice, which is filtered out here at the cost of remembering them.
     */
    public void forEachKey(String match, KeyType type, int count, Consumer<RedisKey> each) {
        scanning.forEachKey(match, type, count, each);
    }

    @Override
    public void close() {
        connections.close();
    }
}
