package io.vfio4j.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hand-worked expectations beside a real trace ({@code NAME.expected.md}): the call table
 * ({@code | line | op | iova | size | errno | unmapped | locked_vm | ...}) and the summary lines
 * ({@code - key: value (words)}).
 */
record ExpectedReplay(List<Row> rows, Map<String, String> summary) {
    record Row(
            long line,
            String op,
            long iova,
            long size,
            String errno,
            long unmapped,
            long lockedVm) {}

    static ExpectedReplay read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        Map<String, String> summary = new LinkedHashMap<>();
        for (String l : Files.readAllLines(file)) {
            if (l.matches("\\| \\d+ \\|.*")) {
                String[] c = l.split("\\|");
                rows.add(
                        new Row(
                                Long.parseLong(c[1].strip()),
                                c[2].strip(),
                                Hex.parse(c[3].strip()),
                                Hex.parse(c[4].strip()),
                                c[5].strip(),
                                Sizes.parse(c[6].strip()),
                                Long.parseLong(c[7].strip())));
            } else if (l.matches("- [a-z_]+: .*")) {
                String key = l.substring(2, l.indexOf(':'));
                String value = l.substring(l.indexOf(':') + 1).strip();
                int words = value.indexOf(" (");
                summary.put(
                        key,
                        words > 0 && !key.equals("skipped") ? value.substring(0, words) : value);
            }
        }
        return new ExpectedReplay(rows, summary);
    }
}
