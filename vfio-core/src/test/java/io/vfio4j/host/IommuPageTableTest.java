package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class IommuPageTableTest {
    private final IommuPageTable table = new IommuPageTable();

    /** Inserts in order, keeping the table's contract (the caller finds the position). */
    private void put(long iova, long pfn, long pages, int prot) {
        table.insert(table.floor(iova) + 1, iova, pfn, pages, prot);
    }

    private List<long[]> entries() {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < table.size(); i++) {
            out.add(new long[] {table.iova(i), table.pfn(i), table.pages(i), table.prot(i)});
        }
        return out;
    }

    @Test
    void keepsUnsignedIovaOrderWhateverTheInsertOrder() {
        put(0x8000_0000_0000_0000L, 1, 1, 3);
        put(0x1000, 2, 1, 1);
        put(-0x1000L, 3, 1, 2);
        put(0x3000, 4, 2, 3);

        assertThat(entries())
                .containsExactly(
                        new long[] {0x1000, 2, 1, 1},
                        new long[] {0x3000, 4, 2, 3},
                        new long[] {0x8000_0000_0000_0000L, 1, 1, 3},
                        new long[] {-0x1000L, 3, 1, 2});
        assertThat(table.floor(0x2fff)).isZero();
        assertThat(table.floor(0xfff)).isEqualTo(-1);
        assertThat(table.floor(-1L)).isEqualTo(3);
        assertThat(table.lastIova(1, 12)).isEqualTo(0x4fff);
    }

    @Test
    void appendsThenFrontRemovalsThenRandomEditsMatchASortedMap() {
        TreeMap<Long, long[]> model = new TreeMap<>(Long::compareUnsigned);
        // MAP in IOVA order, then UNMAP in IOVA order: the gap buffer's common case, past growth.
        for (long k = 0; k < 5000; k++) {
            put(k << 12, 100 + k, 1, 3);
            model.put(k << 12, new long[] {k << 12, 100 + k, 1, 3});
        }
        for (long k = 0; k < 4000; k++) {
            table.remove(0);
            model.remove(k << 12);
        }
        assertMatches(model);
        Random rnd = new Random(11);
        for (int step = 0; step < 20_000; step++) {
            long iova = (long) rnd.nextInt(10_000) << 12;
            if (rnd.nextInt(3) > 0 && !model.containsKey(iova)) {
                put(iova, step, 1, 1 + rnd.nextInt(3));
                model.put(iova, new long[] {iova, step, 1, table.prot(table.floor(iova))});
            } else if (model.containsKey(iova)) {
                table.remove(table.floor(iova));
                model.remove(iova);
            }
            if (step % 1000 == 0) {
                assertMatches(model);
            }
        }
        assertMatches(model);
        while (table.size() > 0) {
            table.remove(table.size() - 1);
        }
        assertThat(table.floor(0)).isEqualTo(-1);
    }

    private void assertMatches(TreeMap<Long, long[]> model) {
        assertThat(table.size()).isEqualTo(model.size());
        assertThat(entries()).containsExactlyElementsOf(model.values());
        for (Map.Entry<Long, long[]> e : model.entrySet()) {
            assertThat(table.iova(table.floor(e.getKey() + 0xfff))).isEqualTo(e.getKey());
        }
    }
}
