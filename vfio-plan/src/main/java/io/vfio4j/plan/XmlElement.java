package io.vfio4j.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One element of a parsed XML file with where it starts, so that every complaint about it can say
 * {@code file:line:column}.
 *
 * @param namespace the namespace URI ("" for none)
 * @param name the local name
 */
record XmlElement(
        String namespace,
        String name,
        Map<String, String> attributes,
        List<XmlElement> children,
        String text,
        String file,
        int line,
        int column) {
    XmlElement {
        attributes = Map.copyOf(attributes);
        children = List.copyOf(children);
    }

    Optional<String> attr(String key) {
        return Optional.ofNullable(attributes.get(key));
    }

    Optional<XmlElement> child(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).findFirst();
    }

    List<XmlElement> all(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).toList();
    }
}
