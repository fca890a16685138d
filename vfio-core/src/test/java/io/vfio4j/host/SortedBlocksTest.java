package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Model-based: random edits of a {@link SortedBlocks} checked against a {@link TreeMap} after every
 * step (floor, row by index, size) and in full at intervals, in several edit orders and sizes that
 * make blocks split, fill from either end, empty and merge.
 */
class SortedBlocksTest {
    /** Two fields: a key and a value derived from it, so a misplaced row is caught. */
    private static final class Table extends SortedBlocks {
        Table(boolean unsigned) {
            super(2, unsigned);
        }

        /** Large blocks of 1,024 rows from 2,000 rows on. */
        Table(boolean unsigned, boolean large) {
            super(2, unsigned, 4000, 2048);
        }
    }

    enum Order {
        RANDOM,
        ASCENDING,
        DESCENDING
    }

    @ParameterizedTest(name = "{0} order, {1} keys, unsigned={2}, seed {3}")
    @CsvSource({
        "RANDOM, 40, false, 1",
        "RANDOM, 3000, false, 2",
        "RANDOM, 3000, true, 3",
        "RANDOM, 20000, true, 4",
        "ASCENDING, 5000, false, 5",
        "DESCENDING, 5000, false, 6",
        "ASCENDING, 5000, true, 7",
    })
    void matchesTreeMapModel(Order order, int keys, boolean unsigned, long seed) {
        check(order, keys, unsigned, seed, new Table(unsigned));
    }

    @ParameterizedTest(name = "large blocks: {0} order, {1} keys, unsigned={2}, seed {3}")
    @CsvSource({
        "RANDOM, 3000, false, 12",
        "RANDOM, 20000, true, 14",
        "ASCENDING, 9000, false, 15",
        "DESCENDING, 9000, true, 16",
    })
    void largeBlocksMatchTreeMapModel(Order order, int keys, boolean unsigned, long seed) {
        Table table = new Table(unsigned, true);
        check(order, keys, unsigned, seed, table);
    }

    @ParameterizedTest(name = "{0} keys in ascending order: large table, large blocks")
    @CsvSource({"9000"})
    void largeTableAddsLargeBlocks(int keys) {
        Table table = new Table(false, true);
        for (long k = 0; k < keys; k++) {
            table.insertRow((int) k, k, k, 0, 0);
        }
        // 2,000 rows in 128-row blocks (16 blocks), then 7,000 in 1,024-row blocks (7 blocks).
        assertThat(table.blockCount()).isEqualTo(16 + 7);
        assertThat(table.floor(keys - 1)).isEqualTo(keys - 1);
        assertThat(table.field(keys - 1, 1)).isEqualTo(keys - 1);
    }

    private static void check(Order order, int keys, boolean unsigned, long seed, Table table) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TreeMap<Long, Long> model = new TreeMap<>(unsigned ? Long::compareUnsigned : Long::compare);
        List<Long> universe = keyUniverse(order, keys, unsigned, rnd);

        // Fill in the given order, querying as we go.
        for (long key : universe) {
            insert(table, model, key, rnd.nextLong());
            probe(table, model, rnd.nextLong(), unsigned);
            probe(table, model, key, unsigned);
        }
        assertSame(table, model);
        assertThat(table.blockCount())
                .as("blocks of a filled table")
                .isLessThanOrEqualTo(order == Order.RANDOM ? keys / 32 + 2 : keys / 128 + 2);

        // Mixed phase: remove, reinsert, rewrite values, in random order.
        for (int step = 0; step < keys * 3; step++) {
            int op = rnd.nextInt(4);
            long key = universe.get(rnd.nextInt(universe.size()));
            if (op == 0 && !model.isEmpty()) {
                remove(table, model, key);
            } else if (op == 1 && !model.containsKey(key)) {
                insert(table, model, key, rnd.nextLong());
            } else if (op == 2 && model.containsKey(key)) {
                int i = table.floor(key);
                long v = rnd.nextLong();
                table.setField(i, 1, v);
                model.put(key, v);
            } else {
                probe(table, model, key, unsigned);
            }
            if (step % 997 == 0) {
                assertSame(table, model);
            }
        }
        assertSame(table, model);

        // Drain: front removals for ascending (an UNMAP in order), else random.
        while (!model.isEmpty()) {
            long key =
                    order == Order.RANDOM
                            ? universe.get(rnd.nextInt(universe.size()))
                            : model.firstKey();
            if (model.containsKey(key)) {
                remove(table, model, key);
                probe(table, model, key, unsigned);
            }
        }
        assertThat(table.size()).isZero();
        assertThat(table.floor(universe.get(0))).isEqualTo(-1);
        assertThat(table.blockCount()).isEqualTo(1);

        // Reusable after draining.
        for (long key : universe.subList(0, Math.min(300, universe.size()))) {
            insert(table, model, key, key);
        }
        assertSame(table, model);
        table.clear();
        assertThat(table.size()).isZero();
        assertThat(table.floor(-1L)).isEqualTo(-1);
    }

    @ParameterizedTest(name = "{0} keys: merged blocks stay at least an eighth full")
    @CsvSource({"4000", "30000"})
    void scatteredRemovalsMergeBlocks(int keys) {
        SplittableRandom rnd = new SplittableRandom(keys);
        Table table = new Table(false);
        TreeMap<Long, Long> model = new TreeMap<>();
        List<Long> universe = keyUniverse(Order.RANDOM, keys, false, rnd);
        for (long key : universe) {
            insert(table, model, key, key);
        }
        // Keep one key in 10: without merging most blocks would hold 6 to 12 rows.
        for (int i = 0; i < universe.size(); i++) {
            if (i % 10 != 0) {
                remove(table, model, universe.get(i));
            }
        }
        assertSame(table, model);
        assertThat(table.blockCount())
                .isLessThanOrEqualTo(model.size() * 8 / SortedBlocks.BLOCK + 2);
    }

    private static List<Long> keyUniverse(
            Order order, int keys, boolean unsigned, SplittableRandom rnd) {
        TreeMap<Long, Boolean> distinct =
                new TreeMap<>(unsigned ? Long::compareUnsigned : Long::compare);
        while (distinct.size() < keys) {
            // Small keys make collisions and neighbours likely; unsigned tables get keys with the
            // sign bit set, which sort after all others.
            long k = rnd.nextInt(keys * 4);
            if (unsigned && rnd.nextBoolean()) {
                k |= Long.MIN_VALUE;
            } else if (!unsigned && rnd.nextBoolean()) {
                k = -k;
            }
            distinct.put(k, true);
        }
        List<Long> list = new ArrayList<>(distinct.keySet());
        if (order == Order.DESCENDING) {
            java.util.Collections.reverse(list);
        } else if (order == Order.RANDOM) {
            for (int i = list.size() - 1; i > 0; i--) {
                java.util.Collections.swap(list, i, rnd.nextInt(i + 1));
            }
        }
        return list;
    }

    private static void insert(Table t, TreeMap<Long, Long> model, long key, long value) {
        int at = t.floor(key) + 1;
        t.insertRow(at, key, value, 0, 0);
        model.put(key, value);
        assertThat(t.size()).isEqualTo(model.size());
        assertThat(t.field(at, 0)).isEqualTo(key);
        assertThat(t.field(at, 1)).isEqualTo(value);
        assertNeighbours(t, model, at, key);
    }

    /** Row {@code i} holds {@code key}: its neighbours by index are the model's neighbours. */
    private static void assertNeighbours(Table t, TreeMap<Long, Long> model, int i, long key) {
        Long lower = model.lowerKey(key);
        Long higher = model.higherKey(key);
        assertThat(i == 0).isEqualTo(lower == null);
        assertThat(i == t.size() - 1).isEqualTo(higher == null);
        if (lower != null) {
            assertThat(t.field(i - 1, 0)).isEqualTo(lower);
        }
        if (higher != null) {
            assertThat(t.field(i + 1, 0)).isEqualTo(higher);
        }
    }

    private static void remove(Table t, TreeMap<Long, Long> model, long key) {
        if (!model.containsKey(key)) {
            return;
        }
        int i = t.floor(key);
        assertThat(t.field(i, 0)).isEqualTo(key);
        t.remove(i);
        model.remove(key);
        assertThat(t.size()).isEqualTo(model.size());
        if (i < t.size()) {
            assertThat(t.field(i, 0)).isEqualTo(model.higherKey(key));
        }
    }

    private static void probe(Table t, TreeMap<Long, Long> model, long key, boolean unsigned) {
        int i = t.floor(key);
        Map.Entry<Long, Long> e = model.floorEntry(key);
        if (e == null) {
            assertThat(i).isEqualTo(-1);
            return;
        }
        assertThat(t.field(i, 0)).isEqualTo(e.getKey());
        assertThat(t.field(i, 1)).isEqualTo(e.getValue());
        assertNeighbours(t, model, i, e.getKey());
    }

    private static void assertSame(Table t, TreeMap<Long, Long> model) {
        assertThat(t.size()).isEqualTo(model.size());
        long[] keys = new long[model.size()];
        int i = 0;
        for (Map.Entry<Long, Long> e : model.entrySet()) {
            keys[i] = e.getKey();
            if (t.field(i, 0) != e.getKey() || t.field(i, 1) != e.getValue()) {
                assertThat(t.field(i, 0)).as("key of row %d", i).isEqualTo(e.getKey());
                assertThat(t.field(i, 1)).as("value of row %d", i).isEqualTo(e.getValue());
            }
            i++;
        }
        // And backwards and by strides, through the cursor's other direction and the tree descent.
        for (int j = t.size() - 1; j >= 0; j -= 7) {
            assertThat(t.field(j, 0)).isEqualTo(keys[j]);
        }
    }
}
