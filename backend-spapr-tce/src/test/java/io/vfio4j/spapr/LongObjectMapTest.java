package io.vfio4j.spapr;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongObjectMapTest {
    @Test
    void behavesLikeAHashMapUnderRandomPutsAndRemoves() {
        LongObjectMap<String> map = new LongObjectMap<>();
        Map<Long, String> model = new HashMap<>();
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            long key = random.nextInt(500);
            if (random.nextBoolean()) {
                map.put(key, "v" + i);
                model.put(key, "v" + i);
            } else {
                map.remove(key);
                model.remove(key);
            }
        }
        assertThat(map.size()).isEqualTo(model.size());
        for (long k = 0; k < 500; k++) {
            assertThat(map.get(k)).isEqualTo(model.get(k));
        }
        assertThat(map.anyKeyIn(0, 500)).isEqualTo(!model.isEmpty());
        assertThat(map.anyKeyIn(500, 1000)).isFalse();
    }
}
