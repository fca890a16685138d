package io.vfio4j.cli.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The entries of one YAML map, checked against its allowed keys. */
final class Fields {
    private final YNode self;
    private final List<String> allowed;
    private final Map<String, YNode> values = new LinkedHashMap<>();
    private final Map<String, YNode> keys = new LinkedHashMap<>();

    Fields(YNode self, List<String> allowed) {
        this.self = self;
        this.allowed = List.copyOf(allowed);
    }

    void put(String key, YNode value, YNode keyNode) {
        values.put(key, value);
        keys.put(key, keyNode);
    }

    YNode node() {
        return self;
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    /** The key's value, if present and not empty. */
    Optional<YNode> opt(String key) {
        checkAllowed(key);
        YNode n = values.get(key);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(n);
    }

    /** The key's value; an error naming the key if missing. */
    YNode req(String key) {
        return opt(key).orElseThrow(() -> self.error("%s: missing key '%s'", self.what(), key));
    }

    /** The key's value node, present or not (an absent key reads as an empty value). */
    YNode raw(String key) {
        YNode n = values.get(key);
        return n != null ? n : self;
    }

    /** The key node, for errors about the key itself. */
    YNode key(String key) {
        return keys.get(key);
    }

    List<String> present() {
        return List.copyOf(values.keySet());
    }

    String str(String key, String def) {
        return opt(key).map(YNode::text).orElse(def);
    }

    boolean bool(String key, boolean def) {
        return opt(key).map(YNode::bool).orElse(def);
    }

    private void checkAllowed(String key) {
        if (!allowed.contains(key)) {
            throw new IllegalStateException("reader asked for undeclared key " + key);
        }
    }
}
