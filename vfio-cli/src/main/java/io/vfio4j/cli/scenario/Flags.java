package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Bit flags as scenario files write them: a list of names ({@code flags: [read, write]}) or a raw
 * flag word, a {@code |}-combination of names (any letter case) and numbers ({@code READ|1<<3},
 * {@code 0x9}), so a scenario can hand the kernel bits it does not define. A word is 32 bits.
 */
final class Flags {
    private final Map<String, Integer> bits;

    Flags(Map<String, Integer> bits) {
        this.bits = new TreeMap<>(bits);
    }

    int parse(YNode n) {
        long v = 0;
        for (YNode item : n.list()) {
            for (String term : item.text().split("\\|", -1)) {
                v |= term(item, term.trim());
            }
        }
        return (int) v;
    }

    private long term(YNode item, String term) {
        for (Map.Entry<String, Integer> e : bits.entrySet()) {
            if (e.getKey().equalsIgnoreCase(term)) {
                return e.getValue() & 0xffff_ffffL;
            }
        }
        try {
            int at = term.indexOf("<<");
            long v = number(at < 0 ? term : term.substring(0, at).trim());
            if (at >= 0) {
                long shift = number(term.substring(at + 2).trim());
                v = shift > 31 ? -1 : v << shift;
            }
            if (v < 0 || v > 0xffff_ffffL) {
                throw item.error(
                        "%s: '%s' does not fit in a 32-bit flag word", item.what(), item.text());
            }
            return v;
        } catch (NumberFormatException e) {
            throw item.error(
                    "%s: '%s' is not a flag: use %s, a number (8, 0x8, 1<<3) or a |-combination"
                            + " (READ|1<<3)",
                    item.what(), term, String.join(", ", bits.keySet()));
        }
    }

    private static long number(String t) {
        String s = t.replace("_", "").toLowerCase(Locale.ROOT);
        long v = s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        if (v < 0 || v > 0xffff_ffffL) {
            throw new NumberFormatException();
        }
        return v;
    }

    /** The names of the known bits set, then any unknown bits as a hex number. */
    String describe(int value) {
        StringJoiner j = new StringJoiner(",");
        int known = 0;
        for (Map.Entry<String, Integer> e : bits.entrySet()) {
            if ((value & e.getValue()) != 0) {
                j.add(e.getKey());
                known |= e.getValue();
            }
        }
        if ((value & ~known) != 0) {
            j.add("0x" + Integer.toHexString(value & ~known));
        }
        return j.length() == 0 ? "no flags" : j.toString();
    }

    List<String> names() {
        return new ArrayList<>(bits.keySet());
    }
}
