package io.vfio4j.cli;

import java.io.PrintWriter;
import java.util.List;

/** Prints rows as left-aligned columns. */
public final class Table {
    private Table() {}

    /** Prints {@code rows} (the first is the header) with two spaces between columns. */
    public static void print(PrintWriter out, List<String[]> rows) {
        print(out, rows, "");
    }

    /** As {@link #print(PrintWriter, List)}, each line starting with {@code indent}. */
    public static void print(PrintWriter out, List<String[]> rows, String indent) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < cols; i++) {
                line.append(r[i]);
                if (i < cols - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
