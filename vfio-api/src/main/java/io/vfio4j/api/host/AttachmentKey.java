package io.vfio4j.api.host;

import java.util.Objects;

/**
 * Identifies one kind of per-address-space data (see {@link AddressSpace#attachment}). Keys are
 * compared by identity: keep one in a {@code static final} field.
 */
public final class AttachmentKey<T> {
    private final String name;
    private final Class<T> type;

    public AttachmentKey(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    public Class<T> type() {
        return type;
    }

    @Override
    public String toString() {
        return name;
    }
}
