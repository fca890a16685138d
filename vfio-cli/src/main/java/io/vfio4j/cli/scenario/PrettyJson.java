package io.vfio4j.cli.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The one way the scenario reports write JSON: indented, maps in their insertion order. */
final class PrettyJson {
    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PrettyJson() {}

    static String write(Object root) {
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            // Only maps, lists, strings and numbers are written: this cannot happen.
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
