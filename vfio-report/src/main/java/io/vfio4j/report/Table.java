package io.vfio4j.report;

import java.util.List;
import java.util.Objects;

/** A table with a heading; every row has as many cells as there are columns. */
public record Table(String heading, List<String> columns, List<Row> rows) {
    public Table {
        Objects.requireNonNull(heading, "heading");
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).cells().size() != columns.size()) {
                throw new IllegalArgumentException(
                        "row "
                                + i
                                + " has "
                                + rows.get(i).cells().size()
                                + " cells for "
                                + columns.size()
                                + " columns");
            }
        }
    }
}
