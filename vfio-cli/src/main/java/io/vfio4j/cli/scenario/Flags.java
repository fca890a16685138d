package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** Named bit flags as scenario files write them: {@code flags: [read, write]}. */
final class Flags {
    private final Map<String, Integer> bits;

    Flags(Map<String, Integer> bits) {
        this.bits = new LinkedHashMap<>(bits);
    }

    int parse(YNode n) {
        int v = 0;
        for (YNode item : n.list()) {
            String name = item.choice(new ArrayList<>(bits.keySet()));
            v |= bits.get(name);
        }
        return v;
    }

    String describe(int value) {
        StringJoiner j = new StringJoiner(",");
        bits.forEach(
                (name, bit) -> {
                    if ((value & bit) != 0) {
                        j.add(name);
                    }
                });
        return j.length() == 0 ? "no flags" : j.toString();
    }

    List<String> names() {
        return new ArrayList<>(bits.keySet());
    }
}
