package io.vfio4j.replay;

import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a YAML list of blocks, {@code - {name, hva, size, page_size, kind: ram|rom|device}}; {@code
 * page_size} defaults to the host page. Errors name file, line and column.
 */
final class MemoryYamlParser {
    private static final Set<String> KEYS = Set.of("name", "hva", "size", "page_size", "kind");

    private MemoryYamlParser() {}

    static MemoryLayout parse(String file, Reader in, long hostPageSize)
            throws ReplayInputException {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(options).compose(in);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark();
            throw ReplayInputException.at(
                    file, m.getLine() + 1, m.getColumn() + 1, "not YAML: " + e.getProblem());
        } catch (RuntimeException e) {
            throw new ReplayInputException(file + ": not YAML: " + e.getMessage());
        }
        if (!(root instanceof SequenceNode seq)) {
            Mark m = root == null ? null : root.getStartMark();
            throw ReplayInputException.at(
                    file,
                    m == null ? 1 : m.getLine() + 1,
                    m == null ? 1 : m.getColumn() + 1,
                    "expected a list of blocks {name, hva, size, page_size, kind}");
        }
        List<MemoryBlock> blocks = new ArrayList<>();
        for (Node item : seq.getValue()) {
            blocks.add(block(file, item, hostPageSize));
        }
        if (blocks.isEmpty()) {
            throw ReplayInputException.at(file, 1, 1, "the list of blocks is empty");
        }
        try {
            return new MemoryLayout(blocks, "blocks of " + file);
        } catch (IllegalArgumentException e) {
            throw ReplayInputException.at(file, 1, 1, e.getMessage());
        }
    }

    private static MemoryBlock block(String file, Node item, long hostPageSize)
            throws ReplayInputException {
        if (!(item instanceof MappingNode map)) {
            throw at(file, item, "a block is a map {name, hva, size, page_size, kind}");
        }
        Map<String, ScalarNode> fields = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k) || !KEYS.contains(k.getValue())) {
                throw at(
                        file,
                        t.getKeyNode(),
                        "unknown key; allowed keys: name, hva, size, page_size, kind");
            }
            if (!(t.getValueNode() instanceof ScalarNode v)) {
                throw at(file, t.getValueNode(), k.getValue() + ": expected a single value");
            }
            fields.put(k.getValue(), v);
        }
        for (String required : List.of("name", "hva", "size")) {
            if (!fields.containsKey(required)) {
                throw at(file, item, "missing key '" + required + "'");
            }
        }
        String name = fields.get("name").getValue();
        long hva = number(file, fields.get("hva"), "hva");
        long size = number(file, fields.get("size"), "size");
        long page =
                fields.containsKey("page_size")
                        ? number(file, fields.get("page_size"), "page_size")
                        : hostPageSize;
        MemoryBlock.Kind kind = MemoryBlock.Kind.RAM;
        if (fields.containsKey("kind")) {
            ScalarNode k = fields.get("kind");
            try {
                kind = MemoryBlock.Kind.valueOf(k.getValue().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw at(file, k, "kind: expected ram, rom or device, not '" + k.getValue() + "'");
            }
        }
        try {
            return new MemoryBlock(name, hva, size, page, kind);
        } catch (IllegalArgumentException e) {
            throw at(file, item, e.getMessage());
        }
    }

    private static long number(String file, ScalarNode node, String key)
            throws ReplayInputException {
        try {
            return Sizes.parse(node.getValue());
        } catch (IllegalArgumentException e) {
            throw at(file, node, key + ": " + e.getMessage());
        }
    }

    private static ReplayInputException at(String file, Node node, String message) {
        Mark m = node.getStartMark();
        return ReplayInputException.at(file, m.getLine() + 1, m.getColumn() + 1, message);
    }
}
