package io.vfio4j.oracle;

/** One field that differs: its name and both values (empty when one side has no such field). */
public record FieldDiff(String field, String model, String kernel) {}
