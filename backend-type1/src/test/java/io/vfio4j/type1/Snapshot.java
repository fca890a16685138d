package io.vfio4j.type1;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.BackendState;
import io.vfio4j.host.SimAddressSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a refused request must leave unchanged: locked_vm of every address space, every
 * frame's pin count, the backend's mappings, dma_avail, pins and references.
 */
record Snapshot(Map<Long, Long> lockedVm, List<String> pinSegments, BackendState state) {
    static Snapshot of(Fixture f) {
        Map<Long, Long> lv = new TreeMap<>();
        for (SimAddressSpace s : f.host.addressSpaces()) {
            lv.put(s.id(), s.lockedVm());
        }
        List<String> segs = new ArrayList<>();
        f.host.memory()
                .forEachPinned((pfn, pages, pins) -> segs.add(pfn + "+" + pages + "x" + pins));
        return new Snapshot(lv, segs, f.ops.state());
    }

    /** Asserts that nothing moved since this snapshot. */
    void assertUnchanged(Fixture f) {
        Snapshot now = of(f);
        assertThat(now.lockedVm).as("locked_vm per address space").isEqualTo(lockedVm);
        assertThat(now.pinSegments).as("frame pin counts").isEqualTo(pinSegments);
        assertThat(now.state).as("backend state").isEqualTo(state);
    }
}
