package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A node of a composed YAML document with its position, and typed readers that fail with the file,
 * line and what was expected. Scalars are read from their source text, so hex with underscores and
 * units are parsed by vfio4j, never by YAML's own resolver.
 */
final class YNode {
    private final String source;
    private final Node node;
    private final String what;

    YNode(String source, Node node, String what) {
        this.source = source;
        this.node = node;
        this.what = what;
    }

    /** The same node under another label for messages. */
    YNode renamed(String label) {
        return new YNode(source, node, label);
    }

    String what() {
        return what;
    }

    int line() {
        return node.getStartMark().getLine() + 1;
    }

    int column() {
        return node.getStartMark().getColumn() + 1;
    }

    /** The 1-based column just after the node's text (its line is {@link #endLine()}). */
    int endColumn() {
        return node.getEndMark().getColumn() + 1;
    }

    int endLine() {
        return node.getEndMark().getLine() + 1;
    }

    String source() {
        return source;
    }

    ScenarioSyntaxException error(String format, Object... args) {
        return new ScenarioSyntaxException(
                source, line(), column(), String.format(Locale.ROOT, format, args));
    }

    boolean isNull() {
        return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    boolean isScalar() {
        return node instanceof ScalarNode && !isNull();
    }

    boolean isMap() {
        return node instanceof MappingNode;
    }

    /** A map or list written in flow style ({@code {a: 1}}, {@code [1, 2]}). */
    boolean isFlow() {
        return node instanceof org.yaml.snakeyaml.nodes.CollectionNode<?> c
                && c.getFlowStyle() == org.yaml.snakeyaml.DumperOptions.FlowStyle.FLOW;
    }

    boolean isList() {
        return node instanceof SequenceNode;
    }

    private String kind() {
        if (isNull()) {
            return "nothing";
        }
        if (isMap()) {
            return "a map";
        }
        if (isList()) {
            return "a list";
        }
        return "'" + ((ScalarNode) node).getValue() + "'";
    }

    /** The scalar's text. */
    String text() {
        if (!isScalar()) {
            throw error("%s: expected a single value, found %s", what, kind());
        }
        return ((ScalarNode) node).getValue();
    }

    /** The longest name a scenario may give (UUIDs, PCI addresses and plugin names fit). */
    static final int MAX_NAME = 64;

    /** A name: letters, digits, '-', '_', '.', ':'; at most {@link #MAX_NAME} characters. */
    String name() {
        String t = text();
        if (t.length() > MAX_NAME) {
            throw error(
                    "%s: a name of %d characters; at most %d are allowed",
                    what, t.length(), MAX_NAME);
        }
        if (!t.matches("[A-Za-z0-9][A-Za-z0-9_.:-]*")) {
            throw error(
                    "%s: '%s' is not a valid name (letters, digits, '-', '_', '.', ':')", what, t);
        }
        return t;
    }

    long size() {
        return size(0);
    }

    /** A size; {@code pageSize} > 0 also allows {@code N pages}. */
    long size(long pageSize) {
        String t = text();
        try {
            return Sizes.parse(t, pageSize);
        } catch (IllegalArgumentException e) {
            throw error("%s: %s", what, e.getMessage());
        } catch (ArithmeticException e) {
            throw error("%s: '%s' does not fit in 64 bits", what, t.trim());
        }
    }

    /** An exact integer (decimal or hex), no units. */
    long integer() {
        String t = text().trim().replace("_", "");
        try {
            if (t.toLowerCase(Locale.ROOT).startsWith("0x")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            if (t.matches("-?[0-9]+|0[xX][0-9a-fA-F]+")) {
                throw error("%s: '%s' does not fit in 64 bits", what, text().trim());
            }
            throw error("%s: expected an exact integer, found '%s'", what, text());
        }
    }

    int intValue(int min, int max) {
        return (int) integer(min, max);
    }

    /** An exact integer in {@code [min, max]}. */
    long integer(long min, long max) {
        long v = integer();
        if (v < min || v > max) {
            throw error(
                    "%s: %s is out of range [%s, %s]",
                    what, text().trim(), Sizes.count(min), Sizes.count(max));
        }
        return v;
    }

    /**
     * A size in {@code [min, max]} bytes (signed: a hex value of 2^63 or more is out of range); an
     * overflowing sum or product is refused as well.
     */
    long size(long pageSize, long min, long max) {
        long v = size(pageSize);
        if (v < min || v > max) {
            throw error(
                    "%s: '%s' is out of range [%s, %s]",
                    what, text().trim(), Sizes.human(min), Sizes.human(max));
        }
        return v;
    }

    boolean bool() {
        String t = text().toLowerCase(Locale.ROOT);
        switch (t) {
            case "true":
            case "yes":
            case "on":
                return true;
            case "false":
            case "no":
            case "off":
                return false;
            default:
                throw error("%s: expected true or false, found '%s'", what, text());
        }
    }

    /** One of {@code choices}, case-insensitive; returns the choice as spelled there. */
    String choice(List<String> choices) {
        String t = text();
        for (String c : choices) {
            if (c.equalsIgnoreCase(t)) {
                return c;
            }
        }
        throw error("%s: '%s' is not one of %s", what, t, String.join(", ", choices));
    }

    /** The items of a list; a single value counts as a list of one. */
    List<YNode> list() {
        List<YNode> out = new ArrayList<>();
        if (node instanceof SequenceNode seq) {
            int i = 0;
            for (Node n : seq.getValue()) {
                out.add(new YNode(source, n, what + "[" + i++ + "]"));
            }
        } else if (isScalar() || isMap()) {
            out.add(this);
        } else if (!isNull()) {
            throw error("%s: expected a list, found %s", what, kind());
        }
        return out;
    }

    /** The list's items; a single map or value is refused. */
    List<YNode> strictList() {
        if (!isList() && !isNull()) {
            throw error("%s: expected a list (items starting with '- '), found %s", what, kind());
        }
        return list();
    }

    /**
     * The entries of a map, refusing keys outside {@code allowed} and duplicates. {@code null} (an
     * empty value) is an empty map.
     */
    Fields fields(List<String> allowed) {
        Fields f = new Fields(this, allowed);
        if (isNull()) {
            return f;
        }
        if (!(node instanceof MappingNode map)) {
            throw error("%s: expected a map with keys from %s, found %s", what, allowed, kind());
        }
        for (NodeTuple t : map.getValue()) {
            Node k = t.getKeyNode();
            YNode key = new YNode(source, k, what + " key");
            if (!key.isScalar()) {
                throw key.error("%s: keys must be plain words", what);
            }
            String name = key.text();
            if (!allowed.contains(name)) {
                throw key.error(
                        "unknown key '%s' in %s; allowed keys: %s",
                        name, what, String.join(", ", allowed));
            }
            if (f.has(name)) {
                throw key.error("duplicate key '%s' in %s", name, what);
            }
            f.put(name, new YNode(source, t.getValueNode(), what + "." + name), key);
        }
        return f;
    }

    /** The keys of a map in order, each with its key node (for maps keyed by names). */
    List<YNode[]> entries() {
        if (isNull()) {
            return List.of();
        }
        if (!(node instanceof MappingNode map)) {
            throw error("%s: expected a map, found %s", what, kind());
        }
        List<YNode[]> out = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (NodeTuple t : map.getValue()) {
            YNode key = new YNode(source, t.getKeyNode(), what + " key");
            String name = key.text();
            if (seen.contains(name)) {
                throw key.error("duplicate key '%s' in %s", name, what);
            }
            seen.add(name);
            out.add(new YNode[] {key, new YNode(source, t.getValueNode(), what + "." + name)});
        }
        return out;
    }
}
