package io.vfio4j.type1;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.host.AddressSpace;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Sums what a container claims in its audit. */
final class AuditCollector implements AuditSink {
    final Map<AddressSpace, Long> charged = new IdentityHashMap<>();
    long pins;
    long live;
    long available;
    long limit;
    final List<String> violations = new ArrayList<>();

    @Override
    public void charged(AddressSpace space, Object shareKey, long pages) {
        charged.merge(space, pages, Long::sum);
    }

    @Override
    public void pinned(Object shareKey, long pfn, long pages, long pinsPerFrame) {
        pins += pages * pinsPerFrame;
    }

    @Override
    public void entries(long live, long available, long limit) {
        this.live = live;
        this.available = available;
        this.limit = limit;
    }

    @Override
    public void violation(String message) {
        violations.add(message);
    }

    long chargedTotal() {
        return charged.values().stream().mapToLong(Long::longValue).sum();
    }
}
