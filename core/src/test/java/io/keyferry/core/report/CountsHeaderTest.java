package io.keyferry.core.report;

import io.keyferry.core.model.AuditRecord;
import io.keyferry.core.model.MismatchKind;
import io.keyferry.core.model.RedisKey;
import io.keyferry.core.model.Side;
import io.keyferry.core.model.SkipReason;
import io.keyferry.core.model.Status;
import io.keyferry.core.model.Verdict;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.keyferry.core.report.Fixtures.audit;
import static io.keyferry.core.report.Fixtures.copied;
import static io.keyferry.core.report.Fixtures.notApplicable;
import static io.keyferry.core.report.Fixtures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class CountsHeaderTest {

    @Test
    void aHeaderReadsBackAsTheVerdictsCounts() {
        AuditRecord a = audit(copied("run-ü", "k", 1_795_000_000_123L), Verdict.MISMATCH, MismatchKind.VALUE, 1_795_000_000_456L);
        CountsHeader.Counts c = CountsHeader.read(CountsHeader.of(a));
        assertEquals(new CountsHeader.Counts("run-ü", 1_795_000_000_123L, 1_795_000_000_122L, 1_795_000_000_456L,
                Status.COPIED, null, Verdict.MISMATCH), c);
        AuditRecord skipped = notApplicable(result("r", RedisKey.of("s"), null, Side.ABSENT, Side.ABSENT, Status.SKIPPED,
                SkipReason.OTHER_WORKSPACE, 90));
        CountsHeader.Counts s = CountsHeader.read(CountsHeader.of(skipped));
        assertEquals(SkipReason.OTHER_WORKSPACE, s.reason());
        assertEquals(Verdict.NOT_APPLICABLE, s.verdict());
    }

    @Test
    void aHeaderThisVersionCannotReadIsLeftToTheJson() {
        byte[] h = CountsHeader.of(audit(copied("run-1", "k", 100), Verdict.MATCH, null, 150));
        assertNotNull(CountsHeader.read(h));
        assertNull(CountsHeader.read(null));
        assertNull(CountsHeader.read(new byte[0]));
        byte[] other = h.clone();
        other[0] = 2;
        assertNull(CountsHeader.read(other), "another format");
        for (int len = 1; len < h.length; len++) {
            assertNull(CountsHeader.read(Arrays.copyOf(h, len)), "cut to " + len + " bytes");
        }
        assertNull(CountsHeader.read(Arrays.copyOf(h, h.length + 1)), "a byte too many");
        byte[] unknown = new String(h, StandardCharsets.ISO_8859_1).replace("match", "mXtch").getBytes(StandardCharsets.ISO_8859_1);
        assertNull(CountsHeader.read(unknown), "a verdict this version does not know");
        byte[] reasonWithoutSkip = new String(h, StandardCharsets.ISO_8859_1)
                .replace("\u0006copied\u0000", "\u0006copied\u0007no_rule").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(h.length + 7, reasonWithoutSkip.length);
        assertNull(CountsHeader.read(reasonWithoutSkip), "a reason without status skipped");
    }

    @Test
    void aRunNameTooLongForTheHeaderLeavesItOut() {
        assertNull(CountsHeader.of(audit(copied("r".repeat(256), "k", 100), Verdict.MATCH, null, 150)));
        assertNotNull(CountsHeader.of(audit(copied("r".repeat(255), "k", 100), Verdict.MATCH, null, 150)));
    }
}
